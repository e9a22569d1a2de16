"""Limits counted in the database, each try taken by ONE atomic statement.

A limit is a key (``login:zhangsan``, ``otp.phone:<digest>``, ``otp.address:1.2.3.4``) allowed ``limit`` tries
in a window. :func:`take_try` counts one try with a single ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ...
RETURNING``: the row of the key is locked while the statement runs (PostgreSQL) or the database has one writer
(SQLite), so any number of simultaneous requests, in any number of processes, get no more tries than requests
sent one at a time. Checking first and counting after (what a list of past tries invites) lets every request
of a burst see the same count.

The window starts at a key's first try. The try that uses the last one restarts it, so a key that reached its
limit waits a whole window from that try (the lockout after the fifth wrong password lasts 15 minutes from
the fifth). Once a window has passed, the next try starts a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.tables import RateLimit

__all__ = ["Refused", "clear_tries", "forget_stale_limits", "take_try"]

_TAKE = """
INSERT INTO rate_limit (key, hits, window_start) VALUES ({}, 1, {})
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit.window_start <= {} THEN 1 ELSE rate_limit.hits + 1 END,
    window_start = CASE
        WHEN rate_limit.window_start <= {} THEN {}
        WHEN rate_limit.hits + 1 >= {} THEN {}
        ELSE rate_limit.window_start
    END
WHERE rate_limit.window_start <= {} OR rate_limit.hits < {}
RETURNING hits
"""


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """A try the limit refused: the key may try again at ``until``."""

    until: datetime

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds until the next try, at least 1."""
        return max(1, int((self.until - now).total_seconds()) + 1)

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes until the next try, at least 1."""
        return max(1, int((self.until - now).total_seconds() // 60) + 1)


async def take_try(db: Database, key: str, *, limit: int, window: timedelta, now: datetime) -> int | Refused:
    """Count one try of ``key``, unless it has had ``limit`` tries in its window.

    Joins the caller's transaction when there is one, so a refusal further on can give the try back by
    rolling it back.

    Args:
        db: the open database.
        key: what is limited (at most 200 characters).
        limit: the tries a window allows.
        window: how long a window lasts.
        now: the current time (UTC).

    Returns:
        This try's number in its window (1 to ``limit``), or :class:`Refused` with when the key may try again.
    """
    db.check_bound()
    expired = now - window
    rows = await db.fetch(_TAKE, key, now, expired, expired, now, limit, now, expired, limit)
    if rows:
        return int(rows[0]["hits"])
    started = await RateLimit.select(RateLimit.window_start).where(RateLimit.key == key).first()
    begun = as_utc(started["window_start"]) if started else now
    return Refused(until=begun + window)


async def clear_tries(db: Database, key: str) -> None:
    """Forget the tries of ``key`` (a right password ends the count of wrong ones)."""
    db.check_bound()
    await RateLimit.delete().where(RateLimit.key == key)


async def forget_stale_limits(db: Database, *, older_than: datetime) -> int:
    """Delete the counts whose window began before ``older_than`` (pass a time before every window's length).

    Returns:
        How many were deleted.
    """
    db.check_bound()
    rows = await db.fetch("DELETE FROM rate_limit WHERE window_start < {} RETURNING key", older_than)
    return len(rows)
