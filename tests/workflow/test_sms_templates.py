"""What each SMS may say: the variables of each event (checked against what the engine really fills), the length
as sent, the preview, and the lint codes C025 (a variable the event lacks) and C026 (longer than one SMS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from shenbao.forms.lint_zh import in_chinese
from shenbao.workflow import Chain, Notify, apply
from shenbao.workflow.lint import WARNING_CODES, chain_warnings, lint_chain
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
    ReturnForRework,
)
from shenbao.workflow.reminders import deadline_notice
from shenbao.workflow.sms_templates import (
    EVENT_VARIABLES,
    SMS_LIMIT,
    allowed_variables,
    longest_values,
    sample_text,
    sign_problems,
    sms_length,
    sms_parts,
    sms_problems,
    sms_warnings,
    template_uses,
    template_variables,
)

from .support import CALENDAR, CHECK_ANSWERS, act, gansu_chain, submitted

ALL_EVENTS = ["enter", "accept", "record_check", "refuse", "pass_up", "approve", "return", "relief", "appeal"]


def _every_event_chain() -> Chain:
    """A two-step chain whose steps send a message on every event, so the engine's values can be read off."""
    notify = [{"on": on, "to": "handler", "template": on} for on in ALL_EVENTS if on != "appeal"]
    data = {
        "id": "every",
        "version": 1,
        "title": "每种短信",
        "deadline": {"working_days": 15},
        "appeal_role": "township",
        "appeal_days": 10,
        "green_channel": {"when": "true", "relief_roles": ["village", "township"]},
        "steps": [
            {"id": "a", "name": "甲", "public_name": "甲", "role": "village", "deadline": {"working_days": 5},
             "actions": ["accept", "record_check", "refuse"], "notify": notify},
            {"id": "b", "name": "乙", "public_name": "乙", "role": "township", "deadline": {"working_days": 5},
             "actions": ["pass_up", "approve", "refuse", "return"],
             "notify": [*notify, {"on": "appeal", "to": "handler", "template": "appeal"}]},
        ],
        "sms": {on: on for on in [*ALL_EVENTS, "remind", "escalate"]},
        "reminders": {"remind": "remind", "escalate": "escalate"},
    }  # fmt: skip
    return msgspec.convert(data, Chain)


EVERY = _every_event_chain()


def _filled(events: list[Any], template: str) -> set[str]:
    """The names the engine gave values to in the message of ``template`` (plus the store's receipt)."""
    [message] = [event for event in events if isinstance(event, Notify) and event.template == template]
    return {name for name, value in message.values.items() if value} | {"receipt"}


STEPS: list[tuple[str, str, Action]] = [
    ("accept", "a", Accept()),
    ("record_check", "a", RecordCheck(answers=CHECK_ANSWERS)),
    ("refuse", "a", Refuse(reason="收入高于标准")),
    ("return", "b", ReturnForRework(reason="请再核查一次")),
    ("relief", "b", GiveRelief(what="发放临时救助金")),
]


@pytest.mark.parametrize(("event", "at", "action"), STEPS, ids=[event for event, _, _ in STEPS])
def test_each_action_event_lists_exactly_what_the_engine_fills(event: str, at: str, action: Action) -> None:
    state = submitted(EVERY, {"x": 1})
    if at == "b":
        state, _ = act(EVERY, state, RecordCheck(answers=CHECK_ANSWERS))
    _, events = act(EVERY, state, action)
    assert _filled(events, event) == set(EVENT_VARIABLES[event])


@pytest.mark.parametrize("action", [PassUp(note="已核实"), Approve(note="同意")], ids=["pass_up", "approve"])
def test_the_staff_note_of_passing_up_and_approving_is_not_for_an_sms(action: Action) -> None:
    """The engine puts the optional note under ``reason``; a template of these events may not show it."""
    state, _ = act(EVERY, submitted(EVERY), RecordCheck(answers=CHECK_ANSWERS))
    _, events = act(EVERY, state, action)
    event = "pass_up" if isinstance(action, PassUp) else "approve"
    assert _filled(events, event) == {"receipt", "step", "reason"}
    assert "reason" not in EVENT_VARIABLES[event]


def test_entering_appealing_reminding_and_escalating_fill_what_is_listed() -> None:
    state, events = act(EVERY, submitted(EVERY, {"x": 1}), RecordCheck(answers=CHECK_ANSWERS))
    assert _filled(events, "enter") == set(EVENT_VARIABLES["enter"])
    refused, _ = act(EVERY, state, Refuse(reason="收入高于标准"))
    assert refused.refused_on is not None
    _, events = apply(EVERY, refused, Appeal(reason="家里有人生病"), actor=APPLICANT, today=refused.refused_on,
                      calendar=CALENDAR)  # fmt: skip
    assert _filled(events, "appeal") == set(EVENT_VARIABLES["appeal"])
    assert state.due_on is not None
    reminded = deadline_notice(EVERY, state, today=state.due_on - dt.timedelta(days=1), calendar=CALENDAR)
    overdue = deadline_notice(EVERY, state, today=state.due_on + dt.timedelta(days=14), calendar=CALENDAR)
    assert reminded is not None and reminded.kind == "reminder"
    assert overdue is not None and overdue.kind == "overdue"
    assert _filled([reminded.message], "remind") == set(EVENT_VARIABLES["remind"])
    assert _filled([overdue.message], "escalate") == set(EVENT_VARIABLES["escalate"])


def _gansu_with(template: str, text: str) -> Chain:
    chain = gansu_chain("gansu-yijian-2023")
    return msgspec.structs.replace(chain, sms={**chain.sms, template: text})


MISUSED = [
    pytest.param("accepted", "您的申请{receipt}已受理：{reason}", [("accepted", "reason", "accept", "household_check")],
                 id="a reason where nothing was refused"),
    pytest.param("approved", "您的申请{receipt}已审批，请在{due}前领取", [("approved", "due", "approve", "county_approval")],
                 id="a deadline after approval"),
    pytest.param("refused", "申请{receipt}{label}不符合：{reason}",
                 [("refused", "label", "refuse", "check_answer")], id="the green label after a refusal"),
    pytest.param("reminder", "申请{receipt}：{reason}", [("reminder", "reason", "remind", None)],
                 id="a reason in the reminder"),
    pytest.param("new_application", "新申请{receipt}，请在{due}前核查", [], id="what entering fills"),
    pytest.param("overdue", "申请{receipt}已超期{days}个工作日", [], id="days in the escalation"),
    pytest.param("accepted", "已受理{days}", [], id="days elsewhere is C015, not repeated"),
    pytest.param("accepted", "已受理{name}", [], id="an unknown variable is C008, not repeated"),
]  # fmt: skip


@pytest.mark.parametrize(("template", "text", "expected"), MISUSED)
def test_a_template_using_a_variable_its_event_lacks(template: str, text: str, expected: list[Any]) -> None:
    problems = sms_problems(_gansu_with(template, text), "gansu.json")
    found = [(p.values["detail"], p.values["name"], p.values["event"], p.question) for p in problems]
    assert found == expected
    assert all(problem.code == "C025" for problem in problems)


def test_c025_in_the_linter_and_in_chinese() -> None:
    chain = _gansu_with("accepted", "您的申请{receipt}已受理：{reason}")
    [problem] = [p for p in lint_chain(chain, "gansu-yijian-2023.json", {}) if p.code == "C025"]
    assert str(problem) == (
        "gansu-yijian-2023.json: household_check: C025 SMS template accepted uses {reason}, which the accept "
        "message does not have (it would be sent blank): it has {receipt}, {step}"
    )
    assert in_chinese(problem) == (
        "短信模板“accepted”用了{reason}（理由），但“受理”时发的短信没有这一项，会空着发出：请删掉它；"
        "这条短信能用的有{receipt}（受理号）、{step}（环节名称）"
    )


@pytest.mark.parametrize("name", ["gansu-yijian-2023", "gansu-zizhu-2021"])
def test_the_gansu_chains_use_only_what_their_events_have(name: str) -> None:
    assert sms_problems(gansu_chain(name)) == []


LENGTHS = [
    pytest.param("【甘肃一键报贫】您的申请{receipt}已受理。", "【甘肃一键报贫】", 8 + 4 + 14 + 4, id="own sign not counted twice"),
    pytest.param("【甘肃一键报贫】您的申请{receipt}已受理。", "【一键报贫】", 6 + 4 + 14 + 4, id="another sign replaces it"),
    pytest.param("【甘肃一键报贫】您的申请{receipt}已受理。", "", 8 + 4 + 14 + 4, id="the template's own sign"),
    pytest.param("您的申请{receipt}已受理。", "【一键报贫】", 6 + 4 + 14 + 4, id="a template without a sign"),
    pytest.param("{step}{due}{label}{reason}{days}", "", 11 + 6 + 6 + 20 + 2, id="each variable at its longest"),
    pytest.param("申请{receipt", "【一键报贫】", 6 + 10, id="broken braces counted as written"),
]  # fmt: skip


@pytest.mark.parametrize(("template", "sign", "expected"), LENGTHS)
def test_sms_length(template: str, sign: str, expected: int) -> None:
    assert sms_length(template, sign) == expected


@pytest.mark.parametrize(("length", "parts"), [(0, 1), (70, 1), (71, 2), (134, 2), (135, 3)])
def test_sms_parts(length: int, parts: int) -> None:
    assert sms_parts(length) == parts


def test_the_chain_s_own_longest_values() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    assert longest_values(chain, "refused")["step"] == "村内评议公示"  # the applicant's longest name
    assert longest_values(chain, "reminder")["step"] == "村内民主评议和公示"  # any step's staff name
    assert longest_values(chain, "appeal")["step"] == "乡镇复核"
    assert longest_values(chain, "appeal")["label"] == "（绿色通道）"
    assert longest_values(msgspec.structs.replace(chain, green_channel=None), "appeal")["label"] == ""


GANSU_TOO_LONG = {
    # the appeal notice to the township and the refusal with a 20-character reason (the 2021 chain's second
    # version shortened both to one SMS)
    "gansu-yijian-2023": [("appeal", 75), ("refused", 74)],
}


@pytest.mark.parametrize("name", sorted(GANSU_TOO_LONG))
def test_the_gansu_templates_longer_than_one_sms_are_warnings(name: str) -> None:
    chain = gansu_chain(name)
    warnings = chain_warnings(chain, f"{name}.json")
    assert [(w.values["detail"], int(w.values["length"])) for w in warnings] == GANSU_TOO_LONG[name]
    assert {w.code for w in warnings} == set(WARNING_CODES) == {"C026"}
    assert not [p for p in lint_chain(chain, f"{name}.json", {}) if p.code in WARNING_CODES]
    assert all(int(w.values["length"]) > SMS_LIMIT and w.values["parts"] == "2" for w in warnings)
    assert in_chinese(warnings[0]).startswith("短信模板“appeal”按最长的内容算有7")
    assert "会分成2条发送" in in_chinese(warnings[0])


def test_a_shorter_sign_can_bring_a_template_under_the_limit() -> None:
    chain = _gansu_with("refused", "【甘肃一键报贫】申请{receipt}经{step}不符合标准：{reason}")
    assert [w.values["detail"] for w in sms_warnings(chain)] == ["appeal"]
    assert [w.values["detail"] for w in sms_warnings(chain, sign="【报贫】")] == ["appeal"]


PREVIEWS = [
    pytest.param("refuse", "您的申请{receipt}经{step}不符合认定标准：{reason}。",
                 "您的申请2609 2804 2517经村级核查不符合认定标准：家庭收入高于监测标准。", id="refusal"),
    pytest.param("accept", "申请{receipt}已受理：{reason}{due}", "申请2609 2804 2517已受理：",
                 id="what the event lacks is blank, as sent"),
    pytest.param("escalate", "{step}已超期{days}个工作日（期限{due}）{label}",
                 "村级核查已超期3个工作日（期限10月10日）（绿色通道）", id="escalation"),
    pytest.param("enter", "申请{receipt", "申请{receipt", id="broken braces as written"),
]  # fmt: skip


@pytest.mark.parametrize(("event", "template", "expected"), PREVIEWS)
def test_sample_text(event: str, template: str, expected: str) -> None:
    assert sample_text(template, event) == expected


def test_sample_text_with_the_step_s_own_name() -> None:
    assert sample_text("到了{step}", "enter", values={"step": "乡镇复核"}) == "到了乡镇复核"


def test_where_each_template_is_sent_from_and_what_it_may_use() -> None:
    chain = gansu_chain("gansu-yijian-2023")
    uses = template_uses(chain)
    assert [(use.event, use.step, use.to) for use in uses if use.template == "refused"] == [
        ("refuse", "check_answer", "applicant"),
        ("refuse", "village_review", "applicant"),
        ("refuse", "township_review", "applicant"),
        ("refuse", "county_approval", "applicant"),
    ]
    assert allowed_variables(chain, "refused") == ["receipt", "step", "reason"]
    assert allowed_variables(chain, "overdue") == ["receipt", "step", "due", "label", "days"]
    assert allowed_variables(chain, "unused") == ["receipt", "step", "due", "label", "reason"]
    assert template_variables("{receipt}{step}{receipt}") == ["receipt", "step"]
    assert template_variables("{receipt") == []


def test_every_template_begins_with_the_pack_s_sign() -> None:
    sms = {
        "ok": "【某省申报】申请{receipt}已受理",
        "other": "【别的签名】申请{receipt}",
        "bare": "申请{receipt}已受理",
    }
    problems = sign_problems(sms, "某省申报", "chains/x.json")
    assert [(problem.code, problem.values["detail"], problem.values["found"]) for problem in problems] == [
        ("C027", "other", "【别的签名】"),
        ("C027", "bare", "“申请{rec”"),  # its first six characters
    ]
    assert in_chinese(problems[0]).startswith(
        "短信模板“other”开头是【别的签名】，但本配置包的短信签名是【某省申报】"
    )
    assert sign_problems(sms, "某省申报")[0].path == "<chain>"
    for name in ("gansu-yijian-2023", "gansu-zizhu-2021"):  # the shipped chains, under the pack's one sign
        assert sign_problems(gansu_chain(name).sms, "甘肃一键报贫") == []
