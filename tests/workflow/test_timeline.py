"""The dated timeline beside the chain editor: deadlines as dates across holidays, and years not known yet."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from shenbao.workflow import Chain, WorkingCalendar
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.timeline import MarkedDay, month_grids, timeline, unknown_year_note

from .support import gansu_chain

CALENDAR = WorkingCalendar()
D = dt.date


def marks(days: list[MarkedDay]) -> list[tuple[str, str]]:
    return [(mark.day.isoformat(), mark.text) for mark in days]


NATIONAL_DAY_2026 = [(f"2026-10-0{day}", "国庆节") for day in range(1, 8)]
"""1–7 October 2026 off (chinesecalendar 1.11, the State Council's arrangement)."""


def test_a_submission_on_28_september_2026_across_national_day() -> None:
    line = timeline(gansu_chain("gansu-yijian-2023"), CALENDAR, D(2026, 9, 28))
    dates = [(step.id, step.starts_on, step.due_on) for step in line.steps]
    assert dates == [
        # 29, 30 September, 8, 9 and 10 October (a Saturday worked instead: 调休上班)
        ("household_check", D(2026, 9, 28), D(2026, 10, 10)),
        # five working days after the household check's deadline: 12–16 October
        ("check_answer", D(2026, 10, 10), D(2026, 10, 16)),
        # fifteen working days from the submission
        ("village_review", D(2026, 10, 16), D(2026, 10, 23)),
        ("township_review", D(2026, 10, 23), D(2026, 10, 23)),
        ("county_approval", D(2026, 10, 23), D(2026, 10, 23)),
        ("national_entry", D(2026, 10, 23), D(2026, 10, 23)),
    ]
    assert line.due_on == D(2026, 10, 23)
    assert marks(line.steps[0].marked) == [*NATIONAL_DAY_2026, ("2026-10-10", "调休上班")]
    assert line.steps[0].marked[-1].kind == "workday" and line.steps[0].marked[-1].name == "国庆节"
    assert [step.marked for step in line.steps[1:]] == [[]] * 5
    assert marks(line.marked) == marks(line.steps[0].marked)
    assert line.notes == [] and all(step.note is None for step in line.steps)


def test_mid_autumn_and_the_sunday_worked_before_it() -> None:
    """2026: 中秋节 25–27 September, and Sunday 20 September worked for National Day."""
    line = timeline(gansu_chain("gansu-yijian-2023"), CALENDAR, D(2026, 9, 18))
    assert line.steps[0].due_on == D(2026, 9, 24)  # 20 (worked), 21, 22, 23, 24 September
    assert marks(line.steps[0].marked) == [("2026-09-20", "调休上班")]
    assert line.steps[1].due_on == D(2026, 10, 9)  # 28, 29, 30 September, 8, 9 October
    assert marks(line.steps[1].marked) == [
        ("2026-09-25", "中秋节"),
        ("2026-09-26", "中秋节"),
        ("2026-09-27", "中秋节"),
        *NATIONAL_DAY_2026,
    ]
    assert line.due_on == D(2026, 10, 15)  # ... 9, 10 (worked), 12, 13, 14, 15 October
    assert ("2026-10-10", "调休上班") in marks(line.marked)


def test_a_submission_in_late_december_2026_reaches_2027() -> None:
    line = timeline(gansu_chain("gansu-yijian-2023"), CALENDAR, D(2026, 12, 24))
    first, second, *rest = line.steps
    assert (first.due_on, first.note) == (D(2026, 12, 31), None)  # 25, 28, 29, 30, 31 December
    note = "2027年的节假日安排还不知道，这个期限暂按待定处理，请先在节假日页加上2027年"
    assert unknown_year_note(2027) == note
    assert (second.starts_on, second.due_on, second.note) == (D(2026, 12, 31), None, note)
    # the next step cannot start at a date either; its deadline counts from the submission, in 2027 too
    assert [(step.starts_on, step.due_on, step.note) for step in rest] == [(None, None, note)] * 4
    assert (line.due_on, line.note, line.notes) == (None, note, [note])
    assert [grid.title for grid in month_grids(line)] == ["2026年12月"]


def test_the_deadlines_fill_in_once_the_pack_adds_2027() -> None:
    # Test data only, not the State Council's arrangement: 2027 with New Year's Day and a Saturday worked.
    calendar = WorkingCalendar({2027: YearOverride(holidays=[D(2027, 1, 1)], workdays=[D(2027, 1, 9)])})
    line = timeline(gansu_chain("gansu-yijian-2023"), calendar, D(2026, 12, 24))
    assert line.notes == []
    # 4, 5, 6, 7, 8 January 2027 after the household check's 31 December
    assert line.steps[1].due_on == D(2027, 1, 8)
    assert marks(line.steps[1].marked) == [("2027-01-01", "放假")]
    # 25, 28–31 December, 4–8, 9 (worked), 11–14 January
    assert line.due_on == D(2027, 1, 14)
    assert ("2027-01-09", "调休上班") in marks(line.marked)


def _chain(*deadlines: tuple[int, str], total: int = 30) -> Chain:
    steps = [
        {"id": f"s{n}", "name": f"环节{n}", "public_name": f"第{n}步", "role": "village",
         "deadline": {"working_days": days, "from": start}, "actions": ["pass_up"]}
        for n, (days, start) in enumerate(deadlines)
    ]  # fmt: skip
    data = {
        "id": "tiny",
        "version": 3,
        "title": "小流程",
        "deadline": {"working_days": total},
        "steps": steps,
    }
    return msgspec.convert(data, Chain)


RELATIVE = [
    pytest.param(
        _chain((3, "previous_step"), (2, "previous_step"), (4, "previous_step")),
        [D(2026, 6, 4), D(2026, 6, 8), D(2026, 6, 12)],
        id="each counted from the previous deadline",
    ),
    pytest.param(
        _chain((3, "submission"), (10, "submission"), (1, "previous_step")),
        [D(2026, 6, 4), D(2026, 6, 15), D(2026, 6, 16)],
        id="from submission, then one day after",
    ),
    pytest.param(
        _chain((5, "previous_step"), (2, "submission")),
        [D(2026, 6, 8), D(2026, 6, 3)],
        id="a step due before it starts",
    ),
]


@pytest.mark.parametrize(("chain", "expected"), RELATIVE)
def test_previous_step_counting(chain: Chain, expected: list[dt.date]) -> None:
    """Monday 1 June 2026; Friday 19 June is 端午节 (Dragon Boat Festival)."""
    line = timeline(chain, CALENDAR, D(2026, 6, 1))
    assert [step.due_on for step in line.steps] == expected
    assert line.steps[0].starts_on == D(2026, 6, 1)
    assert [step.starts_on for step in line.steps[1:]] == expected[:-1]
    assert (line.chain, line.version) == ("tiny", 3)


def test_a_step_due_before_it_starts_is_noted() -> None:
    line = timeline(_chain((5, "previous_step"), (2, "submission")), CALENDAR, D(2026, 6, 1))
    assert line.steps[0].note is None
    assert line.steps[1].note is not None and "已经过了它自己的期限" in line.steps[1].note
    assert line.notes == [line.steps[1].note]


def test_the_whole_chain_deadline_across_the_dragon_boat_festival() -> None:
    line = timeline(_chain((1, "submission"), total=15), CALENDAR, D(2026, 6, 1))
    assert line.due_on == D(2026, 6, 23)  # 2–5, 8–12, 15–18, 22, 23 June: 19 June is off
    assert marks(line.marked) == [
        ("2026-06-19", "端午节"),
        ("2026-06-20", "端午节"),
        ("2026-06-21", "端午节"),
    ]


def test_month_grids_for_a_page() -> None:
    line = timeline(gansu_chain("gansu-yijian-2023"), CALENDAR, D(2026, 9, 28))
    september, october = month_grids(line)
    assert (september.title, october.title) == ("2026年9月", "2026年10月")
    first_week = october.weeks[0]
    assert first_week[:3] == [None, None, None]  # 1 October 2026 is a Thursday
    thursday = first_week[3]
    assert thursday is not None and thursday.day == D(2026, 10, 1)
    assert thursday.mark is not None and thursday.mark.text == "国庆节"
    days = {cell.day: cell for week in october.weeks for cell in week if cell is not None}
    assert len(days) == 31 and all(len(week) == 7 for week in october.weeks)
    assert days[D(2026, 10, 10)].due == ["household_check"]
    assert days[D(2026, 10, 23)].due == [
        "village_review",
        "township_review",
        "county_approval",
        "national_entry",
    ]
    assert days[D(2026, 10, 23)].final and not days[D(2026, 10, 22)].final
    submitted = [cell for week in september.weeks for cell in week if cell is not None and cell.submitted]
    assert [cell.day for cell in submitted] == [D(2026, 9, 28)]


def test_a_timeline_is_plain_data_for_a_page() -> None:
    line = timeline(gansu_chain("gansu-zizhu-2021"), CALENDAR, D(2026, 9, 28))
    data = msgspec.json.decode(msgspec.json.encode(line))
    assert data["steps"][0]["due_on"] == "2026-10-10"
    assert data["steps"][0]["public_name"] == "村级核查" and data["steps"][0]["name"] == "家庭经济状况核查"
    assert data["due_on"] == "2026-11-06"  # 29, 30 Sep; 8–10 (10th worked), 12–16, 19–23, 26–30 Oct; 2–6 Nov
