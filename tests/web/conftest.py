"""Web tests: the standalone app over a fresh SQLite database, driven in-process by Litestar's TestClient."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings


def migrated_settings(data_dir: Path) -> Settings:
    settings = Settings(database_url=f"sqlite:///{data_dir / 'web.db'}", data_dir=data_dir, secret_key="test")

    async def migrate() -> None:
        database = await store.open_database(settings.database_url)
        try:
            await store.migrate(database)
        finally:
            await database.close()

    asyncio.run(migrate())
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return migrated_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def count_applications(settings: Settings) -> int:
    """Rows in the application table, read beside the running app (Piccolo binds its tables per process)."""
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM application").fetchone()[0])
