"""Staff tests: accounts in every role for 兰州市城关区, applications inside and outside each region, and one
application on its chain with a client for the app around it (the data comes from :mod:`tests.support`)."""

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
from shenbao.staff.accounts import StaffAccounts
from tests.support.applications import SUBMITTED_ON, YIJIAN, add_application
from tests.support.beside import Flow
from tests.support.keys import TEST_KEYS
from tests.support.packs import gansu_divisions
from tests.support.staff import PASSWORD, PLACES, add_accounts, add_applications
from tests.support.web import migrated_settings


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    """The accounts of every role and one application per place; returns the settings and place to receipt."""
    settings = migrated_settings(tmp_path)

    async def seed() -> dict[str, str]:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_accounts(database)
            return await add_applications(database)
        finally:
            await database.close()

    return settings, asyncio.run(seed())


@pytest.fixture
def staff_client(seeded: tuple[Settings, dict[str, str]]) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(seeded[0]), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def flow(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Flow:
    """An application at the first step of its chain in 城关区's first village, submitted on the day the
    handlers act (pinned: every deadline stays in a known year); on the 2023 chain unless the test names
    another form (``@pytest.mark.parametrize("flow", [ZIZHU], indirect=True)``)."""
    form_id = getattr(request, "param", YIJIAN)
    monkeypatch.setattr("shenbao.web.staff.applications.today_in_china", lambda: SUBMITTED_ON)
    monkeypatch.setattr("shenbao.web.staff.household_check.today_in_china", lambda: SUBMITTED_ON)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> int:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            await add_accounts(database)
            await StaffAccounts(database).add(
                username="other",
                role="village",
                region_code=PLACES["sibling_village"],
                password=PASSWORD,
                divisions=gansu_divisions(),
            )
            return (await add_application(database, form_id, region=PLACES["village"])).id
        finally:
            await database.close()

    return Flow(settings, asyncio.run(seed()))


@pytest.fixture
def client(flow: Flow) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(flow.settings), base_url="http://127.0.0.1") as test_client:
        yield test_client
