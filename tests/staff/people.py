"""Accounts for the staff-account page tests: the four roles of 城关区 and accounts beside and beyond them.

Every account gets the same argon2 hash of :data:`~tests.support.staff.PASSWORD`, computed once: hashing is
slow on purpose, and these tests sign in often enough.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.beside import fetch
from tests.support.staff import PASSWORD, add_account
from tests.support.web import csrf_of, migrated_settings, sign_in

Client = TestClient[Litestar]

PEOPLE = {  # username: role, region
    "province": ("province", "62"),
    "county": ("county", "620102"),
    "township": ("township", "620102001"),
    "village": ("village", "620102001001"),
    "sibling_village": ("village", "620102001002"),  # same township
    "other_county_village": ("village", "620103001001"),  # 七里河区, same province
    "other_county": ("county", "620103"),
    "other_province": ("province", "64"),
    "other_province_village": ("village", "640104001001"),  # 宁夏
}
MANAGES = {
    "province": {"county", "township", "village", "sibling_village", "other_county_village", "other_county"},
    "county": {"township", "village", "sibling_village"},
    "township": set(),
    "village": set(),
}
"""Whom each of the four 城关区 accounts manages (written out, not computed by the rules under test)."""


def seed_people(settings: Settings, people: dict[str, tuple[str, str]] = PEOPLE) -> dict[str, int]:
    """Add ``people`` (username: role, region); returns username to id."""

    async def seed() -> dict[str, int]:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            ids = {}
            for username, (role, region) in people.items():
                added = await add_account(
                    database,
                    role,  # type: ignore[arg-type]
                    region,
                    username=username,
                    display_name=f"{username}的名字",
                )
                ids[username] = added.id
            return ids
        finally:
            await database.close()

    return asyncio.run(seed())


def people_client(
    data_dir: Path, more: dict[str, tuple[str, str]] | None = None
) -> Iterator[tuple[Client, Settings, dict[str, int]]]:
    """A fresh database with :data:`PEOPLE` (and ``more``) and a client for it."""
    settings = migrated_settings(data_dir)
    ids = seed_people(settings, {**PEOPLE, **(more or {})})
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        yield client, settings, ids


def signed_in_as(client: Client, username: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in afresh as ``username``; returns the session's CSRF token."""
    client.cookies.clear()
    assert sign_in(client, username, password).status_code == 303  # type: ignore[attr-defined]
    return csrf_of(client.get("/staff/").text)


@contextmanager
def browser(client: Client, jar: httpx.Cookies) -> Iterator[Client]:
    """``client`` with the cookies of ``jar`` (a second person's phone); ``jar`` keeps what the block sets.

    The platform binds one database per process, so a second app cannot run beside the first: the second
    person is the same client with another cookie jar. The first one's cookies come back after the block.
    """
    saved = httpx.Cookies(client.cookies)
    client.cookies = jar
    try:
        yield client
    finally:
        jar.clear()
        jar.update(client.cookies)
        client.cookies = saved


def rows(settings: Settings, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` selects in the app's database (SQLite: ``?`` placeholders)."""
    return fetch(settings.database_url, sql, *args)


def snapshot(settings: Settings) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every account (with its hash) and every session: what a refused request must leave as it was."""
    return (
        rows(settings, "SELECT * FROM staff ORDER BY id"),
        rows(settings, "SELECT * FROM staff_session ORDER BY id"),
    )
