"""What the applicant's status page says: steps, dates, days left, the refusal and the appeal, in plain words."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao.workflow import Chain, Recorded, WorkingCalendar, apply, start
from shenbao.workflow.model import (
    APPLICANT,
    Accept,
    Action,
    Appeal,
    Approve,
    GiveRelief,
    PassUp,
    RecordCheck,
    Refuse,
)
from shenbao.workflow.progress import ApplicantView, applicant_view, day_text

from .support import CALENDAR, CHECK_ANSWERS, HANDLERS, VILLAGE, VILLAGE_HANDLER, gansu_chain

D = dt.date.fromisoformat
MONDAY = D("2026-06-01")


class Case:
    """An application of the 2023 chain driven step by step, with its history kept."""

    def __init__(
        self,
        chain: Chain,
        answers: dict[str, object] | None = None,
        *,
        calendar: WorkingCalendar = CALENDAR,
        submitted_on: dt.date = MONDAY,
    ) -> None:
        self.chain = chain
        self.calendar = calendar
        self.state, events = start(
            chain, region=VILLAGE, submitted_on=submitted_on, answers=answers or {}, calendar=calendar
        )
        self.history = [event for event in events if isinstance(event, Recorded)]

    def do(self, action: object, on: dt.date, actor: object = None) -> Case:
        who = actor or HANDLERS[self.chain.step(self.state.step).role]
        self.state, events = apply(
            self.chain, self.state, action, actor=who, today=on, calendar=self.calendar
        )  # type: ignore[arg-type]
        self.history += [event for event in events if isinstance(event, Recorded)]
        return self

    def view(self, today: dt.date) -> ApplicantView:
        return applicant_view(self.chain, self.state, self.history, today=today, calendar=self.calendar)

    def refused(self, on: dt.date = MONDAY) -> Case:
        self.do(Accept(), on).do(RecordCheck(answers=CHECK_ANSWERS), on)
        return self.do(Refuse(reason="家庭人均纯收入高于监测标准"), on)


@pytest.fixture
def chain() -> Chain:
    return gansu_chain("gansu-yijian-2023")


def _steps(view: ApplicantView) -> list[tuple[str, str]]:
    return [(step.state, step.when) for step in view.steps]


def test_a_new_application_is_at_the_village_check_with_days_left(chain: Chain) -> None:
    view = Case(chain).view(D("2026-06-03"))
    assert (view.status, view.headline) == ("in_progress", "正在办理")
    assert view.summary == "现在到了“村级核查”这一步。"
    current = view.steps[0]
    assert (current.state, current.label, current.when) == ("current", "正在办理", "6月1日开始")
    assert current.deadline == "规定6月8日前办完，还剩3个工作日" and not current.overdue
    assert [step.state for step in view.steps[1:]] == ["waiting"] * 5
    assert view.final_deadline == "全部环节规定6月23日前办完。"  # 19 June is the Dragon Boat Festival
    assert not view.appeal_open and view.appeal_note == "" and view.reason == ""


def test_an_overdue_step_says_by_how_many_working_days(chain: Chain) -> None:
    current = Case(chain).view(D("2026-06-10")).steps[0]
    assert current.overdue and current.deadline == "规定6月8日前办完，已超过期限2个工作日"


def test_done_steps_carry_their_day(chain: Chain) -> None:
    case = Case(chain).do(Accept(), MONDAY).do(RecordCheck(answers=CHECK_ANSWERS), D("2026-06-02"))
    case.do(PassUp(), D("2026-06-03"))
    view = case.view(D("2026-06-04"))
    assert _steps(view)[:3] == [("done", "6月2日"), ("done", "6月3日"), ("current", "6月3日开始")]


def test_a_refusal_shows_its_reason_and_until_when_to_appeal(chain: Chain) -> None:
    view = Case(chain).refused().view(D("2026-06-03"))
    assert (view.status, view.headline) == ("refused", "没有通过")
    assert view.summary == "经村里答复，您家不符合认定标准。" and view.reason == "家庭人均纯收入高于监测标准"
    assert _steps(view)[:2] == [("done", "6月1日"), ("refused", "6月1日")]
    assert [step.state for step in view.steps[2:]] == ["stopped"] * 4
    assert view.appeal_open and view.appeal_note == (
        "如果您觉得结论不对，可以在6月15日前申请复核（还剩8个工作日），乡镇会重新审核。"
    )
    assert view.final_deadline == ""


def test_after_the_window_the_page_says_it_has_passed(chain: Chain) -> None:
    view = Case(chain).refused().view(D("2026-06-16"))
    assert not view.appeal_open and "6月15日）已经过了" in view.appeal_note


def test_an_appealed_case_is_back_at_the_township(chain: Chain) -> None:
    case = Case(chain).refused().do(Appeal(reason="看病花了很多钱没有算"), D("2026-06-03"), APPLICANT)
    view = case.view(D("2026-06-04"))
    assert (view.status, view.headline) == ("in_progress", "正在办理") and "乡镇复核" in view.summary
    assert [step.state for step in view.steps] == [
        "done",
        "appealed",
        "skipped",
        "current",
        "waiting",
        "waiting",
    ]
    assert view.steps[1].label == "没有通过，已申请复核"
    assert view.steps[3].deadline == "规定6月25日前办完，还剩14个工作日"
    assert view.appealed == "您在6月3日申请了复核" and view.appeal_reason == "看病花了很多钱没有算"


def test_a_refusal_after_the_appeal_is_final_on_the_page(chain: Chain) -> None:
    case = Case(chain).refused().do(Appeal(reason="看病花了很多钱没有算"), D("2026-06-03"), APPLICANT)
    case.do(Refuse(reason="复核后收入仍高于标准"), D("2026-06-05"))
    view = case.view(D("2026-06-05"))
    assert view.reason == "复核后收入仍高于标准" and not view.appeal_open
    assert "已经申请过一次复核" in view.appeal_note


def _approved(case: Case) -> tuple[Case, dt.date]:
    """``case`` taken through every step to the end, one working day a step; and the last day."""
    case.do(Accept(), MONDAY)
    day = MONDAY
    while case.state.status == "in_progress":
        day = CALENDAR.add_working_days(day, 1)
        step = case.chain.step(case.state.step)
        action: Action = PassUp()
        if step.id == "household_check":
            action = RecordCheck(answers=CHECK_ANSWERS)
        elif "approve" in step.actions:
            action = Approve()
        case.do(action, day)
    return case, day


def test_an_approved_application_has_every_step_done(chain: Chain) -> None:
    case, day = _approved(Case(chain))
    view = case.view(day)
    assert (view.status, view.headline) == ("approved", "已经通过")
    assert all(step.state == "done" for step in view.steps) and view.steps[-1].when == day_text(day, day)


@pytest.mark.parametrize("name", ["gansu-yijian-2023", "gansu-zizhu-2021"])
def test_the_timeline_names_each_step_by_its_public_name(name: str) -> None:
    chain = gansu_chain(name)
    view = Case(chain).refused().view(D("2026-06-03"))
    assert [step.name for step in view.steps] == [str(step.public_name) for step in chain.steps]
    assert view.steps[1].name == "村里答复" and view.summary == "经村里答复，您家不符合认定标准。"
    shown = " ".join([view.summary, view.appeal_note, *(f"{step.name} {step.label}" for step in view.steps)])
    staff_only = {str(step.name) for step in chain.steps} - {str(step.public_name) for step in chain.steps}
    assert staff_only and not [word for word in staff_only if word in shown]


GREEN_ANSWERS: dict[str, object] = {"hardship": ["disaster"]}


def test_the_green_channel_and_the_relief_are_named(chain: Chain) -> None:
    case = Case(chain, GREEN_ANSWERS).do(
        GiveRelief(what="临时救助金2000元"), D("2026-06-02"), VILLAGE_HANDLER
    )
    view = case.view(D("2026-06-03"))
    assert view.green == "绿色通道" and view.relief == "6月2日已先行救助：临时救助金2000元"


def test_a_refused_green_case_has_no_green_channel_but_keeps_its_relief(chain: Chain) -> None:
    case = (
        Case(chain, GREEN_ANSWERS).do(GiveRelief(what="临时救助金2000元"), MONDAY, VILLAGE_HANDLER).refused()
    )
    view = case.view(D("2026-06-03"))
    assert case.state.green and view.status == "refused"
    assert view.green == "" and view.relief == "6月1日已先行救助：临时救助金2000元"


def test_an_approved_green_case_has_no_green_channel(chain: Chain) -> None:
    case, day = _approved(Case(chain, GREEN_ANSWERS))
    assert case.state.green and case.view(day).green == ""


def test_an_appealed_green_case_is_open_again_and_green_again(chain: Chain) -> None:
    case = (
        Case(chain, GREEN_ANSWERS)
        .refused()
        .do(Appeal(reason="看病花了很多钱没有算"), D("2026-06-03"), APPLICANT)
    )
    assert case.view(D("2026-06-04")).green == "绿色通道"


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_pending(chain: Chain) -> None:
    case = Case(chain, calendar=WorkingCalendar(), submitted_on=D("2026-12-28"))
    view = case.view(D("2026-12-29"))
    assert view.steps[0].deadline == "期限待定" and view.final_deadline == ""


def test_a_day_of_another_year_names_the_year() -> None:
    assert day_text(D("2027-01-05"), D("2026-12-29")) == "2027年1月5日"
    assert day_text(D("2026-12-31"), D("2026-12-29")) == "12月31日"
