"""The state machine: every step's actions allowed and refused, deadlines, events, the green channel."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import msgspec
import pytest

from shenbao.workflow import Actor, ApplicationState, Chain, Notify, Recorded, TransitionRefused, apply, start
from shenbao.workflow.engine import sms_text, sort_key
from shenbao.workflow.lint import decode_chain
from shenbao.workflow.model import (
    Accept,
    Action,
    Approve,
    GiveRelief,
    PassUp,
    RecordCheck,
    Refuse,
    ReturnForRework,
)

from .support import (
    CALENDAR,
    CHECK_ANSWERS,
    COUNTY_HANDLER,
    HANDLERS,
    SUBMITTED,
    TOWNSHIP_HANDLER,
    VILLAGE,
    VILLAGE_HANDLER,
    act,
    gansu_chain,
    submitted,
)

D = dt.date.fromisoformat
GOOD: dict[str, Action] = {
    "accept": Accept(),
    "record_check": RecordCheck(answers=CHECK_ANSWERS),
    "refuse": Refuse(reason="家庭人均纯收入高于监测标准"),
    "pass_up": PassUp(),
    "approve": Approve(),
    "return": ReturnForRework(reason="缺少授权书签字"),
    "relief": GiveRelief(what="发放临时救助金2000元"),
}
STEP_ACTIONS = ["accept", "record_check", "refuse", "pass_up", "approve", "return"]
FORWARD = {"record_check", "pass_up", "approve"}


def at_step(chain: Chain, step_id: str, answers: dict[str, Any] | None = None) -> ApplicationState:
    """An application moved forward, one step a day from :data:`SUBMITTED`, until it reaches ``step_id``."""
    state = submitted(chain, answers)
    today = SUBMITTED
    while state.step != step_id:
        step = chain.step(state.step)
        forward = next(name for name in step.actions if name in FORWARD)
        today = CALENDAR.add_working_days(today, 1)
        state, _ = act(chain, state, GOOD[forward], today)
    return state


def _every(allowed: bool) -> list[Any]:
    cases = []
    for name in ("gansu-yijian-2023", "gansu-zizhu-2021"):
        for step in gansu_chain(name).steps:
            for action in STEP_ACTIONS:
                if (action in step.actions) is allowed:
                    cases.append(pytest.param(name, step.id, action, id=f"{name[6:]} {step.id} {action}"))
    return cases


@pytest.mark.parametrize(("chain_name", "step_id", "action"), _every(allowed=True))
def test_every_allowed_action(chain_name: str, step_id: str, action: str) -> None:
    chain = gansu_chain(chain_name)
    state = at_step(chain, step_id)
    new, events = act(chain, state, GOOD[action], D("2026-10-20"))
    assert isinstance(events[0], Recorded)
    assert (events[0].action, events[0].step, events[0].actor) == (
        action,
        step_id,
        HANDLERS[chain.step(step_id).role].id,
    )
    position = chain.index(step_id)
    if action in FORWARD:
        expected = chain.steps[position + 1].id if position + 1 < len(chain.steps) else step_id
        assert (new.step, new.status) == (expected, "in_progress" if expected != step_id else "approved")
    elif action == "return":
        assert (new.step, new.status) == (chain.steps[position - 1].id, "in_progress")
    elif action == "refuse":
        assert (new.step, new.status, new.due_on) == (step_id, "refused", None)
    else:
        assert (new.step, new.accepted_on) == (step_id, D("2026-10-20"))


@pytest.mark.parametrize(("chain_name", "step_id", "action"), _every(allowed=False))
def test_every_action_a_step_does_not_allow_is_refused(chain_name: str, step_id: str, action: str) -> None:
    chain = gansu_chain(chain_name)
    state = at_step(chain, step_id)
    with pytest.raises(TransitionRefused) as refused:
        act(chain, state, GOOD[action])
    assert refused.value.kind == "action"
    assert "环节" in refused.value.message


def _refused(chain: Chain) -> ApplicationState:
    state = at_step(chain, "check_answer")
    return act(chain, state, GOOD["refuse"])[0]


def _approved(chain: Chain) -> ApplicationState:
    return act(chain, at_step(chain, "national_entry"), PassUp())[0]


OTHER_VILLAGE = Actor(id="v2", role="village", region="620102001002")
REFUSALS = [
    pytest.param("household_check", Accept(), TOWNSHIP_HANDLER, "role", None, id="township handler at the village check"),
    pytest.param("village_review", PassUp(), COUNTY_HANDLER, "role", None, id="county handler out of turn"),
    pytest.param("county_approval", Approve(), TOWNSHIP_HANDLER, "role", None, id="township approves for the county"),
    pytest.param("household_check", Accept(), OTHER_VILLAGE, "region", None, id="handler of another village"),
    pytest.param("township_review", PassUp(), Actor(id="t2", role="township", region="620102002"),
                 "region", None, id="handler of another township"),
    pytest.param("county_approval", Approve(), Actor(id="c2", role="county", region="620103"),
                 "region", None, id="handler of another county"),
    pytest.param("household_check", Accept(), Actor(id="x", role="village", region="620102001"),
                 "region", None, id="village role with a township's region"),
    pytest.param("check_answer", Refuse(), VILLAGE_HANDLER, "field", "reason", id="refusal without a reason"),
    pytest.param("check_answer", Refuse(reason="   不符合 "), VILLAGE_HANDLER, "field", "reason",
                 id="refusal with a reason too short"),
    pytest.param("township_review", ReturnForRework(), TOWNSHIP_HANDLER, "field", "reason",
                 id="return without a reason"),
    pytest.param("household_check", RecordCheck(), VILLAGE_HANDLER, "field", "answers",
                 id="household check without answers"),
    pytest.param("household_check", GiveRelief(what="救助"), VILLAGE_HANDLER, "state", None,
                 id="relief outside the green channel"),
]  # fmt: skip


@pytest.mark.parametrize(("step_id", "action", "actor", "kind", "field"), REFUSALS)
def test_refused_and_nothing_changes(
    yijian_chain: Chain, step_id: str, action: Action, actor: Actor, kind: str, field: str | None
) -> None:
    state = at_step(yijian_chain, step_id)
    before = msgspec.json.encode(state)
    with pytest.raises(TransitionRefused) as refused:
        apply(yijian_chain, state, action, actor=actor, today=SUBMITTED, calendar=CALENDAR)
    assert (refused.value.kind, refused.value.field) == (kind, field)
    if field:
        assert field in refused.value.message
    assert msgspec.json.encode(state) == before


@pytest.mark.parametrize(
    ("finish", "action"),
    [
        pytest.param(_refused, PassUp(), id="refused then passed up"),
        pytest.param(_refused, Refuse(reason="再次不予纳入"), id="refused twice"),
        pytest.param(_approved, PassUp(), id="approved then passed up"),
        pytest.param(_approved, ReturnForRework(reason="重新录入系统"), id="approved then returned"),
    ],
)
def test_a_finished_application_takes_no_more_steps(yijian_chain: Chain, finish: Any, action: Action) -> None:
    state = finish(yijian_chain)
    with pytest.raises(TransitionRefused, match="办结") as refused:
        act(yijian_chain, state, action)
    assert refused.value.kind == "state"


def test_accepting_twice_is_refused(yijian_chain: Chain) -> None:
    state, _ = act(yijian_chain, submitted(yijian_chain), Accept())
    with pytest.raises(TransitionRefused, match="已经受理"):
        act(yijian_chain, state, Accept())


def test_submission_notifies_the_village_handler(yijian_chain: Chain) -> None:
    state, events = start(yijian_chain, region=VILLAGE, submitted_on=SUBMITTED, answers={}, calendar=CALENDAR)
    assert (state.step, state.due_on, state.final_due_on) == (
        "household_check",
        D("2026-10-13"),
        D("2026-10-27"),
    )
    assert events[0] == Recorded(action="submit", step="household_check", actor="applicant", on=SUBMITTED)
    sms = events[1]
    assert isinstance(sms, Notify)
    assert (sms.to, sms.role, sms.region, sms.template) == (
        "handler",
        "village",
        VILLAGE,
        "new_application",
    )
    text = sms_text(yijian_chain, sms, receipt="GS20260930001")
    assert text == "【甘肃一键报贫】您村有一份新申请（受理号GS20260930001），请在10月13日前入户核查。"


def test_the_2021_chain_runs_25_working_days(zizhu_chain: Chain) -> None:
    state = submitted(zizhu_chain)
    assert (state.due_on, state.final_due_on) == (D("2026-10-13"), D("2026-11-10"))


def test_the_answer_is_due_5_working_days_after_the_check(yijian_chain: Chain) -> None:
    state, events = act(yijian_chain, submitted(yijian_chain), GOOD["record_check"], D("2026-10-09"))
    assert (state.step, state.checked_on, state.accepted_on) == (
        "check_answer",
        D("2026-10-09"),
        D("2026-10-09"),
    )
    assert state.due_on == D("2026-10-15")  # 10 (a worked Saturday), 12, 13, 14, 15 October
    assert isinstance(events[0], Recorded) and events[0].answers == CHECK_ANSWERS


def test_later_steps_share_the_15_day_limit_and_notify_the_township(yijian_chain: Chain) -> None:
    state, events = act(yijian_chain, at_step(yijian_chain, "village_review"), PassUp(), D("2026-10-20"))
    assert (state.step, state.due_on) == ("township_review", D("2026-10-27"))
    sms = [event for event in events if isinstance(event, Notify)]
    assert [(m.role, m.region, m.template) for m in sms] == [("township", "620102001", "step_waiting")]


def test_a_refusal_tells_the_applicant_why(yijian_chain: Chain) -> None:
    _, events = act(yijian_chain, at_step(yijian_chain, "check_answer"), GOOD["refuse"])
    sms = next(event for event in events if isinstance(event, Notify))
    assert (sms.to, sms.region) == ("applicant", VILLAGE)
    assert "家庭人均纯收入高于监测标准" in sms_text(yijian_chain, sms, receipt="R1")
    assert "乡镇申请复核" in sms_text(yijian_chain, sms, receipt="R1")


@pytest.mark.parametrize("chain_name", ["gansu-yijian-2023", "gansu-zizhu-2021"])
def test_the_refusal_sms_names_the_step_in_the_applicants_words(chain_name: str) -> None:
    chain = gansu_chain(chain_name)
    _, events = act(chain, at_step(chain, "check_answer"), GOOD["refuse"])
    sms = next(event for event in events if isinstance(event, Notify))
    text = sms_text(chain, sms, receipt="R1")
    assert re.search("经村里答复(不符合认定标准|未通过)：家庭人均纯收入高于监测标准。", text)
    assert str(chain.step("check_answer").name) not in text  # 答复农户, 核查结果告知


def _applicant_and_handler_steps() -> list[Any]:
    """Every step of the Gansu chains that texts someone, with the action (or ``enter``) that does."""
    cases = []
    for name in ("gansu-yijian-2023", "gansu-zizhu-2021"):
        for step in gansu_chain(name).steps:
            for on in sorted({note.on for note in step.notify} - {"appeal"}):
                cases.append(pytest.param(name, step.id, on, id=f"{name[6:]} {step.id} {on}"))
    return cases


@pytest.mark.parametrize(("chain_name", "step_id", "on"), _applicant_and_handler_steps())
def test_every_sms_names_the_step_as_its_reader_calls_it(chain_name: str, step_id: str, on: str) -> None:
    chain = gansu_chain(chain_name)
    step = chain.step(step_id)
    if on == "enter":
        position = chain.index(step_id)
        if position == 0:
            _, events = start(chain, region=VILLAGE, submitted_on=SUBMITTED, answers={}, calendar=CALENDAR)
        else:
            before = chain.steps[position - 1]
            forward = next(name for name in before.actions if name in FORWARD)
            _, events = act(chain, at_step(chain, before.id), GOOD[forward])
    else:
        _, events = act(chain, at_step(chain, step_id), GOOD[on])
    sent = [(event.to, event.values["step"]) for event in events if isinstance(event, Notify)]
    expected = [(note.to, step.name_for(note.to)) for note in step.notify if note.on == on]
    assert sent == expected and expected
    assert step.name_for("applicant") == str(step.public_name) and step.name_for("handler") == str(step.name)


TWO_READERS = decode_chain(
    json.dumps(
        {
            "id": "two-readers",
            "version": 1,
            "title": "两种读者",
            "deadline": {"working_days": 15},
            "steps": [
                {
                    "id": "answer",
                    "name": "答复农户",
                    "public_name": {"zh": "村里答复", "bo": "..."},
                    "role": "village",
                    "deadline": {"working_days": 5},
                    "actions": ["refuse", "approve"],
                    "notify": [
                        {"on": "enter", "to": "handler", "template": "told"},
                        {"on": "enter", "to": "applicant", "template": "told"},
                        {"on": "refuse", "to": "applicant", "template": "told"},
                        {"on": "refuse", "to": "handler", "template": "told"},
                    ],
                }
            ],
            "sms": {"told": "申请{receipt}在{step}"},
        }
    )
)
"""One step that texts both the handler and the applicant on entering it and on a refusal."""


def test_the_same_event_names_the_step_for_each_reader() -> None:
    _, entered = start(TWO_READERS, region=VILLAGE, submitted_on=SUBMITTED, answers={}, calendar=CALENDAR)
    state = submitted(TWO_READERS)
    _, refused = act(TWO_READERS, state, GOOD["refuse"])
    for events in (entered, refused):
        texts = {
            event.to: sms_text(TWO_READERS, event, receipt="R1")
            for event in events
            if isinstance(event, Notify)
        }
        assert texts == {"handler": "申请R1在答复农户", "applicant": "申请R1在村里答复"}


def test_a_return_restarts_a_relative_deadline(yijian_chain: Chain) -> None:
    state = at_step(yijian_chain, "village_review")
    state, events = act(yijian_chain, state, GOOD["return"], D("2026-10-20"))
    assert (state.step, state.due_on) == ("check_answer", D("2026-10-27"))
    assert isinstance(events[0], Recorded) and events[0].text == "缺少授权书签字"


def test_a_return_to_the_check_keeps_the_deadline_from_submission(yijian_chain: Chain) -> None:
    state, _ = act(yijian_chain, at_step(yijian_chain, "check_answer"), GOOD["return"], D("2026-10-12"))
    assert (state.step, state.due_on) == ("household_check", D("2026-10-13"))


GREEN_2023 = {"hardship": ["disaster"]}


def test_green_channel_relief_before_the_steps_finish(yijian_chain: Chain) -> None:
    state, events = start(
        yijian_chain, region=VILLAGE, submitted_on=SUBMITTED, answers=GREEN_2023, calendar=CALENDAR
    )
    assert state.green
    assert isinstance(events[1], Notify) and "（绿色通道）" in sms_text(yijian_chain, events[1], receipt="R1")
    for relief_by in (VILLAGE_HANDLER, TOWNSHIP_HANDLER, COUNTY_HANDLER):
        helped, recorded = apply(
            yijian_chain, state, GOOD["relief"], actor=relief_by, today=D("2026-10-08"), calendar=CALENDAR
        )
        assert (helped.relief_on, helped.step, helped.due_on) == (D("2026-10-08"), state.step, state.due_on)
        assert isinstance(recorded[0], Recorded) and recorded[0].text == "发放临时救助金2000元"
    with pytest.raises(TransitionRefused, match="已经记录过") as twice:
        act(yijian_chain, helped, GOOD["relief"])
    assert twice.value.kind == "state"


@pytest.mark.parametrize(
    ("action", "actor", "kind"),
    [
        pytest.param(GOOD["relief"], VILLAGE_HANDLER, "state", id="relief after the case is finished"),
        pytest.param(GiveRelief(), VILLAGE_HANDLER, "field", id="relief without saying what"),
        pytest.param(GOOD["relief"], OTHER_VILLAGE, "region", id="relief in another village"),
        pytest.param(GOOD["relief"], Actor(id="p", role="province_admin", region="62"), "role",
                     id="relief by a role the chain does not name"),
    ],
)  # fmt: skip
def test_relief_refused(yijian_chain: Chain, action: Action, actor: Actor, kind: str) -> None:
    state = submitted(yijian_chain, GREEN_2023)
    if kind == "state":
        state = msgspec.structs.replace(state, status="refused", due_on=None)
    with pytest.raises(TransitionRefused) as refused:
        apply(yijian_chain, state, action, actor=actor, today=SUBMITTED, calendar=CALENDAR)
    assert refused.value.kind == kind


def test_green_cases_sort_first_then_by_deadline(yijian_chain: Chain) -> None:
    ordinary = submitted(yijian_chain)
    late_green = msgspec.structs.replace(submitted(yijian_chain, GREEN_2023), due_on=D("2026-11-30"))
    early = msgspec.structs.replace(ordinary, due_on=D("2026-10-09"))
    done = _refused(yijian_chain)
    assert sorted([done, ordinary, early, late_green], key=sort_key) == [late_green, early, ordinary, done]


def test_the_whole_2023_chain(yijian_chain: Chain) -> None:
    state = at_step(yijian_chain, "national_entry")
    state, events = act(yijian_chain, state, PassUp(note="已录入国家系统"), D("2026-10-26"))
    assert (state.status, state.due_on, state.step) == ("approved", None, "national_entry")
    assert [type(event) for event in events] == [Recorded]
