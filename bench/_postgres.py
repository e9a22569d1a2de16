"""A fresh PostgreSQL database for a benchmark on this machine's server, migrated, dropped at the end.

The server is the local one (127.0.0.1:5432, trust auth, as the tests use) or the maintenance database named by
``SHENBAO_BENCH_POSTGRES_URL``. The database is ``shenbao_bench_<random>``, migrated with shenbao's own steps.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shenbao.store import migrate_url

ADMIN_URLS = ("postgresql://postgres@127.0.0.1:5432/postgres", "postgresql://root@127.0.0.1:5432/postgres")
START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


async def reachable_admin_url() -> str | None:
    """The first maintenance database URL that answers, or ``None``."""
    named = os.environ.get("SHENBAO_BENCH_POSTGRES_URL")
    for url in [*([named] if named else []), *ADMIN_URLS]:
        try:
            connection = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError):
            continue
        await connection.close()
        return url
    return None


async def admin(url: str, statement: str) -> None:
    """Run one statement on the maintenance database ``url`` (CREATE or DROP DATABASE)."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def new_database(prefix: str = "shenbao_bench") -> tuple[str, str]:
    """Make an empty database ``<prefix>_<random>`` and return its name and URL (the caller drops it).

    Raises:
        RuntimeError: the server cannot be reached (the message says how to start it).
    """
    admin_url = await reachable_admin_url()
    if admin_url is None:
        raise RuntimeError(
            f"PostgreSQL is not reachable on 127.0.0.1:5432. Start it: {START}\n"
            "or set SHENBAO_BENCH_POSTGRES_URL to a server's maintenance database URL."
        )
    name = f"{prefix}_{secrets.token_hex(4)}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    return name, urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


async def drop_database(name: str) -> None:
    """Drop the database ``name`` made by :func:`new_database`, whoever is still connected to it."""
    admin_url = await reachable_admin_url()
    if admin_url is not None:
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Yield the URL of a new, migrated database; it is dropped when the block ends, on error too.

    Raises:
        RuntimeError: the server cannot be reached (the message says how to start it).
    """
    name, url = await new_database()
    try:
        await migrate_url(url)
        yield url
    finally:
        await drop_database(name)
