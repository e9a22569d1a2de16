"""The chain editor's edits: each changes what it names and nothing else, the result is a chain of the format, an
impossible edit is refused in Chinese, and each says what it did for the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from shenbao.forms.edit_ops import EditError
from shenbao.forms.model import text_of
from shenbao.workflow import Chain
from shenbao.workflow.chain_edit_text import describe_chain_edit
from shenbao.workflow.chain_edits import (
    AddNotification,
    AddStep,
    ChainEdit,
    ChainEditError,
    MoveStep,
    RemoveNotification,
    RemoveSmsTemplate,
    RemoveStep,
    SetAppeal,
    SetChainDeadline,
    SetGreenChannel,
    SetReminders,
    SetSmsTemplate,
    SetStepActions,
    SetStepDeadline,
    SetStepForm,
    SetStepNames,
    SetStepRole,
    apply_chain_edit,
)
from shenbao.workflow.lint import decode_chain, lint_chain
from shenbao.workflow.model import Notification

from .support import gansu_chain

GANSU = gansu_chain("gansu-yijian-2023")
IDS = [step.id for step in GANSU.steps]


def _step(chain: Chain, step_id: str) -> Any:
    return chain.step(step_id)


EDITS: list[Any] = [
    pytest.param(SetStepNames(step="check_answer", name="答复申请农户", public_name="村里回复"),
                 lambda c: (text_of(_step(c, "check_answer").name), text_of(_step(c, "check_answer").public_name)),
                 ("答复申请农户", "村里回复"), "修改了“答复农户”环节的名称", id="both names"),
    pytest.param(SetStepNames(step="check_answer", public_name={"zh": "村里回复", "bo": "..."}),
                 lambda c: (text_of(_step(c, "check_answer").name), _step(c, "check_answer").public_name),
                 ("答复农户", {"zh": "村里回复", "bo": "..."}), "修改了“答复农户”环节的名称",
                 id="the farmer's name only, in two languages"),
    pytest.param(SetStepRole(step="village_review", role="township"), lambda c: _step(c, "village_review").role,
                 "township", "把“村内民主评议和公示”环节改由乡镇办理", id="role"),
    pytest.param(SetStepDeadline(step="household_check", working_days=7),
                 lambda c: (_step(c, "household_check").deadline.working_days, _step(c, "household_check").deadline.start),
                 (7, "submission"), "把“村级入户核查”环节的期限改为提交后7个工作日", id="deadline from submission"),
    pytest.param(SetStepDeadline(step="village_review", working_days=3, start="previous_step"),
                 lambda c: (_step(c, "village_review").deadline.working_days, _step(c, "village_review").deadline.start),
                 (3, "previous_step"), "把“村内民主评议和公示”环节的期限改为上一环节期限后3个工作日",
                 id="deadline from the previous step"),
    pytest.param(SetStepActions(step="check_answer", actions=["pass_up", "refuse", "pass_up"]),
                 lambda c: _step(c, "check_answer").actions, ["pass_up", "refuse"],
                 "把“答复农户”环节的办理操作改为上报、不予纳入、上报", id="actions, once each"),
    pytest.param(SetStepForm(step="household_check"), lambda c: _step(c, "household_check").form, None,
                 "把“村级入户核查”环节改为不填表单", id="no form"),
    pytest.param(SetStepForm(step="check_answer", form="household-check"), lambda c: _step(c, "check_answer").form,
                 "household-check", "把“答复农户”环节改为填写表单 household-check", id="a form"),
    pytest.param(AddNotification(step="check_answer", on="return", to="handler", template="step_waiting"),
                 lambda c: _step(c, "check_answer").notify[-1],
                 Notification(on="return", to="handler", template="step_waiting"),
                 "添加了“答复农户”环节在“退回重办”时发给办理人员的短信（模板“step_waiting”）", id="add a notification"),
    pytest.param(RemoveNotification(step="household_check", on="accept", to="applicant", template="accepted"),
                 lambda c: [n.on for n in _step(c, "household_check").notify], ["enter"],
                 "删除了“村级入户核查”环节在“受理”时发给申请人的短信（模板“accepted”）", id="remove a notification"),
    pytest.param(SetSmsTemplate(template="accepted", text="【甘肃一键报贫】您的申请{receipt}已受理。"),
                 lambda c: c.sms["accepted"], "【甘肃一键报贫】您的申请{receipt}已受理。", "修改了短信模板“accepted”",
                 id="a template's text"),
    pytest.param(SetSmsTemplate(template="relief_given", text="已为您先行救助：{reason}"),
                 lambda c: list(c.sms)[-1], "relief_given", "添加了短信模板“relief_given”", id="a new template"),
    pytest.param(AddStep(after="check_answer", role="township"),
                 lambda c: [(s.id, s.role, text_of(s.public_name)) for s in c.steps][2],
                 ("step_1", "township", "新环节"), "在“答复农户”环节后添加了一个乡镇办理的环节", id="add a step after"),
    pytest.param(AddStep(), lambda c: (c.steps[-1].id, c.steps[-1].deadline.start),
                 ("step_1", "previous_step"), "在最后添加了一个村级办理的环节", id="add a step at the end"),
    pytest.param(RemoveStep(step="village_review"), lambda c: [s.id for s in c.steps],
                 [i for i in IDS if i != "village_review"], "删除了“村内民主评议和公示”环节", id="remove a step"),
    pytest.param(MoveStep(step="township_review", by=-1), lambda c: [s.id for s in c.steps][2:4],
                 ["township_review", "village_review"], "把“乡镇复核”环节前移了一位", id="move a step earlier"),
    pytest.param(MoveStep(step="township_review", by=1), lambda c: [s.id for s in c.steps][3:5],
                 ["county_approval", "township_review"], "把“乡镇复核”环节后移了一位", id="move a step later"),
    pytest.param(SetChainDeadline(working_days=20), lambda c: (c.deadline.working_days, c.deadline.start),
                 (20, "submission"), "把整个流程的期限改为提交后20个工作日", id="the chain's deadline"),
    pytest.param(SetGreenChannel(when='"disaster" in hardship', relief_roles=["county", "county"]),
                 lambda c: c.green_channel and (c.green_channel.when, c.green_channel.relief_roles, c.green_channel.label),
                 ('"disaster" in hardship', ["county"], "绿色通道"),
                 "修改了绿色通道的条件和能记录先行救助的角色（县级）", id="green channel"),
    pytest.param(SetGreenChannel(when="true", label="救急通道"), lambda c: c.green_channel and c.green_channel.label,
                 "救急通道", "修改了绿色通道的条件和能记录先行救助的角色（无）", id="green channel's own name"),
    pytest.param(SetGreenChannel(), lambda c: c.green_channel, None, "关闭了绿色通道", id="no green channel"),
    pytest.param(SetReminders(remind="reminder", escalate_every=0),
                 lambda c: c.reminders and (c.reminders.remind, c.reminders.escalate, c.reminders.escalate_every),
                 ("reminder", None, 0), "修改了到期提醒和超期催办（每超期0个工作日再催办）", id="reminders only"),
    pytest.param(SetReminders(), lambda c: c.reminders, None, "关闭了到期提醒和超期催办", id="no reminders"),
    pytest.param(SetAppeal(role="county", days=5), lambda c: (c.appeal_role, c.appeal_days), ("county", 5),
                 "改为由县级受理申请复核，不予纳入后5个工作日内可以申请", id="appeal"),
    pytest.param(SetAppeal(), lambda c: (c.appeal_role, c.appeal_days), (None, None), "关闭了网上申请复核",
                 id="no appeal"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "read", "expected", "described"), EDITS)
def test_an_edit_changes_what_it_names(
    edit: ChainEdit, read: Callable[[Chain], Any], expected: Any, described: str
) -> None:
    changed = apply_chain_edit(GANSU, edit)
    assert read(changed) == expected
    assert read(GANSU) != expected  # it changed something, and not the chain it was given
    assert decode_chain(msgspec.json.encode(changed)) == changed  # the chain format, through and back
    assert (changed.id, changed.version, changed.title) == (GANSU.id, GANSU.version, GANSU.title)
    assert describe_chain_edit(edit, GANSU) == described


def test_edits_come_from_the_editor_as_json() -> None:
    raw = (
        b'{"op": "set_step_deadline", "step": "household_check", "working_days": 7, "start": "previous_step"}'
    )
    edit = msgspec.json.decode(raw, type=ChainEdit)
    assert edit == SetStepDeadline(step="household_check", working_days=7, start="previous_step")
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"op": "set_step_role", "step": "household_check", "role": "mayor"}', type=ChainEdit
        )


def test_without_the_chain_a_step_is_named_by_its_id() -> None:
    assert describe_chain_edit(RemoveStep(step="village_review")) == "删除了环节 village_review"
    assert describe_chain_edit(SetSmsTemplate(template="x", text="y")) == "添加了短信模板“x”"


def test_a_moved_step_is_the_one_the_linter_then_reads() -> None:
    """What the format allows but the linter does not is the linter's to say: here the first step may return."""
    moved = apply_chain_edit(GANSU, MoveStep(step="check_answer", by=-1))
    codes = [(problem.code, problem.question) for problem in lint_chain(moved, "gansu-yijian-2023.json", {})]
    assert ("C003", "check_answer") in codes


REFUSED = [
    pytest.param(SetStepRole(step="gone", role="county"), "流程里没有环节 gone（可能已删除）", id="unknown step"),
    pytest.param(SetStepNames(step="check_answer", name="  "), "环节名称（办理人员看到的）不能为空", id="empty staff name"),
    pytest.param(SetStepNames(step="check_answer", public_name={"bo": "..."}), "环节名称（申请人看到的）不能为空",
                 id="a farmer's name without Chinese"),
    pytest.param(SetStepDeadline(step="household_check", working_days=0), "环节期限要在1到250个工作日之间，现在是0",
                 id="zero days"),
    pytest.param(SetStepDeadline(step="household_check", working_days=251), "环节期限要在1到250个工作日之间",
                 id="too many days"),
    pytest.param(SetStepActions(step="check_answer", actions=[]), "每个环节至少要有一个办理操作", id="no action"),
    pytest.param(SetStepActions(step="check_answer", actions=["relief"]), "先行救助不是环节的操作", id="relief"),
    pytest.param(AddNotification(step="check_answer", on="refuse", to="applicant", template="nope"),
                 "短信模板“nope”不存在", id="a notification with an unknown template"),
    pytest.param(AddNotification(step="check_answer", on="refuse", to="applicant", template="refused"),
                 "这个环节已经有这条短信了", id="the same notification twice"),
    pytest.param(RemoveNotification(step="check_answer", on="enter", to="handler", template="refused"),
                 "这个环节没有这条短信", id="removing a notification that is not there"),
    pytest.param(SetSmsTemplate(template="Bad-Id", text="你好"), "短信模板的代号“Bad-Id”不对", id="template id"),
    pytest.param(SetSmsTemplate(template="accepted", text="  "), "短信内容不能为空", id="empty template"),
    pytest.param(RemoveSmsTemplate(template="refused"),
                 "短信模板“refused”还在用（“答复农户”环节、“村内民主评议和公示”环节、“乡镇复核”环节、“县级审批”环节）",
                 id="a template still used"),
    pytest.param(RemoveSmsTemplate(template="overdue"), "短信模板“overdue”还在用（超期催办）",
                 id="a template the escalation uses"),
    pytest.param(RemoveSmsTemplate(template="nope"), "短信模板“nope”不存在", id="removing an unknown template"),
    pytest.param(AddStep(after="gone"), "流程里没有环节 gone", id="add after an unknown step"),
    pytest.param(MoveStep(step="household_check", by=-1), "这已经是第一个环节，不能再往前移", id="first step up"),
    pytest.param(MoveStep(step="national_entry", by=1), "这已经是最后一个环节，不能再往后移", id="last step down"),
    pytest.param(SetChainDeadline(working_days=300), "整个流程的期限要在1到250个工作日之间", id="chain deadline"),
    pytest.param(SetGreenChannel(when='"disaster" in'), "绿色通道的条件写得不对，无法运行", id="a rule that does not compile"),
    pytest.param(SetGreenChannel(when="true", label=" "), "绿色通道的名称不能为空", id="green channel without a name"),
    pytest.param(SetReminders(remind="nope"), "短信模板“nope”不存在", id="reminder template"),
    pytest.param(SetReminders(escalate="overdue", escalate_every=61), "催办间隔要在0到60个工作日之间", id="escalation"),
    pytest.param(SetAppeal(role="township"), "请填写不予纳入后几个工作日内可以申请复核", id="appeal without days"),
    pytest.param(SetAppeal(role="township", days=0), "申请复核的期限要在1到250个工作日之间", id="appeal days"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "message"), REFUSED)
def test_an_impossible_edit_is_refused_in_chinese(edit: ChainEdit, message: str) -> None:
    with pytest.raises(ChainEditError) as refused:
        apply_chain_edit(GANSU, edit)
    assert str(refused.value).startswith(message)
    assert isinstance(refused.value, EditError)  # the builder's own error: one way to show it


def test_the_only_step_cannot_be_removed() -> None:
    only = msgspec.structs.replace(GANSU, steps=GANSU.steps[:1])
    with pytest.raises(ChainEditError, match="流程至少要有一个环节"):
        apply_chain_edit(only, RemoveStep(step="household_check"))


def test_a_step_added_twice_gets_new_ids_and_names() -> None:
    once = apply_chain_edit(GANSU, AddStep())
    twice = apply_chain_edit(once, AddStep(after="household_check"))
    assert [step.id for step in twice.steps][:2] == ["household_check", "step_2"]
    assert text_of(twice.step("step_2").public_name) == "新环节2"
    assert not [p for p in lint_chain(twice, "gansu-yijian-2023.json", {}) if p.code in {"C002", "C021"}]


def test_an_edit_the_format_refuses_says_so() -> None:
    """A step id the format does not allow can only come from a stored chain; the format catches it."""
    bad = msgspec.structs.replace(GANSU, id="Not An Id")
    with pytest.raises(ChainEditError, match="改动后的流程不符合流程格式"):
        apply_chain_edit(bad, SetChainDeadline(working_days=10))
