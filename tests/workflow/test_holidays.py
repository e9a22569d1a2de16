"""A holiday year as an admin types it: the boxes read line by line, then the year checked as a whole."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao.workflow.calendar import WorkingCalendar, YearOverride
from shenbao.workflow.holidays import (
    check_year,
    date_ranges,
    dates_text,
    library_years,
    parse_dates,
    spring_festival,
    year_problems,
    year_refusal,
)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def days(*texts: str) -> list[dt.date]:
    return [D(text) for text in texts]


# Test data only, not the State Council's arrangement for 2027 (Spring Festival: Saturday 6 February 2027).
GOOD_HOLIDAYS = days("2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-10-01")
GOOD_WORKDAYS = days("2027-02-20", "2027-10-09")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2027-10-01", days("2027-10-01"), id="one ISO date"),
        pytest.param(
            "2027-10-01 至 2027-10-03",
            days("2027-10-01", "2027-10-02", "2027-10-03"),
            id="an ISO range with 至",
        ),
        pytest.param("2027-10-01~2027-10-02", days("2027-10-01", "2027-10-02"), id="a range with a tilde"),
        pytest.param(
            "2027-01-01, 2027-02-06、2027-10-01，2027-10-02",
            days("2027-01-01", "2027-02-06", "2027-10-01", "2027-10-02"),
            id="commas and 、 between dates",
        ),
        pytest.param(
            "元旦：2027-01-01\n\n春节: 2027-02-05 到 2027-02-06\n",
            days("2027-01-01", "2027-02-05", "2027-02-06"),
            id="a label before a colon and blank lines",
        ),
        pytest.param("2027年2月6日", days("2027-02-06"), id="written in Chinese"),
        pytest.param("2027/2/6", days("2027-02-06"), id="slashes and one-digit month"),
        pytest.param("", [], id="nothing"),
    ],
)
def test_the_dates_an_admin_types_are_read(text: str, expected: list[dt.date]) -> None:
    parsed = parse_dates(text)
    assert parsed.errors == []
    assert parsed.days == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("2027-10-01\n十月一日", "第2行“十月一日”不是日期：请写成 2027-10-01", id="not a date"),
        pytest.param("2027-02-30", "第1行“2027-02-30”这一天不存在", id="no such day"),
        pytest.param("2027-10-07 至 2027-10-01", "结束的日子早于开始的日子", id="range backwards"),
        pytest.param("2027-01-01 至 2027-03-01", "有60天，超过31天", id="range too long"),
        pytest.param("2027-10-01 至 2027-10-03 至 2027-10-05", "不是日期", id="two 至 in one range"),
    ],
)
def test_what_cannot_be_read_is_named_by_its_line(text: str, message: str) -> None:
    parsed = parse_dates(text)
    assert len(parsed.errors) == 1
    assert message in parsed.errors[0]


def test_a_good_year_has_no_problem() -> None:
    assert check_year(2027, GOOD_HOLIDAYS, GOOD_WORKDAYS) == []


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "message"),
    [
        pytest.param(
            GOOD_HOLIDAYS + days("2027-10-09"),
            GOOD_WORKDAYS,
            "workdays",
            "2027-10-09 既写在放假日期里，又写在调休上班日期里：一天只能是其中一种",
            id="overlap",
        ),
        pytest.param(
            GOOD_HOLIDAYS,
            days("2027-02-10"),
            "workdays",
            "2027-02-10（星期三） 本来就是工作日，不是调休上班日：调休上班日只能是周六或周日",
            id="weekday adjusted working day",
        ),
        pytest.param(
            [day for day in GOOD_HOLIDAYS if day != D("2027-02-06")],
            GOOD_WORKDAYS,
            "holidays",
            "2027年的春节（农历正月初一，2027-02-06（星期六））不在放假日期里",
            id="no Spring Festival",
        ),
        pytest.param(
            [*GOOD_HOLIDAYS, D("2028-01-01")],
            GOOD_WORKDAYS,
            "holidays",
            "2028-01-01 不是2027年的日期：这里只填2027年的，2028年的请另外添加那一年",
            id="holiday outside the year",
        ),
        pytest.param(
            GOOD_HOLIDAYS,
            [*GOOD_WORKDAYS, D("2026-12-26")],
            "workdays",
            "2026-12-26 不是2027年的日期",
            id="working day outside the year",
        ),
        pytest.param(
            [*GOOD_HOLIDAYS, D("2027-10-01")],
            GOOD_WORKDAYS,
            "holidays",
            "2027-10-01 在放假日期里写了不止一次：请只留一个",
            id="duplicate holiday",
        ),
        pytest.param(
            GOOD_HOLIDAYS,
            [*GOOD_WORKDAYS, D("2027-02-20")],
            "workdays",
            "2027-02-20 在调休上班日期里写了不止一次",
            id="duplicate working day",
        ),
        pytest.param([], [], "holidays", "2027年一天也没有填", id="empty year"),
    ],
)
def test_each_problem_of_a_year_names_the_date_and_what_to_do(
    holidays: list[dt.date], workdays: list[dt.date], field: str, message: str
) -> None:
    problems = year_problems(2027, holidays, workdays)
    assert len(problems) == 1, problems
    assert problems[0].field == field
    assert message in problems[0].message
    assert check_year(2027, holidays, workdays) == [problems[0].message]


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        pytest.param(2024, "2024-02-10", id="2024"),
        pytest.param(2026, "2026-02-17", id="2026"),
        pytest.param(2027, "2027-02-06", id="2027"),
        pytest.param(2028, "2028-01-26", id="2028"),
    ],
)
def test_the_spring_festival_is_the_lunar_new_year(year: int, expected: str) -> None:
    assert spring_festival(year) == D(expected)


@pytest.mark.parametrize(
    ("year", "message"),
    [
        pytest.param(2026, "2026年的放假安排 chinesecalendar 已经有了", id="a year chinesecalendar knows"),
        pytest.param(1999, "只能添加2000年到2099年之间的年份", id="too early"),
        pytest.param(2100, "只能添加2000年到2099年之间的年份", id="too late"),
    ],
)
def test_a_year_an_admin_may_not_save_is_refused_with_why(year: int, message: str) -> None:
    assert message in (year_refusal(year) or "no refusal")


def test_the_year_after_chinesecalendars_last_may_be_saved() -> None:
    assert year_refusal(2027) is None


def test_chinesecalendar_knows_2004_to_2026() -> None:
    assert library_years()[0] == 2004 and library_years()[-1] >= 2026 and 2027 not in library_years()


def test_a_saved_year_replaces_the_files_entry_for_that_year_whole() -> None:
    from_file = WorkingCalendar({2027: YearOverride(holidays=days("2027-01-01", "2027-01-04"))}, source="f")
    saved = from_file.with_years({2027: YearOverride(holidays=GOOD_HOLIDAYS, workdays=GOOD_WORKDAYS)})
    assert from_file.is_working_day(D("2027-02-08")) and not from_file.is_working_day(D("2027-01-04"))
    assert not saved.is_working_day(D("2027-02-08"))  # a holiday now
    assert saved.is_working_day(D("2027-01-04"))  # the file's day off is gone with its entry
    assert saved.is_working_day(D("2027-02-20"))  # an adjusted working Saturday
    assert saved.source == "f" and sorted(saved.years) == [2027]


def test_saved_days_are_shown_as_ranges_the_parser_reads_back() -> None:
    text = dates_text(GOOD_HOLIDAYS)
    assert text == "2027-01-01\n2027-02-05 至 2027-02-08\n2027-10-01"
    assert parse_dates(text).days == sorted(GOOD_HOLIDAYS)
    assert date_ranges([]) == []
