"""Behind PgBouncer in transaction mode asyncpg must not keep named prepared statements: the URL says so."""

from __future__ import annotations

import pytest

from shenbao.store import InvalidDatabaseURLError, open_database
from shenbao.store.database import postgres_config


def test_the_statement_cache_size_is_taken_out_of_the_dsn() -> None:
    config = postgres_config("postgresql://app:pw@pooler:6432/shenbao?statement_cache_size=0&sslmode=disable")
    assert config["statement_cache_size"] == 0
    assert config["dsn"] == "postgresql://app:pw@pooler:6432/shenbao?sslmode=disable"
    assert "statement_cache_size" not in postgres_config("postgresql://app@db/shenbao")


def test_a_statement_cache_size_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(InvalidDatabaseURLError, match=r"statement_cache_size='none'.*statement_cache_size=0"):
        postgres_config("postgresql://app:secret@pooler/shenbao?statement_cache_size=none")


@pytest.mark.anyio
@pytest.mark.postgres
async def test_a_database_opened_without_a_statement_cache_runs_its_queries(
    postgres_database_url: str,
) -> None:
    database = await open_database(f"{postgres_database_url}?statement_cache_size=0")
    try:
        assert database.engine.pool is not None
        async with database.engine.pool.acquire() as connection:
            assert connection._stmt_cache.get_max_size() == 0
        for _ in range(3):  # the same statement again: with no cache, nothing named is prepared on the server
            assert await database.fetch("SELECT {} + 1 AS two", 1) == [{"two": 2}]
    finally:
        await database.close()
