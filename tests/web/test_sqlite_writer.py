"""SQLite, the embedded default, with one writer: writes queue in the process, and one that cannot start in time
is a 503 with Retry-After and a Chinese page, never a 500."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from shenbao.store import sqlite_pool
from shenbao.store.sqlite_pool import PooledSQLiteEngine
from tests.support.beside import last_code
from tests.support.samples import one_click_2023

Client = TestClient[Litestar]
FORM = "/api/v1/forms/gansu-yijian-2023"


@pytest.mark.anyio
async def test_write_transactions_queue_instead_of_failing_on_the_busy_timeout(tmp_path: Path) -> None:
    """With a busy timeout far shorter than the queue, every one of forty slow writes still goes through."""
    database = await store.open_database(f"sqlite:///{tmp_path / 'w.db'}", busy_timeout=0.05)
    try:
        await database.execute("CREATE TABLE tally (n INTEGER NOT NULL)")

        async def write(number: int) -> None:
            async with database.transaction():
                await database.fetch("INSERT INTO tally (n) VALUES ({})", number)
                await asyncio.sleep(0.01)  # held longer than other connections would wait

        await asyncio.gather(*(write(number) for number in range(40)))
        assert (await database.fetch("SELECT count(*) AS n FROM tally"))[0]["n"] == 40
    finally:
        await database.close()


def _engine(client: Client) -> PooledSQLiteEngine:
    engine = client.app.state["shenbao"].database.engine
    assert isinstance(engine, PooledSQLiteEngine)
    return engine


@pytest.fixture
def writer_held(new_phone: Client, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's writer lock taken (as by a long write) and the wait for it cut to a tenth of a second."""
    monkeypatch.setattr(sqlite_pool, "WRITE_WAIT", 0.1)
    engine = _engine(new_phone)
    new_phone.blocking_portal.call(engine.acquire_writer)
    yield new_phone
    new_phone.blocking_portal.call(engine.release_writer)


def test_a_write_that_cannot_start_in_time_is_a_503_with_retry_after(writer_held: Client) -> None:
    body = {"phone": "13912345678"}
    answer = writer_held.post(f"{FORM}/phone-codes", json=body, headers={"Idempotency-Key": "busy-key-0001"})
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "请等5秒钟" in answer.json()["detail"]
    send = {"form": "gansu-yijian-2023", "name": "phone", "phone": "13912345678"}
    page = writer_held.post("/widgets/phone/send", data=send)
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "现在办理的人很多" in page.text and "您填写的内容还在那一页上" in page.text
    back = writer_held.post(
        "/widgets/phone/send", data=send, headers={"Referer": "http://127.0.0.1/f/x/s/y?a=1"}
    )
    assert 'href="/f/x/s/y?a=1">返回上一页' in back.text
    elsewhere = writer_held.post(
        "/widgets/phone/send", data=send, headers={"Referer": "http://evil.example/f"}
    )
    assert ">返回上一页</a>" not in elsewhere.text
    assert writer_held.get("/").status_code == 200  # reading never waits for the writer


@pytest.fixture
def busy_day(settings: Settings) -> Iterator[tuple[Client, Settings]]:
    """A village where every phone shares one address (a carrier's gateway), as on the day of a flood."""
    settings = msgspec.structs.replace(settings, otp_per_address_per_hour=1000)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client, settings


def test_two_hundred_simultaneous_submissions_are_all_stored(busy_day: tuple[Client, Settings]) -> None:
    client, settings = busy_day
    keys = [f"burst-key-{number:04d}" for number in range(200)]
    phones = [f"1390000{number:04d}" for number in range(200)]
    for key, phone in zip(keys, phones, strict=True):
        headers = {"Idempotency-Key": key}
        assert client.post(f"{FORM}/phone-codes", json={"phone": phone}, headers=headers).status_code == 202
        verify = {"phone": phone, "code": last_code(settings, phone)}
        assert client.post(f"{FORM}/phone-codes/verify", json=verify, headers=headers).status_code == 200

    def submit(pair: tuple[str, str]) -> int:
        key, phone = pair
        answers = one_click_2023(phone=phone)
        headers = {"Idempotency-Key": key}
        return client.post(f"{FORM}/submissions", json={"answers": answers}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(submit, zip(keys, phones, strict=True)))
    assert statuses == [201] * 200
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM application").fetchone() == (200,)
