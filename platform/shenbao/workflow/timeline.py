"""A chain's dates for one submission day: the timeline the chain editor shows beside the chain.

:func:`timeline` walks the chain as a case that uses every step's whole time would: the first step starts on the
submission day, each later step on the previous step's deadline. A deadline "from submission" counts from the
submission, one "from previous step" from the previous step's deadline, the way
:func:`shenbao.workflow.engine.step_due` counts them for a real case. Between a step's start and its deadline the
days that are not plain are marked: statutory holidays by name (国庆节, 中秋节, 春节...) and the weekend days
worked instead (调休上班). A deadline in a year the calendar does not know yet is ``None`` with a note saying
which year to add, never an exception: the editor shows the rest.

:func:`month_grids` lays the timeline's span out as month calendars (weeks from Monday) for a page to draw.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Literal, TypeAlias

import chinese_calendar
import msgspec

from shenbao.forms.model import text_of
from shenbao.roles import Role
from shenbao.workflow.calendar import CalendarError, WorkingCalendar
from shenbao.workflow.model import Chain

__all__ = [
    "HOLIDAY_NAMES",
    "DayKind",
    "GridDay",
    "MarkedDay",
    "MonthGrid",
    "StepDates",
    "Timeline",
    "month_grids",
    "timeline",
    "unknown_year_note",
]

DayKind: TypeAlias = Literal["holiday", "workday"]
"""``holiday``: a statutory day off (放假); ``workday``: a weekend day worked instead (调休上班)."""

HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
"""``chinesecalendar``'s holiday names in Chinese."""


class MarkedDay(msgspec.Struct, frozen=True, kw_only=True):
    """A day that is not plain: a statutory holiday, or a weekend day worked instead (调休上班).

    Attributes:
        day: the date.
        kind: ``holiday`` or ``workday``.
        name: the holiday it belongs to (``国庆节``); ``""`` when the calendar gives no name (a year added in
            the pack's holidays.json).
        text: what a page shows on the day: ``国庆节``, ``放假``, ``调休上班``.
    """

    day: dt.date
    kind: DayKind
    name: str
    text: str


class StepDates(msgspec.Struct, frozen=True, kw_only=True):
    """One step's dates for the submission.

    Attributes:
        id: the step's id.
        name: the staff's name of the step.
        public_name: the applicant's name of the step.
        role: who acts.
        working_days: the step's deadline in working days.
        start: what they count from: ``submission`` or ``previous_step``.
        starts_on: the day the step starts at the latest (``None`` after a deadline that is not known).
        due_on: its deadline (``None`` when it falls in, or counts from, a year the calendar does not know).
        marked: the holidays and adjusted working days after ``starts_on`` up to ``due_on`` (up to the end of
            the last known year when ``due_on`` is ``None``).
        note: what the admin should know about this deadline, in Chinese (``None`` when nothing).
    """

    id: str
    name: str
    public_name: str
    role: Role
    working_days: int
    start: Literal["submission", "previous_step"]
    starts_on: dt.date | None
    due_on: dt.date | None
    marked: list[MarkedDay] = []
    note: str | None = None


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    """A chain's dates for a submission on ``submitted_on``.

    Attributes:
        chain: the chain's id.
        version: the chain's version.
        submitted_on: the submission day.
        steps: every step in order.
        due_on: the whole chain's deadline (``None`` in a year the calendar does not know).
        note: the note about the chain's deadline (``None`` when it is known).
        marked: every marked day from the submission to the last known deadline.
        notes: every note of the timeline once, in order, for the top of the page.
    """

    chain: str
    version: int
    submitted_on: dt.date
    steps: list[StepDates]
    due_on: dt.date | None
    note: str | None = None
    marked: list[MarkedDay] = []
    notes: list[str] = []


def unknown_year_note(year: int) -> str:
    """The note of a deadline that reaches ``year`` while the calendar does not know it."""
    return f"{year}年的节假日安排还不知道，这个期限暂按待定处理，请先在节假日页加上{year}年"


_AFTER_UNKNOWN = "前一个环节的期限待定，这个期限也待定"
_LATE_START = "前面的环节用满时间时，这个环节开始时已经过了它自己的期限：请检查期限"


def _library_detail(day: dt.date) -> tuple[bool, str] | None:
    """``chinesecalendar``'s (is a holiday, Chinese name) of ``day``; ``None`` when it does not know the year."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return bool(holiday), HOLIDAY_NAMES.get(str(name), str(name)) if name is not None else ""


def _mark(day: dt.date, calendar: WorkingCalendar) -> MarkedDay | None:
    """``day`` marked when it is not plain; ``None`` for a plain day (and a day of an unknown year)."""
    try:
        working = calendar.is_working_day(day)
    except CalendarError:
        return None
    weekend = day.weekday() >= 5
    detail = _library_detail(day)
    name = detail[1] if detail else ""
    if working and weekend:
        return MarkedDay(day=day, kind="workday", name=name, text="调休上班")
    if not working and not weekend:
        return MarkedDay(day=day, kind="holiday", name=name, text=name or "放假")
    if not working and detail is not None and detail[0] and name:
        return MarkedDay(day=day, kind="holiday", name=name, text=name)  # a weekend day inside a holiday
    return None


def _marks(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> list[MarkedDay]:
    """The marked days after ``start`` up to and including ``end``."""
    days = (start + dt.timedelta(days=offset) for offset in range(1, (end - start).days + 1))
    return [mark for mark in (_mark(day, calendar) for day in days) if mark is not None]


def _first_unknown_year(origin: dt.date, calendar: WorkingCalendar) -> int:
    year = origin.year
    while calendar.knows(year):
        year += 1
    return year


def _add(calendar: WorkingCalendar, origin: dt.date, working_days: int) -> tuple[dt.date | None, str | None]:
    """``working_days`` after ``origin``, or ``None`` with the note naming the year the calendar lacks."""
    try:
        return calendar.add_working_days(origin, working_days), None
    except CalendarError:
        return None, unknown_year_note(_first_unknown_year(origin, calendar))


def _known_end(start: dt.date, calendar: WorkingCalendar) -> dt.date:
    """The last day the calendar knows from ``start``'s year on."""
    return dt.date(_first_unknown_year(start, calendar) - 1, 12, 31)


def timeline(chain: Chain, calendar: WorkingCalendar, submitted_on: dt.date) -> Timeline:
    """Each step's deadline as a date for a submission on ``submitted_on``, the latest a case can get.

    Args:
        chain: the chain (as the editor has it, saved or not).
        calendar: the pack's working-day calendar.
        submitted_on: the day of the submission (the editor's default is today).

    Returns:
        The dates, the holidays and adjusted working days between them, and a note wherever a deadline reaches
        a year the calendar does not know (that deadline is then ``None``).
    """
    steps: list[StepDates] = []
    previous_due: dt.date | None = submitted_on
    for position, step in enumerate(chain.steps):
        starts_on = submitted_on if position == 0 else previous_due
        note: str | None = None
        due: dt.date | None = None
        if step.deadline.start == "submission":
            due, note = _add(calendar, submitted_on, step.deadline.working_days)
        elif starts_on is None:
            note = _AFTER_UNKNOWN
        else:
            due, note = _add(calendar, starts_on, step.deadline.working_days)
        if due is not None and starts_on is not None and due < starts_on:
            note = _LATE_START
        marked: list[MarkedDay] = []
        if starts_on is not None:
            marked = _marks(starts_on, due or _known_end(starts_on, calendar), calendar)
        steps.append(
            StepDates(
                id=step.id,
                name=text_of(step.name),
                public_name=text_of(step.public_name),
                role=step.role,
                working_days=step.deadline.working_days,
                start=step.deadline.start,
                starts_on=starts_on,
                due_on=due,
                marked=marked,
                note=note,
            )
        )
        previous_due = due
    final, final_note = _add(calendar, submitted_on, chain.deadline.working_days)
    known = [day for day in [final, *(each.due_on for each in steps)] if day is not None]
    last = max(known, default=submitted_on)
    notes = [each.note for each in steps if each.note is not None]
    if final_note is not None:
        notes.append(final_note)
    return Timeline(
        chain=chain.id,
        version=chain.version,
        submitted_on=submitted_on,
        steps=steps,
        due_on=final,
        note=final_note,
        marked=_marks(submitted_on, last, calendar),
        notes=list(dict.fromkeys(notes)),
    )


class GridDay(msgspec.Struct, frozen=True, kw_only=True):
    """One day of a month grid.

    Attributes:
        day: the date.
        mark: the holiday or adjusted working day it is (``None``: a plain day).
        submitted: the submission day.
        due: the ids of the steps due that day.
        final: the whole chain is due that day.
    """

    day: dt.date
    mark: MarkedDay | None = None
    submitted: bool = False
    due: list[str] = []
    final: bool = False


class MonthGrid(msgspec.Struct, frozen=True, kw_only=True):
    """One month as weeks of seven days, Monday first; ``None`` pads the days of the months around it.

    Attributes:
        year: the year.
        month: the month (1–12).
        title: ``2026年10月``.
        weeks: the weeks of the month.
    """

    year: int
    month: int
    title: str
    weeks: list[list[GridDay | None]]


def month_grids(line: Timeline) -> list[MonthGrid]:
    """The months from the submission to the last known deadline of ``line``, for a page to draw.

    Args:
        line: a timeline made by :func:`timeline`.

    Returns:
        One grid per month, in order, each day with its mark and the deadlines that fall on it.
    """
    marks = {mark.day: mark for mark in line.marked}
    due: dict[dt.date, list[str]] = {}
    for step in line.steps:
        if step.due_on is not None:
            due.setdefault(step.due_on, []).append(step.id)
    last = max([line.submitted_on, *due, *([line.due_on] if line.due_on else [])])
    grids: list[MonthGrid] = []
    year, month = line.submitted_on.year, line.submitted_on.month
    while (year, month) <= (last.year, last.month):
        weeks = [
            [
                GridDay(
                    day=day,
                    mark=marks.get(day),
                    submitted=day == line.submitted_on,
                    due=due.get(day, []),
                    final=day == line.due_on,
                )
                if day.month == month
                else None
                for day in week
            ]
            for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        grids.append(MonthGrid(year=year, month=month, title=f"{year}年{month}月", weeks=weeks))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return grids
