"""A year of statutory holidays and adjusted working days as an admin types it: read, then checked. Pure.

The State Council's notice (国务院办公厅关于某年部分节假日安排的通知, usually in November) gives each holiday as a
range of days off and the weekend days worked instead (调休上班). An admin copies it into two boxes: the days off
and the adjusted working days, one date or range per line (``2027-10-01``, ``2027-10-01 至 2027-10-07``, commas and
``、`` between several; ``国庆节：`` before them is allowed). :func:`parse_dates` reads a box, naming the line of
anything it cannot read; :func:`check_year` checks the year as a whole, every message in Chinese naming the date
and what to do.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Literal, NamedTuple

from lunardate import LunarDate  # type: ignore[import-untyped]

from shenbao.workflow.calendar import library_knows

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "LONGEST_RANGE",
    "ParsedDates",
    "YearProblem",
    "check_year",
    "date_ranges",
    "dates_text",
    "library_years",
    "parse_dates",
    "spring_festival",
    "year_problems",
    "year_refusal",
]

FIRST_YEAR = 2000
"""The earliest year an admin may save (chinesecalendar knows every year from 2004 to its last)."""
LAST_YEAR = 2099
"""The last year the lunar calendar (``lunardate``) knows: the Spring Festival is checked against it."""
LONGEST_RANGE = 31
"""The most days one range may have: a holiday is at most 8 or 9 days; a longer range is a typo."""

_WEEKDAYS = "一二三四五六日"
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|–)\s*")
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_NUMERIC = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_WRITTEN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_LABEL = re.compile(r"^[^:：\d]*[:：]")
Field = Literal["year", "holidays", "workdays"]


class ParsedDates(NamedTuple):
    """What a box held: the dates in the order written (ranges spread out), and each line it could not read."""

    days: list[dt.date]
    errors: list[str]


class YearProblem(NamedTuple):
    """One thing wrong with a year, and where it is shown: the box (``holidays``, ``workdays``) or the year itself."""

    field: Field
    message: str


def _day(token: str) -> dt.date | str | None:
    """The date ``token`` names; ``None`` when it is not written as a date; ``"missing"`` when no such day exists."""
    found = _NUMERIC.fullmatch(token) or _WRITTEN.fullmatch(token)
    if found is None:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        return "missing"


def parse_dates(text: str) -> ParsedDates:
    """Read the dates an admin typed in one box: one date or range per line, or several separated by commas or 、.

    >>> parse_dates("2027-10-01 至 2027-10-03、2027-10-08").days[-1]
    datetime.date(2027, 10, 8)
    """
    days: list[dt.date] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _RANGE.sub("至", _LABEL.sub("", raw.strip()))
        for token in filter(None, _SEPARATORS.split(line)):
            error = _read(token, days)
            if error:
                errors.append(f"第{number}行“{token}”{error}")
    return ParsedDates(days, errors)


def _read(token: str, days: list[dt.date]) -> str:
    """Add the date or range ``token`` names to ``days``; what is wrong with it (empty when nothing)."""
    ends = [_day(part) for part in token.split("至")]
    if len(ends) > 2 or any(end is None for end in ends):
        return "不是日期：请写成 2027-10-01 这样的年-月-日，或 2027-10-01 至 2027-10-07 这样的一段日期"
    if any(end == "missing" for end in ends):
        return "这一天不存在：请核对月份和日子"
    first, last = (ends[0], ends[-1])
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    length = (last - first).days + 1
    if length < 1:
        return "结束的日子早于开始的日子：请写成“开始日 至 结束日”"
    if length > LONGEST_RANGE:
        return f"有{length}天，超过{LONGEST_RANGE}天：请核对，一次放假不会这么长"
    days.extend(first + dt.timedelta(days=offset) for offset in range(length))
    return ""


def date_ranges(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """The days as runs of consecutive days, in order: ``(first, last)`` each (one day: ``first == last``)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def dates_text(days: list[dt.date]) -> str:
    """The days as an admin would type them, one date or range per line (what :func:`parse_dates` reads back)."""
    return "\n".join(
        first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
        for first, last in date_ranges(days)
    )


def spring_festival(year: int) -> dt.date:
    """The lunar new year's day (春节, 农历正月初一) of ``year``, e.g. 6 February 2027."""
    solar: dt.date = LunarDate(year, 1, 1).to_solar_date()
    return solar


@functools.cache
def library_years() -> tuple[int, ...]:
    """The years the installed chinesecalendar knows (2004 to 2026 in 1.11), oldest first."""
    return tuple(year for year in range(FIRST_YEAR, LAST_YEAR + 1) if library_knows(year))


def _shown(day: dt.date) -> str:
    return f"{day.isoformat()}（星期{_WEEKDAYS[day.weekday()]}）"


def year_refusal(year: int) -> str | None:
    """Why ``year`` cannot be saved here (chinesecalendar already has it, or it is out of range); ``None`` if it can."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"只能添加{FIRST_YEAR}年到{LAST_YEAR}年之间的年份，{year}年不行：请核对年份"
    if library_knows(year):
        return (
            f"{year}年的放假安排 chinesecalendar 已经有了（按国务院公布的通知），不能在这里修改；"
            "需要更正时请升级 chinesecalendar"
        )
    return None


def year_problems(year: int, holidays: list[dt.date], workdays: list[dt.date]) -> list[YearProblem]:
    """Everything wrong with a year's days off and adjusted working days, each with the box it belongs to."""
    if not holidays and not workdays:
        return [
            YearProblem(
                "holidays",
                f"{year}年一天也没有填：请按国务院办公厅的放假通知，填上放假日期和调休上班日期",
            )
        ]
    problems: list[YearProblem] = []
    names = {"holidays": "放假日期", "workdays": "调休上班日期"}
    boxes: tuple[tuple[Field, list[dt.date]], ...] = (("holidays", holidays), ("workdays", workdays))
    for field, days in boxes:
        seen: set[dt.date] = set()
        for day in days:
            if day.year != year:
                problems.append(
                    YearProblem(
                        field,
                        f"{day.isoformat()} 不是{year}年的日期：这里只填{year}年的，"
                        f"{day.year}年的请另外添加那一年",
                    )
                )
            elif day in seen:
                problems.append(
                    YearProblem(field, f"{day.isoformat()} 在{names[field]}里写了不止一次：请只留一个")
                )
            seen.add(day)
    off = set(holidays)
    for day in sorted(set(workdays)):
        if day in off:
            problems.append(
                YearProblem(
                    "workdays",
                    f"{day.isoformat()} 既写在放假日期里，又写在调休上班日期里：一天只能是其中一种，"
                    "请按通知从一边删掉",
                )
            )
        elif day.weekday() < 5 and day.year == year:
            problems.append(
                YearProblem(
                    "workdays",
                    f"{_shown(day)} 本来就是工作日，不是调休上班日：调休上班日只能是周六或周日，请按通知改正或删掉",
                )
            )
    if FIRST_YEAR <= year <= LAST_YEAR and (new_year := spring_festival(year)) not in off:
        problems.append(
            YearProblem(
                "holidays",
                f"{year}年的春节（农历正月初一，{_shown(new_year)}）不在放假日期里：每年都放春节假，"
                "请按通知把春节假期补上",
            )
        )
    return problems


def check_year(year: int, holidays: list[dt.date], workdays: list[dt.date]) -> list[str]:
    """The messages of :func:`year_problems` (empty when the year can be saved)."""
    return [problem.message for problem in year_problems(year, holidays, workdays)]
