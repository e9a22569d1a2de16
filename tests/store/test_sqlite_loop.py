"""SQLite's short statements on the event loop: no thread hop when the database lets them start at once, and
never a wait on the loop for another writer (they go the threaded way then, with its busy handling)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shenbao import store
from shenbao.store import Database
from shenbao.store.sqlite_pool import PooledSQLiteEngine

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await store.open_database(f"sqlite:///{tmp_path / 'loop.db'}", busy_timeout=5)
    await database.execute("CREATE TABLE tally (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    try:
        yield database
    finally:
        await database.close()


def _threaded_calls(engine: PooledSQLiteEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = engine._run_borrowed

    async def counted(query: str, *args: Any) -> Any:
        calls.append(query)
        return await original(query, *args)

    monkeypatch.setattr(engine, "_run_borrowed", counted)
    return calls


async def test_statements_in_on_loop_run_without_a_thread(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    threaded = _threaded_calls(engine, monkeypatch)
    with sqlite_db.on_loop():
        await sqlite_db.fetch("INSERT INTO tally (k, n) VALUES ({}, {})", "a", 1)
        rows = await sqlite_db.fetch("SELECT n FROM tally WHERE k = {}", "a")
    assert rows == [{"n": 1}] and threaded == []
    assert await sqlite_db.fetch("SELECT n FROM tally WHERE k = {}", "a") == [{"n": 1}]  # others see it
    assert len(threaded) == 1  # outside the block, the threaded way as before


async def test_a_write_waits_its_turn_when_the_writer_lock_is_taken(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = sqlite_db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    threaded = _threaded_calls(engine, monkeypatch)
    await engine.acquire_writer()

    async def write() -> None:
        with sqlite_db.on_loop():
            await sqlite_db.fetch("INSERT INTO tally (k, n) VALUES ({}, {})", "b", 2)

    task = asyncio.create_task(write())
    await asyncio.sleep(0.05)
    assert not task.done()  # queued behind the lock holder, not run past it
    engine.release_writer()
    await task
    assert threaded and (await sqlite_db.fetch("SELECT n FROM tally WHERE k = {}", "b")) == [{"n": 2}]


async def test_a_write_on_the_loop_never_overtakes_one_woken_for_the_lock(sqlite_db: Database) -> None:
    """Released, the lock is free for an instant before the write that waited for it runs: a write on the loop
    in that instant goes behind it (here the waiting insert would otherwise fail on the row already there)."""
    engine = sqlite_db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    await engine.acquire_writer()
    waiting = asyncio.create_task(sqlite_db.fetch("INSERT INTO tally (k, n) VALUES ({}, {})", "c", 1))
    await asyncio.sleep(0.05)
    engine.release_writer()  # the waiting insert is woken, not run yet
    with sqlite_db.on_loop():
        await sqlite_db.fetch(
            "INSERT INTO tally (k, n) VALUES ({}, {}) ON CONFLICT (k) DO UPDATE SET n = excluded.n", "c", 2
        )
    await waiting
    assert await sqlite_db.fetch("SELECT n FROM tally WHERE k = {}", "c") == [{"n": 2}]


async def test_a_wait_for_the_writer_lock_cancelled_as_it_is_granted_ends_cancelled(
    sqlite_db: Database,
) -> None:
    """Cancelled in the instant the lock is granted, the wait still ends in CancelledError and gives the lock back:
    a background job stopped at shutdown must stop (Python 3.11's ``asyncio.wait_for`` returned the lock then,
    and the job's loop went on for ever, so the application never finished shutting down)."""
    engine = sqlite_db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    await engine.acquire_writer()
    waiting = asyncio.create_task(engine.acquire_writer())
    await asyncio.sleep(0)  # it waits for the lock
    engine.release_writer()  # the lock is granted to it; it has not run yet
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(engine.acquire_writer(), 1)  # nobody kept the lock
    engine.release_writer()


async def test_another_process_writing_never_blocks_the_loop(sqlite_db: Database, tmp_path: Path) -> None:
    """A write lock held by another connection: the statement goes to a thread and the loop keeps running."""
    locked, release = threading.Event(), threading.Event()

    def other_process() -> None:
        connection = sqlite3.connect(tmp_path / "loop.db", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO tally (k, n) VALUES ('other', 9)")
        locked.set()
        release.wait(5)
        connection.execute("COMMIT")
        connection.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    await asyncio.to_thread(locked.wait, 5)

    async def write() -> None:
        with sqlite_db.on_loop():
            await sqlite_db.fetch("INSERT INTO tally (k, n) VALUES ({}, {})", "c", 3)

    task = asyncio.create_task(write())
    ticks, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < 0.2:
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks >= 10 and not task.done()  # the loop ran on while the write waited
    release.set()
    await task
    await asyncio.to_thread(holder.join)
    rows = await sqlite_db.fetch("SELECT k FROM tally ORDER BY k")
    assert [row["k"] for row in rows] == ["c", "other"]


async def test_the_wal_is_checkpointed_after_many_writes_on_the_loop(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shenbao.store import sqlite_pool

    monkeypatch.setattr(sqlite_pool, "_CHECKPOINT_EVERY", 20)
    engine = sqlite_db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    threaded = _threaded_calls(engine, monkeypatch)
    for number in range(20):
        with sqlite_db.on_loop():
            await sqlite_db.fetch("INSERT INTO tally (k, n) VALUES ({}, {})", f"k{number}", number)
    assert engine._checkpoint is not None
    await engine._checkpoint
    assert threaded == ["PRAGMA wal_checkpoint(PASSIVE)"]
