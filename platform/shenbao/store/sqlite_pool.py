"""Piccolo's SQLite engine with one writer at a time, keeping its connections open between queries.

SQLite lets one connection write at a time; the others wait on the busy timeout and, under two hundred
simultaneous farmers, fail with "database is locked". So writes are queued in the process instead, the way
SQLite wants them: a write transaction (``BEGIN IMMEDIATE``) or a single write statement first takes the
engine's writer lock, and readers never wait (WAL). A write that cannot have the lock within
:data:`WRITE_WAIT` seconds, or that another process keeps from the file past the busy timeout, raises
:class:`DatabaseBusyError`, which the web layer answers with 503 and ``Retry-After``, never a 500.

Piccolo opens a new aiosqlite connection (and with it a new thread) for every query outside a transaction:
about 1 ms each, most of the time an htmx answer takes. This engine keeps up to ``size`` connections open
and lends one to each query instead. Transactions still open a connection of their own, as Piccolo does.

Even a kept aiosqlite connection costs a hop to its thread and back per query (0.5–1 ms on a busy machine). The
short, indexed statements a farmer's every answer makes (a draft read by its key, a draft written by its key)
can run on the event loop itself, on one more connection kept for that (:meth:`PooledSQLiteEngine.on_loop`).
They never make the loop wait for another writer: that connection's busy timeout is zero, and a write goes there
only when the engine's writer lock is free at that moment. A statement that finds the database busy (the lock
taken in this process, or another process writing) goes the threaded way instead, which waits for its turn and
ends in :class:`DatabaseBusyError` as any other write does. The loop's connection commits without an ``fsync``
(``synchronous = NORMAL``, safe in WAL: a power cut may lose the last drafts saved, never corrupt the file) and
leaves the WAL's checkpoints to a threaded connection, so the loop does no disk flushing of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

__all__ = ["WRITE_WAIT", "DatabaseBusyError", "PooledSQLiteEngine"]

WRITE_WAIT = 10.0
"""Seconds a write waits for the writer lock before it is answered "busy"."""
_CHECKPOINT_EVERY = 500
"""Writes made on the loop between two checkpoints of the WAL (run in a thread, without blocking anyone)."""
_ON_LOOP: contextvars.ContextVar[bool] = contextvars.ContextVar("shenbao_sqlite_on_loop", default=False)
_BUSY = object()
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA\s+\w+\s*=)", re.IGNORECASE)


class DatabaseBusyError(RuntimeError):
    """The database could not take a write in time: the request should be tried again in a few seconds."""


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class _WriterTransaction(SQLiteTransaction):
    """A ``BEGIN IMMEDIATE`` transaction that holds the engine's writer lock from before it begins to its end."""

    __slots__ = ("_holds",)

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        assert isinstance(engine, PooledSQLiteEngine)
        await engine.acquire_writer()
        self._holds = True
        try:
            return await super().__aenter__()
        except sqlite3.OperationalError as error:
            self._release()
            if _busy(error):
                raise DatabaseBusyError(str(error)) from error
            raise
        except BaseException:
            self._release()
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        try:
            return await super().__aexit__(exception_type, exception, traceback)
        finally:
            self._release()

    def _release(self) -> None:
        if getattr(self, "_holds", False):
            self._holds = False
            engine = self.engine
            assert isinstance(engine, PooledSQLiteEngine)
            engine.release_writer()


class PooledSQLiteEngine(SQLiteEngine):
    """A :class:`SQLiteEngine` that reuses up to ``size`` open connections for queries outside transactions."""

    def __init__(self, *, path: str, size: int = 4, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._writer = asyncio.Lock()
        self._writers_waiting = 0  # writes queued for the lock: a write on the loop would overtake them
        self._loop_connection: sqlite3.Connection | None = None
        self._loop_guard = threading.Lock()  # the engine may be reached from a test's other thread
        self._loop_writes = 0
        self._checkpoint: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def on_loop(self) -> Iterator[None]:
        """Run the queries of this block on the event loop when the database lets them start at once.

        Only for short statements that an index answers (one row by its key): the loop does nothing else while
        they run. Inside a transaction the block changes nothing: the transaction's connection serves them.
        """
        token = _ON_LOOP.set(True)
        try:
            yield
        finally:
            _ON_LOOP.reset(token)

    def _writer_free(self) -> bool:
        return not self._writer.locked() and not self._writers_waiting

    def _loop_run(self, query: str, args: list[Any] | None) -> Any:
        """Run one statement on the loop's connection, or return ``_BUSY`` when it cannot start at once."""
        if sqlite3.sqlite_version_info < (3, 35):  # no RETURNING: Piccolo's inserts need the threaded way
            return _BUSY
        writes = bool(_WRITE.match(query))
        if writes and not self._writer_free():
            return _BUSY
        if not self._loop_guard.acquire(blocking=False):
            return _BUSY
        try:
            connection = self._loop_connection
            if connection is None:
                connection = self._loop_connection = self._open_loop_connection()
            try:
                cursor = connection.execute(query, args or [])
                try:
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
            except sqlite3.OperationalError as error:
                if connection.in_transaction:
                    connection.rollback()
                if _busy(error):
                    return _BUSY
                raise
        finally:
            self._loop_guard.release()
        if writes:
            self._loop_writes += 1
            if self._loop_writes % _CHECKPOINT_EVERY == 0:
                self._start_checkpoint()
        return rows

    def _open_loop_connection(self) -> sqlite3.Connection:
        kwargs = {**self.connection_kwargs, "timeout": 0.0, "check_same_thread": False}
        connection: sqlite3.Connection = sqlite3.connect(**kwargs)
        connection.row_factory = dict_factory
        for pragma in ("foreign_keys = 1", "synchronous = NORMAL", "wal_autocheckpoint = 0"):
            connection.execute(f"PRAGMA {pragma}")
        return connection

    def _start_checkpoint(self) -> None:
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        self._checkpoint = asyncio.get_running_loop().create_task(self._run_checkpoint())

    async def _run_checkpoint(self) -> None:
        # PASSIVE: copies what no reader still needs, waits for nobody; a failure only leaves the WAL longer.
        with contextlib.suppress(Exception):
            await self._run_borrowed("PRAGMA wal_checkpoint(PASSIVE)", None, "generic", None)

    async def acquire_writer(self) -> None:
        """Take the writer lock, waiting up to :data:`WRITE_WAIT` seconds.

        Raises:
            DatabaseBusyError: the lock was not free in time.
        """
        self._writers_waiting += 1
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for, cancelled in the instant the lock is granted,
            # returns it and swallows the cancellation (a job stopped at shutdown would then never stop).
            async with asyncio.timeout(WRITE_WAIT):
                await self._writer.acquire()
        except TimeoutError:
            raise DatabaseBusyError(f"no write could start within {WRITE_WAIT:g} s") from None
        finally:
            self._writers_waiting -= 1

    def release_writer(self) -> None:
        self._writer.release()

    @contextlib.asynccontextmanager
    async def _writing(self, query: str) -> AsyncIterator[None]:
        if not _WRITE.match(query):
            yield
            return
        await self.acquire_writer()
        try:
            yield
        finally:
            self.release_writer()

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        """A transaction; a write transaction (``immediate`` or ``exclusive``) holds the writer lock."""
        if transaction_type == TransactionType.deferred:
            return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)
        return _WriterTransaction(self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _borrow(self) -> aiosqlite.Connection:
        await self._slots.acquire()
        if self._idle:
            return self._idle.pop()
        try:
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.execute("PRAGMA foreign_keys = 1")
        except BaseException:
            self._slots.release()
            raise
        return connection

    async def _give_back(self, connection: aiosqlite.Connection, *, healthy: bool) -> None:
        try:
            if healthy:
                self._idle.append(connection)
            else:
                with contextlib.suppress(Exception):
                    await connection.close()
        finally:
            self._slots.release()

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        if _ON_LOOP.get():
            rows = self._loop_run(query, args)
            if rows is not _BUSY:
                return rows
        async with self._writing(query):
            try:
                return await self._run_borrowed(query, args, query_type, table)
            except sqlite3.OperationalError as error:
                if _busy(error):
                    raise DatabaseBusyError(str(error)) from error
                raise

    async def _run_borrowed(self, query: str, args: list[Any] | None, query_type: str, table: Any) -> Any:
        connection = await self._borrow()
        healthy = False
        try:
            async with connection.execute(query, args or []) as cursor:
                await connection.commit()
                rows: Any
                if query_type == "insert" and self.get_version_sync() < 3.35:
                    # SQLite before 3.35 has no RETURNING: read the new primary key back, as Piccolo does.
                    primary_key = table._meta.primary_key._meta.db_column_name
                    rows = [{primary_key: await self._get_inserted_pk(cursor, table)}]
                else:
                    rows = await cursor.fetchall()
            healthy = True
            return rows
        except BaseException:
            try:
                await connection.rollback()
                healthy = True  # the statement failed, the connection did not
            except Exception:
                healthy = False
            raise
        finally:
            await self._give_back(connection, healthy=healthy)

    async def close_connections(self) -> None:
        """Close the connections kept open; the engine opens new ones if it is used again."""
        if self._checkpoint is not None:
            with contextlib.suppress(Exception):
                await self._checkpoint
            self._checkpoint = None
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        with self._loop_guard:
            if self._loop_connection is not None:
                self._loop_connection.close()
                self._loop_connection = None
