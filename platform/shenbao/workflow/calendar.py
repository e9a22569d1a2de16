"""Chinese working days: statutory holidays and adjusted working weekends.

``chinesecalendar`` knows the State Council's arrangement for the years it ships (2004–2026 in 1.11); a
province pack's ``holidays.json`` adds years it does not know yet, in this shape::

    {"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...]}}

For a year in the file, the file decides every day it lists; other days of that year follow
``chinesecalendar`` when it knows the year, else the plain week (Monday to Friday). A year that neither
knows raises :class:`CalendarError` naming the year: a deadline is never computed from a guess.

A province admin may also save years on the admin page (``/admin/holidays``); a saved year replaces the file's
entry for that year (:meth:`WorkingCalendar.with_years`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import chinese_calendar
import msgspec

from shenbao.china_time import CHINA

__all__ = [
    "CHINA",
    "CalendarError",
    "DeadlineStatus",
    "WorkingCalendar",
    "YearOverride",
    "deadline_status",
    "library_knows",
    "load_calendar",
    "read_overrides",
]


class CalendarError(LookupError):
    """The working-day calendar of a year is unknown, or the override file is malformed."""


class YearOverride(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One year's arrangement: the days off and the weekend days worked (调休上班)."""

    holidays: list[dt.date] = []
    workdays: list[dt.date] = []


def library_knows(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` has the State Council's arrangement of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """Working days from ``chinesecalendar`` plus a province's overrides. Pure once built."""

    def __init__(self, overrides: Mapping[int, YearOverride] | None = None, *, source: str = "") -> None:
        """Build a calendar.

        Args:
            overrides: extra years (or corrections) by year, as read from a pack's ``holidays.json``.
            source: where the overrides came from, named in errors (the file's path).
        """
        self._source = source or "the province's holidays.json"
        self._overrides = dict(overrides or {})
        self._holidays: set[dt.date] = set()
        self._workdays: set[dt.date] = set()
        self._years = frozenset(overrides or {})
        for year, override in (overrides or {}).items():
            for day in [*override.holidays, *override.workdays]:
                if day.year != year:
                    raise CalendarError(f"{self._source}: {day.isoformat()} is listed under {year}")
            self._holidays.update(override.holidays)
            self._workdays.update(override.workdays)
        self._known: dict[int, bool] = {}

    @property
    def years(self) -> dict[int, YearOverride]:
        """The years given to this calendar over chinesecalendar's (a copy)."""
        return dict(self._overrides)

    @property
    def source(self) -> str:
        """Where those years came from, as named in errors."""
        return self._source

    def with_years(self, years: Mapping[int, YearOverride]) -> WorkingCalendar:
        """A new calendar with ``years`` over this one's: each replaces this calendar's entry for its year whole.

        Raises:
            CalendarError: a day is listed under another year.
        """
        return WorkingCalendar({**self._overrides, **years}, source=self._source)

    def knows(self, year: int) -> bool:
        """Whether the working days of ``year`` are known (from the library or the overrides)."""
        if year not in self._known:
            self._known[year] = year in self._years or library_knows(year)
        return self._known[year]

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day.

        Raises:
            CalendarError: neither ``chinesecalendar`` nor the overrides know ``day``'s year.
        """
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        if not self.knows(day.year):
            raise CalendarError(
                f"{day.year}年的节假日安排还不知道：chinesecalendar 没有 {day.year} 年的数据，"
                f"请省级管理员在“节假日安排”页面（/admin/holidays）添加{day.year}年的放假日期和调休上班日期，"
                f'或在 {self._source} 里加上 "{day.year}" 的 holidays 和 workdays'
            )
        if day.year in self._years and not library_knows(day.year):
            return day.weekday() < 5
        return bool(chinese_calendar.is_workday(day))

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts).

        An application submitted on Wednesday 30 September 2026 with 5 working days is due on Tuesday
        13 October: 8, 9, 10 (an adjusted working Saturday), 12 and 13 October.
        """
        day = start
        left = count
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days fall after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


class DeadlineStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A deadline as staff see it: the text, whether it is overdue (shown in red), the working days."""

    text: str
    overdue: bool
    working_days: int
    """Left (``overdue`` false) or past (``overdue`` true)."""


def deadline_status(due: dt.date, today: dt.date, calendar: WorkingCalendar) -> DeadlineStatus:
    """ "还剩2个工作日", "今天到期" or "已超期1个工作日" for a deadline ``due`` seen on ``today``."""
    if today <= due:
        left = calendar.working_days_between(today, due)
        text = "今天到期" if left == 0 else f"还剩{left}个工作日"
        return DeadlineStatus(text=text, overdue=False, working_days=left)
    past = max(1, calendar.working_days_between(due, today))
    return DeadlineStatus(text=f"已超期{past}个工作日", overdue=True, working_days=past)


def load_calendar(path: Path | None) -> WorkingCalendar:
    """A calendar with the overrides in ``path`` (a pack's ``holidays.json``); none when ``path`` is None.

    Raises:
        CalendarError: the file is not valid JSON or not in the override format (the message names the path).
    """
    if path is None:
        return WorkingCalendar()
    return WorkingCalendar(read_overrides(path), source=str(path))


def read_overrides(path: Path) -> dict[int, YearOverride]:
    """The years of a pack's ``holidays.json``, by year.

    Raises:
        CalendarError: the file is not valid JSON or not in the override format (the message names the path).
    """
    try:
        raw = msgspec.json.decode(path.read_bytes(), type=dict[str, YearOverride])
    except msgspec.DecodeError as error:
        raise CalendarError(f"{path}: {error}") from None
    overrides: dict[int, YearOverride] = {}
    for key, override in raw.items():
        if not (key.isascii() and key.isdigit() and len(key) == 4):
            raise CalendarError(f'{path}: {key!r} is not a year: use keys like "2027"')
        overrides[int(key)] = override
    return overrides
