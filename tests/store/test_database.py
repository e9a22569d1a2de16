"""Opening databases from a URL: SQLite files in WAL mode, PostgreSQL pools, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shenbao.store import (
    Database,
    DatabaseNotBoundError,
    DatabaseUnavailableError,
    InvalidDatabaseURLError,
    count_applications,
    migrate,
    open_database,
)
from shenbao.store.database import redact_url, sqlite_path
from shenbao.store.tables import ALL_TABLES


@pytest.mark.parametrize(
    ("url", "path"),
    [
        pytest.param("sqlite:///data/shenbao.db", Path("data/shenbao.db"), id="relative"),
        pytest.param("sqlite:////srv/shenbao/shenbao.db", Path("/srv/shenbao/shenbao.db"), id="absolute"),
    ],
)
def test_sqlite_urls_name_a_file(url: str, path: Path) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///:memory:", id="in-memory"),
        pytest.param("sqlite:///", id="no-file"),
        pytest.param("sqlite:///data/", id="a-folder"),
        pytest.param("sqlite://relative.db", id="two-slashes"),
    ],
)
def test_sqlite_urls_without_a_file_are_refused(url: str) -> None:
    with pytest.raises(InvalidDatabaseURLError, match=r"sqlite:///relative/path\.db"):
        sqlite_path(url)


@pytest.mark.anyio
async def test_unknown_schemes_are_refused_with_the_formats_that_work(anyio_backend: str) -> None:
    with pytest.raises(InvalidDatabaseURLError, match="postgresql://user@host:port/dbname"):
        await open_database("mysql://root:secret@localhost/shenbao")


def test_passwords_never_reach_messages() -> None:
    assert redact_url("postgresql://app:s3cret@db:5432/shenbao") == "postgresql://app:***@db:5432/shenbao"
    assert redact_url("postgresql://app@db/shenbao") == "postgresql://app@db/shenbao"


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:.*Unable to connect to database")
async def test_an_unreachable_postgres_names_how_to_start_it(anyio_backend: str) -> None:
    with pytest.raises(DatabaseUnavailableError, match="pg_ctlcluster") as raised:
        await open_database("postgresql://app:s3cret@127.0.0.1:1/shenbao")
    assert "s3cret" not in str(raised.value)


@pytest.mark.anyio
async def test_sqlite_creates_the_folder_and_turns_wal_on(tmp_path: Path, anyio_backend: str) -> None:
    path = tmp_path / "new" / "folder" / "shenbao.db"
    async with await open_database(f"sqlite:///{path}") as db:
        assert (await db.fetch("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
    assert path.exists()
    # WAL belongs to the file: a plain connection opened later finds it too.
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.anyio
async def test_opening_binds_every_table_and_closing_unbinds(database_url: str, anyio_backend: str) -> None:
    db = await open_database(database_url)
    assert all(table._meta._db is db.engine for table in ALL_TABLES)
    assert db.is_bound
    await db.close()
    await db.close()  # twice is harmless
    assert all(table._meta._db is None for table in ALL_TABLES)
    with pytest.raises(DatabaseNotBoundError, match="closed"):
        await count_applications(db)


@pytest.mark.anyio
async def test_a_database_replaced_by_a_newer_one_refuses_queries(
    database_url: str, anyio_backend: str
) -> None:
    first = await open_database(database_url)
    second = await open_database(database_url)
    try:
        await migrate(second)
        with pytest.raises(DatabaseNotBoundError, match="another database was opened"):
            await count_applications(first)
        assert await count_applications(second) == 0
    finally:
        await first.close()
        await second.close()
    assert second.is_bound is False


@pytest.mark.anyio
async def test_raw_fetch_sends_values_as_parameters(db: Database) -> None:
    rows = await db.fetch(
        "SELECT CAST({} AS TEXT) AS text, CAST({} AS INTEGER) AS number", "甘'; DROP TABLE draft; --", 7
    )
    assert rows == [{"text": "甘'; DROP TABLE draft; --", "number": 7}]
