"""What changed between two versions of a chain, in plain Chinese: the publish section's "与第N版相比".

Pure. A step is named by its staff name as the newer version has it; a removed step by its old name.
"""

from __future__ import annotations

from collections.abc import Iterator

from shenbao.forms.model import text_of
from shenbao.roles import role_label
from shenbao.workflow.engine import ACTION_LABELS
from shenbao.workflow.model import Chain, Deadline, Notification, Step
from shenbao.workflow.sms_templates import EVENT_NAMES

__all__ = ["diff_chains"]


def _deadline(deadline: Deadline) -> str:
    start = "提交后" if deadline.start == "submission" else "进入这一步后"
    return f"{start}{deadline.working_days}个工作日"


def _note(note: Notification) -> str:
    return f"{EVENT_NAMES.get(note.on, note.on)}时发给{'农户' if note.to == 'applicant' else '办理人'}（{note.template}）"


def _step(old: Step, new: Step) -> Iterator[str]:
    name = f"“{text_of(new.name)}”"
    if text_of(old.name) != text_of(new.name):
        yield f"环节“{text_of(old.name)}”改名为{name}"
    if text_of(old.public_name) != text_of(new.public_name):
        yield f"{name}农户看到的名称由“{text_of(old.public_name)}”改为“{text_of(new.public_name)}”"
    if old.role != new.role:
        yield f"{name}改由{role_label(new.role)}办理（原为{role_label(old.role)}）"
    if old.deadline != new.deadline:
        yield f"{name}的期限由{_deadline(old.deadline)}改为{_deadline(new.deadline)}"
    added = [ACTION_LABELS.get(each, each) for each in new.actions if each not in old.actions]
    removed = [ACTION_LABELS.get(each, each) for each in old.actions if each not in new.actions]
    if added:
        yield f"{name}可以{'、'.join(added)}了"
    if removed:
        yield f"{name}不能再{'、'.join(removed)}"
    if old.form != new.form:
        yield f"{name}要填的表由{old.form or '（无）'}改为{new.form or '（无）'}"
    for note in new.notify:
        if note not in old.notify:
            yield f"{name}新增短信：{_note(note)}"
    for note in old.notify:
        if note not in new.notify:
            yield f"{name}不再发短信：{_note(note)}"


def diff_chains(old: Chain, new: Chain) -> list[str]:
    """Each change from ``old`` to ``new`` as one sentence, steps first in the new order, then the chain's settings
    and SMS templates; ``[]`` when they are the same."""
    said: list[str] = []
    before = {step.id: step for step in old.steps}
    after = {step.id: step for step in new.steps}
    for position, step in enumerate(new.steps, start=1):
        if step.id not in before:
            said.append(
                f"新增第{position}步“{text_of(step.name)}”（{role_label(step.role)}，{_deadline(step.deadline)}）"
            )
        else:
            said += _step(before[step.id], step)
    said += [f"删去了环节“{text_of(step.name)}”" for step in old.steps if step.id not in after]
    kept_old = [step.id for step in old.steps if step.id in after]
    kept_new = [step.id for step in new.steps if step.id in before]
    if kept_old != kept_new:
        said.append("环节的顺序变了：" + " → ".join(text_of(after[each].name) for each in kept_new))
    if old.deadline != new.deadline:
        said.append(
            f"整个流程的期限由{old.deadline.working_days}个工作日改为{new.deadline.working_days}个工作日"
        )
    if (old.appeal_role, old.appeal_days) != (new.appeal_role, new.appeal_days):
        said.append(
            "复核改为"
            + (
                f"由{role_label(new.appeal_role)}受理，{new.appeal_days}个工作日内可申请"
                if new.appeal_role
                else "不能申请"
            )
        )
    if old.reminders != new.reminders:
        said.append("到期提醒和超期催办的设置变了")
    if old.green_channel != new.green_channel:
        said.append("绿色通道的规则或设置变了")
    for template, text in new.sms.items():
        if template not in old.sms:
            said.append(f"新增短信模板 {template}：{text}")
        elif old.sms[template] != text:
            said.append(f"短信模板 {template} 改为：{text}")
    said += [f"删去了短信模板 {template}" for template in old.sms if template not in new.sms]
    return said
