"""Piccolo's SQLite engine, keeping its connections open between queries.

Piccolo opens a new aiosqlite connection (and with it a new thread) for every query outside a transaction:
about 1 ms each, most of the time an htmx answer takes. This engine keeps up to ``size`` connections open
and lends one to each query instead. WAL mode lets the readers run beside the writer; transactions still
open a connection of their own, exactly as Piccolo does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

__all__ = ["PooledSQLiteEngine"]


class PooledSQLiteEngine(SQLiteEngine):
    """A :class:`SQLiteEngine` that reuses up to ``size`` open connections for queries outside transactions."""

    def __init__(self, *, path: str, size: int = 4, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._slots = asyncio.Semaphore(size)

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
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
