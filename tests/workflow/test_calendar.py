"""Working days: National Day 2026, adjusted working weekends, override years, the deadline text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from shenbao.paths import form_defs_dir
from shenbao.workflow import CalendarError, WorkingCalendar, deadline_status, load_calendar

D = dt.date.fromisoformat
CALENDAR = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param("2026-09-20", True, id="Sunday 20 Sep worked for National Day"),
        pytest.param("2026-09-25", False, id="Mid-autumn Friday off"),
        pytest.param("2026-10-01", False, id="National Day"),
        pytest.param("2026-10-07", False, id="last day of the National Day week"),
        pytest.param("2026-10-08", True, id="Thursday 8 Oct back at work"),
        pytest.param("2026-10-10", True, id="Saturday 10 Oct worked"),
        pytest.param("2026-10-11", False, id="Sunday 11 Oct"),
        pytest.param("2026-10-12", True, id="Monday"),
    ],
)
def test_working_day(day: str, working: bool) -> None:
    assert CALENDAR.is_working_day(D(day)) is working


DEADLINES = [
    pytest.param("2026-09-30", 5, "2026-10-13", id="5 days across National Day and Saturday 10 Oct"),
    pytest.param("2026-09-30", 15, "2026-10-27", id="15 days across National Day and Saturday 10 Oct"),
    pytest.param("2026-09-30", 25, "2026-11-10", id="25 days across National Day"),
    pytest.param("2026-10-03", 5, "2026-10-13", id="submitted during the holiday"),
    pytest.param("2026-09-17", 5, "2026-09-23", id="5 days across Sunday 20 Sep worked"),
    pytest.param("2026-09-24", 5, "2026-10-09", id="5 days across Mid-autumn and National Day"),
    pytest.param("2026-09-24", 15, "2026-10-22", id="15 days across Mid-autumn and National Day"),
    pytest.param("2026-11-27", 5, "2026-12-04", id="5 days in an ordinary week"),
    pytest.param("2026-10-09", 1, "2026-10-10", id="Friday plus 1 is the worked Saturday"),
]


@pytest.mark.parametrize(("start", "days", "due"), DEADLINES)
def test_add_working_days(start: str, days: int, due: str) -> None:
    assert CALENDAR.add_working_days(D(start), days) == D(due)


def test_an_unknown_year_is_an_error_naming_it() -> None:
    with pytest.raises(CalendarError, match="2027") as error:
        CALENDAR.add_working_days(D("2026-12-28"), 5)
    assert "holidays.json" in str(error.value)


def _overrides(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_the_override_file_adds_a_year(tmp_path: Path) -> None:
    # Test data only: not the real 2027 arrangement.
    path = _overrides(tmp_path, {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-01-03"]}})
    calendar = load_calendar(path)
    assert calendar.add_working_days(D("2026-12-28"), 5) == D("2027-01-04")
    assert not calendar.is_working_day(D("2027-01-01"))
    assert calendar.is_working_day(D("2027-01-03"))
    assert calendar.is_working_day(D("2027-01-06"))
    assert not calendar.is_working_day(D("2027-01-09"))


def test_an_override_corrects_a_known_year(tmp_path: Path) -> None:
    calendar = load_calendar(_overrides(tmp_path, {"2026": {"holidays": ["2026-10-08"]}}))
    assert not calendar.is_working_day(D("2026-10-08"))
    assert calendar.is_working_day(D("2026-10-09"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param({"next": {}}, "not a year", id="key is not a year"),
        pytest.param({"2027": {"holidays": ["2028-01-01"]}}, "listed under 2027", id="day in the wrong year"),
        pytest.param({"2027": {"holiday": []}}, "unknown field", id="unknown field"),
        pytest.param({"2027": {"holidays": ["1 Jan"]}}, "holidays", id="not a date"),
    ],
)
def test_a_broken_override_file_names_the_problem(tmp_path: Path, content: object, message: str) -> None:
    path = _overrides(tmp_path, content)
    with pytest.raises(CalendarError, match=message) as error:
        load_calendar(path)
    assert str(path) in str(error.value)


def test_the_gansu_override_file_loads() -> None:
    calendar = load_calendar(form_defs_dir() / "gansu" / "holidays.json")
    assert calendar.add_working_days(D("2026-09-30"), 5) == D("2026-10-13")


STATUS = [
    pytest.param("2026-09-30", "还剩5个工作日", False, id="on submission"),
    pytest.param("2026-10-03", "还剩5个工作日", False, id="during the holiday"),
    pytest.param("2026-10-09", "还剩3个工作日", False, id="Friday before the worked Saturday"),
    pytest.param("2026-10-11", "还剩2个工作日", False, id="Sunday"),
    pytest.param("2026-10-12", "还剩1个工作日", False, id="the day before"),
    pytest.param("2026-10-13", "今天到期", False, id="due today"),
    pytest.param("2026-10-14", "已超期1个工作日", True, id="one day late"),
    pytest.param("2026-10-19", "已超期4个工作日", True, id="a week late"),
]


@pytest.mark.parametrize(("today", "text", "overdue"), STATUS)
def test_deadline_status(today: str, text: str, overdue: bool) -> None:
    status = deadline_status(D("2026-10-13"), D(today), CALENDAR)
    assert (status.text, status.overdue) == (text, overdue)


def test_overdue_over_a_weekend_is_still_overdue() -> None:
    status = deadline_status(D("2026-10-16"), D("2026-10-17"), CALENDAR)
    assert (status.text, status.overdue) == ("已超期1个工作日", True)
