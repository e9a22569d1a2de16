"""Web tests: the standalone app over a fresh SQLite database, driven in-process by Litestar's TestClient."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from shenbao.web.guide_wait import GUIDE_COOKIE, mark_path, sign_mark
from tests.conftest import TEST_KEYS

ZIZHU = "gansu-zizhu-2021"


def migrated_settings(data_dir: Path) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{data_dir / 'web.db'}", data_dir=data_dir, secret_key="test", keys=TEST_KEYS
    )
    asyncio.run(store.migrate_url(settings.database_url))
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return migrated_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """A phone that opened the 2021 guide a minute ago: its 60-second wait is over."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        read_guide(client)
        yield client


@pytest.fixture
def new_phone(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """A phone that has never opened any page of the platform."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def read_guide(
    client: TestClient[Litestar], form_id: str = ZIZHU, *, seconds_ago: float = 61, base: str = ""
) -> None:
    """Give the browser the guide mark the app sets, dated ``seconds_ago`` (the client must have started).

    ``base`` is the path the platform is mounted at.
    """
    secret = client.app.state[f"shenbao{base}"].settings.secret_key
    mark = sign_mark(secret, form_id, opened=time.time() - seconds_ago)
    client.cookies.set(GUIDE_COOKIE, mark, domain=client.base_url.host, path=mark_path(base, form_id))


def start_draft(client: TestClient[Litestar], *, base: str = "") -> str:
    """Answer the 2021 form's first question of the residence page, as a farmer's first tap does: the browser
    then has a draft (pictures are kept only for one). Returns the query the page's uploads carry."""
    response = client.post(f"{base}/f/{ZIZHU}/s/residence/answer", data={"_q": ["q5"], "q5": "agri"})
    assert response.status_code == 200, response.text
    return f"?f={ZIZHU}"


def count_applications(settings: Settings) -> int:
    """Rows in the application table, read beside the running app (Piccolo binds its tables per process)."""
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM application").fetchone()[0])


def last_code(settings: Settings, phone: str) -> str:
    """The code in the newest text message the database gateway kept for ``phone``."""
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        text = connection.execute(
            "SELECT text FROM sms_message WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
        ).fetchone()[0]
    match = re.search(r"验证码是(\d{6})", text)
    assert match, text
    return str(match.group(1))


def verify_on_page(client: TestClient[Litestar], form_id: str, name: str, phone: str) -> None:
    """What the farmer does: "发送验证码", read the SMS, type the code, "验证"."""
    settings = client.app.state["shenbao"].settings
    sent = client.post("/widgets/phone/send", data={"form": form_id, "name": name, name: phone})
    assert "验证码已发到" in sent.text, sent.text
    code = last_code(settings, phone)
    data = {"form": form_id, "name": name, name: phone, f"_otp.{name}": code}
    verified = client.post("/widgets/phone/verify", data=data)
    assert "已验证" in verified.text, verified.text


def verify_by_api(client: TestClient[Litestar], form_id: str, key: str, phone: str) -> None:
    settings = client.app.state["shenbao"].settings
    headers = {"Idempotency-Key": key}
    sent = client.post(f"/api/v1/forms/{form_id}/phone-codes", json={"phone": phone}, headers=headers)
    assert sent.status_code == 202, sent.text
    code = last_code(settings, phone)
    verified = client.post(
        f"/api/v1/forms/{form_id}/phone-codes/verify", json={"phone": phone, "code": code}, headers=headers
    )
    assert verified.json()["verified"] is True, verified.text
