"""Piccolo's PostgreSQL engine that survives the server restarting: requests fail fast, the pool heals itself.

When PostgreSQL restarts (a failover, an upgrade, a crash), every pooled connection dies at once. asyncpg's pool
replaces a dead connection on its next use, so the app recovers without a restart, provided that:

- every connection is given back to the pool, also when the transaction's ``ROLLBACK`` fails on the dead
  connection (Piccolo's transaction skips the release then: ten such requests held the whole pool forever, and
  every later request hung waiting for a connection);
- waiting for a connection is bounded (:data:`ACQUIRE_TIMEOUT`), so no request hangs;
- the errors of a lost or refused connection become :class:`DatabaseUnreachableError`, a
  :class:`~shenbao.store.sqlite_pool.DatabaseBusyError`: the web layer answers it with 503 and ``Retry-After`` (and
  a page in Chinese), never a 500, and the background jobs log it and try again on their next pass.
"""

from __future__ import annotations

import contextlib
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.querystring import QueryString

from shenbao.store.sqlite_pool import DatabaseBusyError

__all__ = ["ACQUIRE_TIMEOUT", "DatabaseUnreachableError", "ResilientPostgresEngine", "is_connection_lost"]

ACQUIRE_TIMEOUT = 10.0
"""Seconds a query waits for a pooled connection (the pool full, or the server not answering) before it is
answered 503."""


class DatabaseUnreachableError(DatabaseBusyError):
    """PostgreSQL is not reachable right now (restarting, failing over, out of connections): try again soon."""


def is_connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the connection to the server is lost or refused, rather than what a query did.

    Args:
        error: an exception raised by asyncpg or the socket under it.

    Returns:
        True for a refused, reset or timed-out connection, a server shutting down, starting up or out of
        connections, and asyncpg's "connection is closed".
    """
    if isinstance(error, DatabaseUnreachableError):
        return False  # already translated
    lost = (
        OSError,
        TimeoutError,
        asyncpg.exceptions.PostgresConnectionError,  # class 08: the connection failed or does not exist
        asyncpg.exceptions.CannotConnectNowError,  # 57P03: the server is starting up or shutting down
        asyncpg.exceptions.AdminShutdownError,  # 57P01: the server was stopped under the query
        asyncpg.exceptions.CrashShutdownError,  # 57P02
        asyncpg.exceptions.TooManyConnectionsError,  # 53300
    )
    if isinstance(error, lost):
        return True
    # A connection the server dropped mid-operation: asyncpg's protocol is left in a state it cannot leave.
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        return True
    return isinstance(error, asyncpg.exceptions.InterfaceError) and "closed" in str(error)


def _unreachable(error: BaseException) -> DatabaseUnreachableError:
    return DatabaseUnreachableError(f"PostgreSQL is not reachable: {type(error).__name__}: {error}")


def _drop(connection: Any) -> None:
    """Close a connection whose server is gone, so the pool never lends it again (done already when asyncpg saw the
    connection close: the pool took it back then)."""
    with contextlib.suppress(asyncpg.exceptions.InterfaceError):
        connection.terminate()


class _HealingTransaction(PostgresTransaction):
    """Piccolo's transaction, whose connection always goes back to the pool and whose lost connection is told."""

    async def get_connection(self) -> Any:
        engine = self.engine
        if engine.pool:
            try:
                return await engine.pool.acquire(timeout=ACQUIRE_TIMEOUT)
            except Exception as error:
                if is_connection_lost(error):
                    raise _unreachable(error) from error
                raise
        return await engine.get_new_connection()

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            self.transaction = self.connection.transaction()
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException as error:
            lost = isinstance(error, Exception) and is_connection_lost(error)
            if lost:
                _drop(self.connection)
            await self._give_back()
            if lost:
                raise _unreachable(error) from error
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        if isinstance(exception, Exception) and (
            is_connection_lost(exception) or isinstance(exception, DatabaseUnreachableError)
        ):
            _drop(self.connection)  # nothing to roll back on it; the pool opens a new one in its place
            self._rolled_back = True
        try:
            if exception:
                if not self._rolled_back:
                    try:
                        await self.rollback()  # type: ignore[no-untyped-call]
                    except Exception as error:
                        if not is_connection_lost(error):
                            raise
                        _drop(self.connection)  # the server is gone: the transaction died with it
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        except Exception as error:
            if is_connection_lost(error):
                _drop(self.connection)
                raise _unreachable(error) from error
            raise
        finally:
            try:
                await self._give_back()
            finally:
                self.engine.current_transaction.reset(self.context)
        if exception is not None and isinstance(exception, Exception) and is_connection_lost(exception):
            raise _unreachable(exception) from exception
        return exception is None

    async def _give_back(self) -> None:
        try:
            if self.engine.pool:
                # The pool closes a connection whose reset fails and opens a new one on its next use.
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
        except Exception as error:
            if not is_connection_lost(error):
                raise


class ResilientPostgresEngine(PostgresEngine):
    """:class:`PostgresEngine` with bounded waits for a connection, every connection given back, and a lost
    connection raised as :class:`DatabaseUnreachableError`."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        """A transaction that gives its connection back even when the server is gone."""
        return _HealingTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query: str, args: Any = None) -> Any:
        if not self.pool:
            raise ValueError("A pool isn't currently running.")
        async with self.pool.acquire(timeout=ACQUIRE_TIMEOUT) as connection:
            try:
                return await connection.fetch(query, *(args or []))
            except Exception as error:
                if is_connection_lost(error):
                    _drop(connection)  # never lent again: the pool opens a new one in its place
                raise

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        """Run one query; a lost connection raises :class:`DatabaseUnreachableError`."""
        try:
            return await super().run_querystring(querystring, in_pool=in_pool)
        except Exception as error:
            if is_connection_lost(error):
                raise _unreachable(error) from error
            raise

    async def run_ddl(self, ddl: str, in_pool: bool = True) -> Any:
        """Run one statement as written; a lost connection raises :class:`DatabaseUnreachableError`."""
        try:
            return await super().run_ddl(ddl, in_pool=in_pool)
        except Exception as error:
            if is_connection_lost(error):
                raise _unreachable(error) from error
            raise
