"""A deadline in a year the calendar does not know yet: the work goes on, the deadline is filled in later."""

from __future__ import annotations

import datetime as dt

from shenbao.workflow import Notify, WorkingCalendar, apply, start
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.engine import fill_deadlines, sms_text
from shenbao.workflow.model import Accept, RecordCheck

from .support import CHECK_ANSWERS, VILLAGE, VILLAGE_HANDLER, gansu_chain

LATE_DECEMBER = dt.date(2026, 12, 28)
"""A Monday: five working days later is in 2027, a year chinesecalendar 1.11 does not know."""
NOT_YET = WorkingCalendar()
# Test data only, not the State Council's arrangement: 2027 as a plain week with New Year's Day off.
LEARNT = WorkingCalendar({2027: YearOverride(holidays=[dt.date(2027, 1, 1)])})


def test_a_submission_whose_deadline_year_is_unknown_starts_with_the_deadline_pending() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    state, events = start(chain, region=VILLAGE, submitted_on=LATE_DECEMBER, answers={}, calendar=NOT_YET)
    assert state.step == "household_check" and state.status == "in_progress"
    assert state.due_on is None and state.final_due_on is None
    [notice] = [event for event in events if isinstance(event, Notify)]
    assert "请在规定期限前入户核查" in sms_text(chain, notice, receipt="000000000001")


def test_handlers_act_while_the_deadline_is_pending() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    state, _ = start(chain, region=VILLAGE, submitted_on=LATE_DECEMBER, answers={}, calendar=NOT_YET)
    state, _ = apply(chain, state, Accept(), actor=VILLAGE_HANDLER, today=LATE_DECEMBER, calendar=NOT_YET)
    state, _ = apply(
        chain,
        state,
        RecordCheck(answers=CHECK_ANSWERS),
        actor=VILLAGE_HANDLER,
        today=LATE_DECEMBER,
        calendar=NOT_YET,
    )
    assert state.step == "check_answer" and state.due_on is None


def test_the_deadlines_are_filled_in_once_the_year_is_known() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    state, _ = start(chain, region=VILLAGE, submitted_on=LATE_DECEMBER, answers={}, calendar=NOT_YET)
    filled = fill_deadlines(chain, state, LEARNT)
    # 29, 30, 31 December, then 1 January is off: 4 and 5 January.
    assert filled.due_on == dt.date(2027, 1, 5)
    assert filled.final_due_on is not None and filled.final_due_on > filled.due_on
    assert fill_deadlines(chain, filled, NOT_YET) == filled  # a known deadline is never recomputed


def test_an_action_fills_the_pending_deadline_of_the_step_it_leaves() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    state, _ = start(chain, region=VILLAGE, submitted_on=LATE_DECEMBER, answers={}, calendar=NOT_YET)
    state, _ = apply(chain, state, Accept(), actor=VILLAGE_HANDLER, today=LATE_DECEMBER, calendar=LEARNT)
    assert state.due_on == dt.date(2027, 1, 5)
