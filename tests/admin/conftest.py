"""Admin tests: a province admin (and the other roles) over a fresh SQLite database, signed in through the page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.staff import add_account, add_accounts
from tests.support.web import migrated_settings, sign_in


@pytest.fixture
def admin_settings(tmp_path: Path) -> Settings:
    """A migrated app with one account per role (username = role) and a second province admin (``province2``)."""
    settings = migrated_settings(tmp_path)

    async def seed() -> None:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_accounts(database)
            await add_account(database, "province", "62", username="province2", display_name="李明")
        finally:
            await database.close()

    asyncio.run(seed())
    return settings


@pytest.fixture
def admin(admin_settings: Settings) -> Iterator[TestClient[Litestar]]:
    """A browser signed in as the province admin."""
    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "province").status_code == 303  # type: ignore[attr-defined]
        yield client
