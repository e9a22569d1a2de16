"""The chain editor's edits said in Chinese, for the audit log and the draft's history
(``把“村级入户核查”环节的期限改为提交后7个工作日``)."""

from __future__ import annotations

from shenbao.forms.model import text_of
from shenbao.roles import role_label
from shenbao.workflow.chain_edits import (
    AddNotification,
    AddStep,
    ChainEdit,
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
)
from shenbao.workflow.engine import ACTION_LABELS
from shenbao.workflow.model import Chain, Recipient
from shenbao.workflow.sms_templates import EVENT_NAMES

__all__ = ["describe_chain_edit"]


def _step_named(chain: Chain | None, step_id: str) -> str:
    """``“村级入户核查”`` for a step of ``chain``; the id when there is no chain or no such step."""
    if chain is not None:
        for step in chain.steps:
            if step.id == step_id:
                return f"“{_short(text_of(step.name))}”环节"
    return f"环节 {step_id}"


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reader(to: Recipient) -> str:
    return "申请人" if to == "applicant" else "办理人员"


def describe_chain_edit(edit: ChainEdit, chain: Chain | None = None) -> str:
    """What ``edit`` does, in Chinese, for the audit log (``把“村级入户核查”环节的期限改为提交后7个工作日``).

    Args:
        edit: the change.
        chain: the chain before the change, to name steps by their names (by id without it).
    """
    match edit:
        case SetStepNames():
            return f"修改了{_step_named(chain, edit.step)}的名称"
        case SetStepRole():
            return f"把{_step_named(chain, edit.step)}改由{role_label(edit.role)}办理"
        case SetStepDeadline():
            origin = "提交后" if edit.start == "submission" else "上一环节期限后"
            return f"把{_step_named(chain, edit.step)}的期限改为{origin}{edit.working_days}个工作日"
        case SetStepActions():
            actions = "、".join(ACTION_LABELS.get(action, action) for action in edit.actions)
            return f"把{_step_named(chain, edit.step)}的办理操作改为{actions}"
        case SetStepForm():
            form = f"填写表单 {edit.form}" if edit.form else "不填表单"
            return f"把{_step_named(chain, edit.step)}改为{form}"
        case AddNotification() | RemoveNotification():
            verb = "添加了" if isinstance(edit, AddNotification) else "删除了"
            return (
                f"{verb}{_step_named(chain, edit.step)}在“{EVENT_NAMES[edit.on]}”时"
                f"发给{_reader(edit.to)}的短信（模板“{edit.template}”）"
            )
        case SetSmsTemplate():
            known = chain is not None and edit.template in chain.sms
            return f"{'修改了' if known else '添加了'}短信模板“{edit.template}”"
        case RemoveSmsTemplate():
            return f"删除了短信模板“{edit.template}”"
        case AddStep():
            after = f"在{_step_named(chain, edit.after)}后" if edit.after else "在最后"
            return f"{after}添加了一个{role_label(edit.role)}办理的环节"
        case RemoveStep():
            return f"删除了{_step_named(chain, edit.step)}"
        case MoveStep():
            return f"把{_step_named(chain, edit.step)}{'前移' if edit.by < 0 else '后移'}了一位"
        case SetChainDeadline():
            return f"把整个流程的期限改为提交后{edit.working_days}个工作日"
        case SetGreenChannel():
            if not edit.when:
                return "关闭了绿色通道"
            roles = "、".join(role_label(role) for role in dict.fromkeys(edit.relief_roles)) or "无"
            return f"修改了绿色通道的条件和能记录先行救助的角色（{roles}）"
        case SetReminders():
            if edit.remind is None and edit.escalate is None:
                return "关闭了到期提醒和超期催办"
            return f"修改了到期提醒和超期催办（每超期{edit.escalate_every}个工作日再催办）"
        case SetAppeal():
            if edit.role is None:
                return "关闭了网上申请复核"
            return f"改为由{role_label(edit.role)}受理申请复核，不予纳入后{edit.days}个工作日内可以申请"
    raise AssertionError(edit)  # pragma: no cover - every edit is matched above
