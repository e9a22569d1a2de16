"""Fixtures every test folder can use: the databases, each test on SQLite and on a real PostgreSQL.

- ``database_url``: parametrised ``sqlite`` (a fresh file under ``tmp_path``) and ``postgres`` (this test
  run's own database on the local server, created with a random name at the first use, emptied before each
  test, dropped at the end of the run). The ``postgres`` case carries the ``postgres`` marker, so
  ``pytest -m "not postgres"`` leaves it out on purpose; when the server cannot be reached it fails with
  the command that starts it, it never skips.
- ``s3_endpoint``: a real S3 API (moto's server) on a free loopback port, started once per run;
  ``file_place`` is parametrised ``local`` (a folder under ``tmp_path``) and ``s3`` (a fresh bucket there):
  what a file store keeps its pictures in (:mod:`tests.support.s3`).
- ``keys``: the keys that seal identity numbers and phones (:data:`tests.support.keys.TEST_KEYS`, fresh for
  each run).
- ``db``: that database opened with :func:`shenbao.store.open_database` (with ``keys``) and migrated; closed
  after the test.
  Use it from async tests marked ``@pytest.mark.anyio`` (anyio's pytest plugin ships with Litestar).

Event loops are per test: anyio opens one for each async test and closes it after, so Playwright's sync
API (which refuses to run inside a running loop) still works in the same session.

``SHENBAO_TEST_POSTGRES_URL`` names the server's maintenance database when it is not the default
(``postgresql://postgres@127.0.0.1:5432/postgres``, then the same as ``root``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from shenbao.privacy.keyring import Keyring
from shenbao.settings import S3Files
from shenbao.store import Database, migrate, open_database
from tests.support.keys import TEST_KEYS
from tests.support.postgres import execute
from tests.support.s3 import BACKENDS, fresh_bucket

T = TypeVar("T")

_DEFAULT_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
)
_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion in a thread of its own, with its own event loop.

    Sync fixtures use this, so they never touch the loop state of the test thread (anyio's, or none).
    """

    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _reachable_admin_url() -> str:
    """The first maintenance URL that accepts a connection; fail the test with how to start the server."""
    configured = os.environ.get("SHENBAO_TEST_POSTGRES_URL")
    candidates = (configured,) if configured else _DEFAULT_ADMIN_URLS
    errors = []
    for url in candidates:
        try:
            _run(lambda url=url: execute(url, "SELECT 1"))
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            errors.append(f"{url}: {type(error).__name__}: {error}")
        else:
            return url
    pytest.fail(
        "PostgreSQL is not reachable, and every test runs on it as well as on SQLite.\n"
        + "\n".join(f"  tried {line}" for line in errors)
        + f"\nStart the local server:  {_START}\n"
        "or point SHENBAO_TEST_POSTGRES_URL at a server's maintenance database "
        "(postgresql://user@host:port/postgres), or leave these tests out knowingly: pytest -m 'not postgres'",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """This test run's own PostgreSQL database (random name), dropped when the run ends."""
    admin_url = _reachable_admin_url()
    name = f"shenbao_test_{secrets.token_hex(6)}"
    _run(lambda: execute(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin_url, name)
    finally:
        _run(lambda: execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database's URL: a new SQLite file, or this run's PostgreSQL database with its schema emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'shenbao.db'}"
    url: str = request.getfixturevalue("postgres_database_url")
    _run(lambda: execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The test S3 server's endpoint (``http://127.0.0.1:<port>``), running for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def file_place(request: pytest.FixtureRequest, tmp_path: Path) -> Path | S3Files:
    """Where a test's file store keeps pictures: a folder, or a fresh bucket on the test S3 server."""
    if request.param == "local":
        return tmp_path / "files"
    return fresh_bucket(request.getfixturevalue("s3_endpoint"), prefix="pictures/")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (function-scoped: a fresh loop per test, closed after it)."""
    return "asyncio"


@pytest.fixture
def keys() -> Keyring:
    """The keys that seal identity numbers and phones, and digest them for look-ups."""
    return TEST_KEYS


@pytest.fixture
async def db(database_url: str, keys: Keyring, anyio_backend: str) -> AsyncIterator[Database]:
    """The database at ``database_url``, opened with ``keys`` and migrated; closed after the test."""
    database = await open_database(database_url, keys=keys)
    try:
        await migrate(database)
        yield database
    finally:
        await database.close()
