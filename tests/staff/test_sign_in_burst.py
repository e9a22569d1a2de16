"""Forty simultaneous wrong passwords get five checks, and the lockout holds against the right one, on both engines."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.keys import TEST_KEYS
from tests.support.staff import add_accounts
from tests.support.web import csrf_of, sign_in


def _settings(database_url: str, tmp_path: Path) -> Settings:
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> None:
        await store.migrate_url(database_url)
        async with await store.open_database(database_url, keys=TEST_KEYS) as database:
            await add_accounts(database)

    asyncio.run(seed())
    return settings


def _refusals(settings: Settings) -> Counter[str]:
    async def read() -> Counter[str]:
        async with await store.open_database(settings.database_url, keys=TEST_KEYS) as database:
            rows = await database.fetch("SELECT detail FROM audit_log WHERE action = 'login.failed'")
        return Counter(str(row["detail"]) for row in rows)

    return asyncio.run(read())


def test_forty_simultaneous_wrong_passwords_get_five_checks(database_url: str, tmp_path: Path) -> None:
    settings = _settings(database_url, tmp_path)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        csrf = csrf_of(client.get("/staff/login").text)
        data = {"_csrf": csrf, "username": "county", "password": "wrong-password"}
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(pool.map(lambda _: client.post("/staff/login", data=data), range(40)))
        assert {answer.status_code for answer in answers} == {401}
        assert sum("已锁定" in answer.text for answer in answers) >= 35
        assert "已锁定" in sign_in(client, "county").text  # type: ignore[attr-defined]
    assert _refusals(settings) == Counter({"密码不正确": 5, "账号已锁定": 36})
