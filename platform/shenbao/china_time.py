"""China time: every time a person reads, and the day deadlines and receipt numbers count in.

The database keeps moments in UTC and the code passes them around aware (UTC). What a page, a message or a
spreadsheet shows is the same moment in China Standard Time (UTC+8 all year; no daylight saving since 1991), and
"today" for a deadline or a receipt number is the date in China. This module is the one place that knows the
zone; it is pure (the clock aside) so the workflow engine may use it too.

The zone is ``Asia/Shanghai`` from the system's time-zone database (Debian's ``tzdata``); where that database is
missing, the fixed offset of UTC+8, which gives the same times for every date since 1991.

Templates show a moment with the ``china_time`` filter: ``{{ application.created_at|china_time }}`` gives
``2026-12-04 22:30``; ``|china_time("%Y-%m-%d %H:%M:%S")`` or ``|china_time("%m-%d %H:%M")`` another
format (:data:`SECONDS`, :data:`SHORT`).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CHINA",
    "MINUTES",
    "SECONDS",
    "SHORT",
    "china_zone",
    "format_china",
    "now",
    "to_china",
    "today",
]

MINUTES = "%Y-%m-%d %H:%M"
"""How a time is shown: ``2026-12-04 22:30``."""
SECONDS = "%Y-%m-%d %H:%M:%S"
"""With the seconds, where the order of close events matters (the text messages): ``2026-12-04 22:30:05``."""
SHORT = "%m-%d %H:%M"
"""A time in the next days, without the year: ``12-04 22:30``."""


def china_zone() -> dt.tzinfo:
    """``Asia/Shanghai`` from the time-zone database, or the fixed UTC+8 where the system has no database."""
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:
        return dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


CHINA = china_zone()
"""China Standard Time: the zone every time a person reads is shown in."""


def now() -> dt.datetime:
    """The current moment in China (aware)."""
    return dt.datetime.now(CHINA)


def today() -> dt.date:
    """Today's date in China: what deadlines, working days and receipt numbers count in."""
    return now().date()


def to_china(moment: dt.datetime) -> dt.datetime:
    """``moment`` in China time.

    Args:
        moment: an aware moment, or a naive one as a database hands it back (SQLite, raw SQL), which is UTC:
            every moment is written in UTC.

    Returns:
        The same moment, aware, in :data:`CHINA`.
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA)


def format_china(moment: dt.datetime | None, pattern: str = MINUTES) -> str:
    """``moment`` in China time as a person reads it (the templates' ``china_time`` filter).

    Args:
        moment: the moment (naive means UTC, see :func:`to_china`); ``None`` gives ``""``.
        pattern: a ``strftime`` pattern: :data:`MINUTES` (the default), :data:`SECONDS` or :data:`SHORT`.

    Returns:
        The text, e.g. ``2026-12-04 22:30`` for 14:30 UTC.
    """
    return "" if moment is None else to_china(moment).strftime(pattern)
