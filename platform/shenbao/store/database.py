"""Open the database the settings name, and bind our tables to it.

The app decides the URL at start (``Settings.database_url``), so there is no ``piccolo_conf.py``: the
engine is built here and assigned to every table in :data:`~shenbao.store.tables.ALL_TABLES`, which
Piccolo supports at any time (``Table._meta.db = engine``). That binding is per process: the last
opened :class:`Database` serves the tables, and a query given an older, closed or replaced one raises
:class:`DatabaseNotBoundError` instead of silently reaching the wrong database.

URLs:

- ``sqlite:///relative/path.db`` (relative to the current folder), ``sqlite:////absolute/path.db``.
  The parent folder is created; the file is put in WAL mode (readers never wait for the writer) and every
  connection waits up to ``busy_timeout`` seconds for the write lock instead of failing at once.
- ``postgresql://user:password@host:port/dbname`` (or ``postgres://``), with any libpq query parameters
  asyncpg understands, and shenbao's own ``statement_cache_size=0`` for a pooler in transaction mode (PgBouncer's
  ``pool_mode = transaction``: asyncpg's named prepared statements would meet another session's connection).
  A connection pool is started and closed with the :class:`Database`; it survives the server restarting
  (:mod:`shenbao.store.postgres_pool`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString

from shenbao.privacy.keyring import Keyring, KeysMissingError
from shenbao.store.postgres_pool import DatabaseUnreachableError, ResilientPostgresEngine
from shenbao.store.sqlite_pool import DatabaseBusyError, PooledSQLiteEngine
from shenbao.store.tables import ALL_TABLES

__all__ = [
    "Database",
    "DatabaseBusyError",
    "DatabaseNotBoundError",
    "DatabaseUnavailableError",
    "DatabaseUnreachableError",
    "InvalidDatabaseURLError",
    "as_utc",
    "open_database",
    "postgres_config",
    "redact_url",
    "sqlite_path",
]

Transaction = SQLiteTransaction | PostgresTransaction

_POSTGRES_SCHEMES = ("postgresql", "postgres")
_CONNECT_TIMEOUT = 10.0
_START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


class InvalidDatabaseURLError(ValueError):
    """The database URL is not one shenbao can open."""


class DatabaseUnavailableError(RuntimeError):
    """The database server could not be reached, or the SQLite file could not be opened."""


class DatabaseNotBoundError(RuntimeError):
    """A query was given a :class:`Database` that no longer serves the tables (closed or replaced)."""


class Database:
    """An open database: the Piccolo engine bound to our tables, and what its URL said.

    Use :func:`open_database` to make one; close it with :meth:`close` or ``async with``. ``keys`` seal the
    identity numbers and phones the queries write and open those they read (:mod:`shenbao.privacy.keyring`).
    """

    def __init__(
        self, engine: SQLiteEngine | PostgresEngine, *, url: str, keys: Keyring | None = None
    ) -> None:
        self.engine = engine
        self.url = url
        self.keys = keys
        self.kind: Literal["sqlite", "postgres"] = (
            "sqlite" if isinstance(engine, SQLiteEngine) else "postgres"
        )
        self._closed = False

    def __repr__(self) -> str:
        return f"<Database {self.kind} {redact_url(self.url)}{' closed' if self._closed else ''}>"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def is_bound(self) -> bool:
        """Whether this database currently serves the tables (open, and not replaced by a newer one)."""
        return not self._closed and all(table._meta._db is self.engine for table in ALL_TABLES)

    def check_bound(self) -> None:
        """Raise :class:`DatabaseNotBoundError` unless this database serves the tables.

        Raises:
            DatabaseNotBoundError: it was closed, or another database was opened after it.
        """
        if self._closed:
            raise DatabaseNotBoundError(
                f"{self!r} is closed: open the database again with open_database(url)"
            )
        if not self.is_bound:
            raise DatabaseNotBoundError(
                f"{self!r} no longer serves shenbao's tables: another database was opened after it, and "
                "shenbao binds one database per process. Close the other one, or use it instead."
            )

    def require_keys(self) -> Keyring:
        """The keys, for a query that must seal, open or digest personal data.

        Raises:
            KeysMissingError: the database was opened without keys; the message names the variables to set.
        """
        if self.keys is None:
            raise KeysMissingError()
        return self.keys

    def transaction(self) -> Transaction:
        """Start a transaction (``async with db.transaction() as txn:``); nested ones join the outer one.

        On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``): two writers then queue
        on the busy timeout instead of one failing with "database is locked" when it upgrades a read lock.

        Returns:
            The Piccolo transaction; ``txn.savepoint()`` gives a savepoint inside it.
        """
        self.check_bound()
        if isinstance(self.engine, SQLiteEngine):
            return self.engine.transaction(transaction_type=TransactionType.immediate)
        return self.engine.transaction()

    def on_loop(self) -> contextlib.AbstractContextManager[None]:
        """Run the block's queries on the event loop when SQLite lets them start at once (a no-op on PostgreSQL).

        For the short statements an index answers, made on every answer a farmer gives: they skip the hop to a
        connection's thread (:meth:`PooledSQLiteEngine.on_loop`).
        """
        if isinstance(self.engine, PooledSQLiteEngine):
            return self.engine.on_loop()
        return contextlib.nullcontext()

    async def fetch(self, template: str, *args: Any) -> list[dict[str, Any]]:
        """Run one raw SQL statement and return its rows as dicts.

        Args:
            template: SQL with ``{}`` where each argument goes (Piccolo's placeholders, made into
                ``?`` or ``$n`` for the engine; values are always sent as parameters, never spliced).
            *args: the values.

        Returns:
            The rows, each a dict of column name to value.
        """
        self.check_bound()
        rows: Sequence[Any] = await self.engine.run_querystring(QueryString(template, *args))
        return [dict(row) for row in rows or ()]

    async def execute(self, sql: str) -> None:
        """Run one SQL statement that takes no parameters, exactly as written (DDL, ``PRAGMA``).

        Args:
            sql: the statement; braces in it are plain text (unlike :meth:`fetch`'s template).
        """
        self.check_bound()
        await self.engine.run_ddl(sql)

    async def close(self) -> None:
        """Close the connection pool (PostgreSQL) and unbind the tables. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        for table in ALL_TABLES:
            if table._meta._db is self.engine:
                table._meta._db = None
        if isinstance(self.engine, PostgresEngine) and self.engine.pool is not None:
            await self.engine.close_connection_pool()
        if isinstance(self.engine, PooledSQLiteEngine):
            await self.engine.close_connections()


async def open_database(
    url: str, *, keys: Keyring | None = None, busy_timeout: float = 15.0, pool_max_size: int = 10
) -> Database:
    """Open the database at ``url`` and bind shenbao's tables to it.

    Args:
        url: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``postgresql://user@host:port/db``.
        keys: seal and open identity numbers and phones; without them, a query that meets personal data
            raises :class:`~shenbao.privacy.keyring.KeysMissingError` (migrations, staff accounts and divisions
            need none).
        busy_timeout: SQLite only: seconds a connection waits for another writer before failing.
        pool_max_size: PostgreSQL only: the most connections the pool opens.

    Returns:
        The open :class:`Database`; the caller closes it.

    Raises:
        InvalidDatabaseURLError: the URL's scheme or path is not one shenbao understands.
        DatabaseUnavailableError: the server is not reachable, or the file cannot be opened.
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        engine: SQLiteEngine | PostgresEngine = await _open_sqlite(sqlite_path(url), busy_timeout)
    elif scheme in _POSTGRES_SCHEMES:
        engine = await _open_postgres(url, pool_max_size)
    else:
        raise InvalidDatabaseURLError(
            f"unsupported database URL {redact_url(url)!r}: use sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or postgresql://user@host:port/dbname (SHENBAO_DATABASE_URL)"
        )
    for table in ALL_TABLES:
        table._meta.db = engine
    return Database(engine, url=url, keys=keys)


def as_utc(moment: datetime) -> datetime:
    """A stored moment, aware: SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def sqlite_path(url: str) -> Path:
    """Return the file a SQLite URL names: ``sqlite:///a.db`` is relative, ``sqlite:////a.db`` absolute.

    Args:
        url: the database URL.

    Returns:
        The path of the database file, as written (relative paths stay relative to the current folder).

    Raises:
        InvalidDatabaseURLError: not a ``sqlite:///`` URL, or it names no file (in-memory databases cannot
            work: Piccolo opens a new connection for each query, and each would get an empty database).
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise InvalidDatabaseURLError(
            f"{url!r} is not a SQLite URL: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    path = url.removeprefix(prefix).split("?", 1)[0]
    if not path or path == ":memory:" or path.endswith("/"):
        raise InvalidDatabaseURLError(
            f"{url!r} names no database file: write sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db (in-memory SQLite is not supported)"
        )
    return Path(path)


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, for messages and logs.

    Args:
        url: a database URL.

    Returns:
        The same URL without its password.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = re.sub(r":[^:@]*@", ":***@", parts.netloc, count=1)
    return urlunsplit(parts._replace(netloc=netloc))


async def _open_sqlite(path: Path, busy_timeout: float) -> SQLiteEngine:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnavailableError(
            f"cannot create the folder for the SQLite file {path}: {error}"
        ) from error
    engine = PooledSQLiteEngine(path=str(path), timeout=busy_timeout)
    try:
        # WAL is a property of the file, kept across connections, so setting it once here is enough.
        rows = await engine.run_ddl("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise DatabaseUnavailableError(f"cannot open the SQLite database {path}: {error}") from error
    mode = str(rows[0]["journal_mode"]).lower() if rows else "unknown"
    if mode != "wal":
        raise DatabaseUnavailableError(
            f"the SQLite database {path} refused WAL mode (it stays in {mode!r}): put it on a local disk, "
            "not a network share"
        )
    return engine


def postgres_config(url: str) -> dict[str, Any]:
    """What asyncpg is given for a PostgreSQL URL: the DSN, the connect timeout, and the statement cache's size
    when the URL's ``statement_cache_size`` sets it (taken out of the DSN: the server would take it for a setting).

    Args:
        url: ``postgresql://user@host:port/db`` with any query parameters.

    Returns:
        The keyword arguments of ``asyncpg.create_pool``.

    Raises:
        InvalidDatabaseURLError: ``statement_cache_size`` is not a whole number of 0 or more.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    config: dict[str, Any] = {"timeout": _CONNECT_TIMEOUT}
    kept = []
    for name, value in query:
        if name != "statement_cache_size":
            kept.append((name, value))
        elif value.isdigit():
            config["statement_cache_size"] = int(value)
        else:
            raise InvalidDatabaseURLError(
                f"statement_cache_size={value!r} in {redact_url(url)!r} is not a whole number: write "
                "statement_cache_size=0 behind PgBouncer in transaction mode, or leave it out"
            )
    config["dsn"] = urlunsplit(parts._replace(query=urlencode(kept)))
    return config


async def _open_postgres(url: str, pool_max_size: int) -> PostgresEngine:
    # Piccolo's constructor checks the server version over a blocking connection of its own: build it in a
    # thread so the event loop keeps serving. extensions=(): we need none, and an unprivileged role works.
    config = postgres_config(url)
    engine = await asyncio.to_thread(ResilientPostgresEngine, config=config, extensions=())
    try:
        await engine.start_connection_pool(min_size=1, max_size=pool_max_size)
    except (OSError, TimeoutError) as error:
        raise DatabaseUnavailableError(
            f"PostgreSQL is not reachable at {redact_url(url)}: {error}. Is the server running? "
            f"On a Debian machine: {_START_POSTGRES}"
        ) from error
    except Exception as error:  # asyncpg's own errors: unknown database, role, password
        if type(error).__module__.startswith("asyncpg"):
            raise DatabaseUnavailableError(f"PostgreSQL refused {redact_url(url)}: {error}") from error
        raise
    return engine
