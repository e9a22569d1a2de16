"""Migrations: idempotent, safe to run at once from two places, and matching the Piccolo tables."""

from __future__ import annotations

import asyncio

import pytest

from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.store import Database, SchemaTooNewError, migrate, open_database, save_draft, schema_version
from shenbao.store.schema import STEPS
from shenbao.store.tables import ALL_TABLES

pytestmark = pytest.mark.anyio


async def _columns(db: Database, table: str) -> set[str]:
    if db.kind == "sqlite":
        rows = await db.fetch(f"PRAGMA table_info({table})")
        return {row["name"] for row in rows}
    rows = await db.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = {}",
        table,
    )
    return {row["column_name"] for row in rows}


async def test_a_new_database_is_at_version_zero(database_url: str, anyio_backend: str) -> None:
    async with await open_database(database_url) as db:
        assert await schema_version(db) == 0
        assert await migrate(db) == list(STEPS)
        assert await schema_version(db) == STEPS[-1].version


async def test_migrating_twice_changes_nothing(db: Database) -> None:
    await save_draft(db, "token", "form", 1, {"q1": "是"}, "basic", personal=NO_PERSONAL_FIELDS)
    assert await migrate(db) == []
    assert await migrate(db) == []
    assert await schema_version(db) == STEPS[-1].version
    assert (await db.fetch("SELECT count(*) AS n FROM draft"))[0]["n"] == 1


async def test_concurrent_migrations_apply_each_step_once(database_url: str, anyio_backend: str) -> None:
    async with await open_database(database_url) as db:
        results = await asyncio.gather(migrate(db), migrate(db), migrate(db))
        assert sorted(len(applied) for applied in results) == [0, 0, len(STEPS)]
        rows = await db.fetch("SELECT version FROM shenbao_schema ORDER BY version")
        assert [row["version"] for row in rows] == [step.version for step in STEPS]


async def test_the_migrated_schema_has_exactly_the_columns_the_tables_declare(db: Database) -> None:
    for table in ALL_TABLES:
        declared = {column._meta.db_column_name for column in table._meta.columns}
        assert await _columns(db, table._meta.tablename) == declared, table._meta.tablename


async def test_a_database_from_a_newer_shenbao_is_refused(db: Database) -> None:
    await db.fetch(
        "INSERT INTO shenbao_schema (version, name, applied_at) VALUES ({}, {}, CURRENT_TIMESTAMP)",
        999,
        "from the future",
    )
    with pytest.raises(SchemaTooNewError, match=r"\[999\].*upgrade shenbao"):
        await migrate(db)


async def test_steps_are_numbered_one_by_one() -> None:
    assert [step.version for step in STEPS] == list(range(1, len(STEPS) + 1))
