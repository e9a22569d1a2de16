"""The applicant's appeal (申请复核): who may, when, how often, and how the case reopens at the township."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from shenbao.workflow import (
    ApplicationState,
    Chain,
    Notify,
    Recorded,
    TransitionRefused,
    WorkingCalendar,
    apply,
)
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.engine import appeal_deadline, fill_deadlines, sms_text
from shenbao.workflow.model import APPLICANT, Accept, Action, Appeal, PassUp, RecordCheck, Refuse
from shenbao.workflow.stored import history_of, workflow_json

from .support import (
    CALENDAR,
    CHECK_ANSWERS,
    TOWNSHIP_HANDLER,
    VILLAGE,
    VILLAGE_HANDLER,
    act,
    gansu_chain,
    submitted,
)

D = dt.date.fromisoformat
REASON = "我家去年因病花了六万元，收入没有算对"
REFUSED_ON = D("2026-09-30")
"""A Wednesday before National Day: 10 working days later is 20 October (1–7 October off, 10 October worked)."""


def refused(chain: Chain, on: dt.date = REFUSED_ON, calendar: WorkingCalendar = CALENDAR) -> ApplicationState:
    """An application checked and refused at the village's answer step on ``on``."""
    state = submitted(chain)
    for action in (Accept(), RecordCheck(answers=CHECK_ANSWERS), Refuse(reason="家庭人均纯收入高于监测标准")):
        state, _ = apply(chain, state, action, actor=VILLAGE_HANDLER, today=on, calendar=calendar)
    return state


def appeal(
    chain: Chain,
    state: ApplicationState,
    today: dt.date,
    reason: str = REASON,
    calendar: WorkingCalendar = CALENDAR,
) -> tuple[ApplicationState, list[Recorded | Notify]]:
    return apply(chain, state, Appeal(reason=reason), actor=APPLICANT, today=today, calendar=calendar)


@pytest.fixture
def chain() -> Chain:
    return gansu_chain("gansu-yijian-2023")


def test_a_refusal_records_its_day(chain: Chain) -> None:
    state = refused(chain)
    assert (state.status, state.step, state.refused_on, state.due_on) == (
        "refused",
        "check_answer",
        REFUSED_ON,
        None,
    )


def test_an_appeal_reopens_the_case_at_the_township(chain: Chain) -> None:
    state = refused(chain)
    today = D("2026-10-12")
    new, events = appeal(chain, state, today, reason=f"  {REASON}  ")
    assert (new.status, new.step, new.step_started_on) == ("in_progress", "township_review", today)
    assert (new.appealed_on, new.refused_on) == (today, None)
    # The township step's 15 working days "from submission" count from the appeal: the submission's have passed.
    assert new.due_on == CALENDAR.add_working_days(today, 15) == D("2026-11-02")
    assert new.final_due_on == new.due_on
    history, *notices = events
    assert history == Recorded(
        action="appeal", step="township_review", actor="applicant", on=today, text=REASON
    )
    [notice] = notices
    assert isinstance(notice, Notify)
    assert (notice.to, notice.role, notice.region, notice.template) == (
        "handler",
        "township",
        "620102001",
        "appeal",
    )
    text = sms_text(chain, notice, receipt="261012345678")
    assert "261012345678" in text and "乡镇复核" in text and "11月2日" in text
    assert REASON not in text  # the applicant's words stay in the history, never in a government SMS


def test_the_2021_chain_reopens_at_its_township_check() -> None:
    chain = gansu_chain("gansu-zizhu-2021")
    new, events = appeal(chain, refused(chain), D("2026-10-09"))
    assert (new.status, new.step) == ("in_progress", "township_check")
    assert [event.template for event in events if isinstance(event, Notify)] == ["appeal"]


def test_the_reopened_case_goes_on_with_deadlines_from_the_appeal(chain: Chain) -> None:
    today = D("2026-10-12")
    state, _ = appeal(chain, refused(chain), today)
    state, _ = act(chain, state, PassUp(), D("2026-10-13"))
    assert state.step == "county_approval"
    assert state.due_on == CALENDAR.add_working_days(today, 15)  # not the submission's 21 October


def test_the_last_day_of_the_window_counts_working_days_across_national_day(chain: Chain) -> None:
    state = refused(chain)
    assert appeal_deadline(chain, state, CALENDAR) == D("2026-10-20")
    # Ten calendar days would end on 10 October: the holiday does not eat the farmer's time.
    assert appeal(chain, state, D("2026-10-15"))[0].status == "in_progress"
    assert appeal(chain, state, D("2026-10-20"))[0].status == "in_progress"
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, state, D("2026-10-21"))
    assert refusal.value.kind == "state" and "10个工作日" in refusal.value.message
    assert "10月20日" in refusal.value.message and "过了期限" in refusal.value.message


def test_the_window_skips_the_weekend_and_the_dragon_boat_festival(chain: Chain) -> None:
    friday = D("2026-06-05")
    state = refused(chain, on=friday)
    # 8–12, 15–18 June, then Friday 19 June is the Dragon Boat Festival: the tenth working day is Monday 22.
    assert appeal_deadline(chain, state, CALENDAR) == D("2026-06-22")
    assert appeal(chain, state, D("2026-06-21"))[0].status == "in_progress"  # a Sunday inside the window
    with pytest.raises(TransitionRefused):
        appeal(chain, state, D("2026-06-23"))


@pytest.mark.parametrize("status", ["in_progress", "approved"])
def test_only_a_refused_application_may_be_appealed(chain: Chain, status: str) -> None:
    state = msgspec.structs.replace(submitted(chain), status=status)
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, state, REFUSED_ON)
    assert refusal.value.kind == "state" and "不需要申请复核" in refusal.value.message


def test_an_application_is_appealed_at_most_once(chain: Chain) -> None:
    state, _ = appeal(chain, refused(chain), D("2026-10-12"))
    state, _ = apply(
        chain,
        state,
        Refuse(reason="复核后仍高于标准"),
        actor=TOWNSHIP_HANDLER,
        today=D("2026-10-14"),
        calendar=CALENDAR,
    )
    assert (state.status, state.refused_on) == ("refused", D("2026-10-14"))
    assert appeal_deadline(chain, state, CALENDAR) == D(
        "2026-10-28"
    )  # the window is shown; the appeal is not taken
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, state, D("2026-10-15"))
    assert refusal.value.kind == "state" and "已经申请过一次复核" in refusal.value.message


def test_an_appeal_posted_twice_reopens_the_case_once(chain: Chain) -> None:
    state, _ = appeal(chain, refused(chain), D("2026-10-12"))
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, state, D("2026-10-12"))
    assert refusal.value.kind == "state"


@pytest.mark.parametrize("reason", ["", "   ", "不对", "不对啊"])
def test_an_appeal_needs_a_reason(chain: Chain, reason: str) -> None:
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, refused(chain), D("2026-10-12"), reason=reason)
    assert (refusal.value.kind, refusal.value.field) == ("field", "reason")
    assert "理由" in refusal.value.message and "4个字" in refusal.value.message


def test_a_reason_past_the_limit_is_refused_at_the_field(chain: Chain) -> None:
    with pytest.raises(TransitionRefused) as refusal:
        appeal(chain, refused(chain), D("2026-10-12"), reason="收" * 501)
    assert (refusal.value.kind, refusal.value.field) == ("field", "reason") and "500" in refusal.value.message


@pytest.mark.parametrize("actor", [VILLAGE_HANDLER, TOWNSHIP_HANDLER], ids=["village", "township"])
def test_staff_can_never_appeal(chain: Chain, actor: object) -> None:
    state = refused(chain)
    with pytest.raises(TransitionRefused) as refusal:
        apply(chain, state, Appeal(reason=REASON), actor=actor, today=D("2026-10-12"), calendar=CALENDAR)  # type: ignore[arg-type]
    assert refusal.value.kind == "role" and "申请人本人" in refusal.value.message


@pytest.mark.parametrize(
    "action", [Accept(), PassUp(), Refuse(reason="我自己不要了")], ids=["accept", "pass_up", "refuse"]
)
def test_the_applicant_takes_no_staff_action(chain: Chain, action: Action) -> None:
    state = submitted(chain)
    with pytest.raises(TransitionRefused) as refusal:
        apply(chain, state, action, actor=APPLICANT, today=REFUSED_ON, calendar=CALENDAR)
    assert refusal.value.kind == "role"


def test_a_chain_without_an_appeal_role_takes_no_appeals(chain: Chain) -> None:
    closed = msgspec.structs.replace(chain, appeal_role=None, appeal_days=None)
    state = refused(closed)
    assert appeal_deadline(closed, state, CALENDAR) is None
    with pytest.raises(TransitionRefused) as refusal:
        appeal(closed, state, D("2026-10-12"))
    assert refusal.value.kind == "action"


NOT_YET = WorkingCalendar()
# Test data only, not the State Council's arrangement: 2027 as a plain week with New Year's Day off.
LEARNT = WorkingCalendar({2027: YearOverride(holidays=[dt.date(2027, 1, 1)])})


def test_an_appeal_into_a_year_the_calendar_does_not_know_is_taken_and_its_deadline_filled_later(
    chain: Chain,
) -> None:
    state = refused(chain, on=D("2026-12-28"), calendar=NOT_YET)
    assert appeal_deadline(chain, state, NOT_YET) is None  # the window ends in 2027: never refused on a guess
    today = D("2027-01-11")
    new, events = appeal(chain, state, today, calendar=NOT_YET)
    assert (new.status, new.step, new.due_on, new.final_due_on) == (
        "in_progress",
        "township_review",
        None,
        None,
    )
    [notice] = [event for event in events if isinstance(event, Notify)]
    assert "规定期限" in sms_text(chain, notice, receipt="261228000000")
    filled = fill_deadlines(chain, new, LEARNT)
    assert filled.due_on == LEARNT.add_working_days(today, 15) == filled.final_due_on


def test_a_refusal_stored_before_its_day_was_kept_gets_it_from_the_history(chain: Chain) -> None:
    state = refused(chain)
    history = [Recorded(action="refuse", step="check_answer", actor="v1", on=REFUSED_ON, text="收入高")]
    stored = workflow_json(msgspec.structs.replace(state, refused_on=None), history, [])
    assert "refused_on" not in stored
    assert history_of(stored)[0].refused_on == REFUSED_ON


def test_the_appeal_is_the_applicant_in_the_history_of_a_stored_state(chain: Chain) -> None:
    state = refused(chain)
    new, events = appeal(chain, state, D("2026-10-12"))
    stored = workflow_json(new, [], events)
    back, history = history_of(stored)
    assert back == new and [(row.action, row.actor) for row in history] == [("appeal", "applicant")]
    assert back.region == VILLAGE
