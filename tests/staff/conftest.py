"""Staff tests: accounts in every role for 兰州市城关区, and applications inside and outside each region."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.accounts import StaffAccounts
from shenbao.app import create_app
from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.settings import Settings
from tests.web.conftest import migrated_settings

PASSWORD = "correct-horse-9"
ACCOUNTS = {
    "province": "62",
    "county": "620102",
    "township": "620102001",
    "village": "620102001001",
}
"""Role to region: one account each, username = the role."""
PLACES = {
    "village": "620102001001",  # in every account's subtree
    "sibling_village": "620102001002",  # same township, another village
    "other_township": "620102002001",  # same county, another township
    "other_county": "620103001001",  # same province, another county
    "other_province": "640104001001",  # Ningxia
}
INSIDE = {
    "province": {"village", "sibling_village", "other_township", "other_county"},
    "county": {"village", "sibling_village", "other_township"},
    "township": {"village", "sibling_village"},
    "village": {"village"},
}


async def add_accounts(db: store.Database) -> None:
    accounts = StaffAccounts(db)
    for role, region in ACCOUNTS.items():
        await accounts.add(username=role, role=role, region_code=region, password=PASSWORD)


async def add_applications(db: store.Database) -> dict[str, str]:
    """One application per place; returns place to receipt number."""
    receipts = {}
    for place, region in PLACES.items():
        record, _ = await store.submit_application(
            db,
            idempotency_key=None,
            form_id="gansu-yijian-2023",
            form_version=1,
            answers={},
            personal=NO_PERSONAL_FIELDS,
            region_code=region,
        )
        receipts[place] = record.receipt_number
    await store.submit_application(
        db,
        idempotency_key=None,
        form_id="gansu-yijian-2023",
        form_version=1,
        answers={},
        personal=NO_PERSONAL_FIELDS,
        region_code=None,
    )
    return receipts


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> object:
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"_csrf": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
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
