"""Limits taken by one statement: windows, refusals, and bursts of simultaneous tries, on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shenbao.store import Database
from shenbao.store.limits import Refused, clear_tries, forget_stale_limits, take_try

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


async def _take(db: Database, now: datetime, key: str = "login:someone") -> int | Refused:
    return await take_try(db, key, limit=5, window=WINDOW, now=now)


async def test_five_tries_then_a_whole_window_from_the_fifth(db: Database) -> None:
    for minute in range(5):
        assert await _take(db, NOW + timedelta(minutes=minute)) == minute + 1
    fifth = NOW + timedelta(minutes=4)
    refused = await _take(db, fifth + timedelta(minutes=14))
    assert refused == Refused(until=fifth + WINDOW)
    assert isinstance(refused, Refused)
    assert refused.minutes_left(fifth + timedelta(minutes=14)) == 2
    assert await _take(db, fifth + WINDOW) == 1  # a new window


async def test_a_window_passed_starts_the_count_again(db: Database) -> None:
    assert await _take(db, NOW) == 1
    assert await _take(db, NOW + timedelta(minutes=1)) == 2
    assert await _take(db, NOW + WINDOW) == 1


async def test_keys_count_apart_and_clearing_forgets(db: Database) -> None:
    for _ in range(5):
        await _take(db, NOW, "login:a")
    assert isinstance(await _take(db, NOW, "login:a"), Refused)
    assert await _take(db, NOW, "login:b") == 1
    await clear_tries(db, "login:a")
    assert await _take(db, NOW, "login:a") == 1


async def test_a_refused_try_inside_a_rolled_back_transaction_is_given_back(db: Database) -> None:
    async def refused_further_on() -> None:
        async with db.transaction():
            assert await _take(db, NOW) == 1
            raise RuntimeError("refused further on")

    with pytest.raises(RuntimeError):
        await refused_further_on()
    assert await _take(db, NOW) == 1


async def test_stale_counts_are_forgotten(db: Database) -> None:
    await _take(db, NOW, "login:old")
    await _take(db, NOW + timedelta(hours=2), "login:new")
    assert await forget_stale_limits(db, older_than=NOW + timedelta(hours=1)) == 1
    assert await _take(db, NOW + timedelta(hours=2), "login:old") == 1
    assert await _take(db, NOW + timedelta(hours=2), "login:new") == 2


async def test_sixty_simultaneous_tries_get_five(db: Database) -> None:
    results = await asyncio.gather(*(_take(db, NOW) for _ in range(60)))
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3, 4, 5]
    assert sum(isinstance(r, Refused) for r in results) == 55
