"""The chain editor's edits as values, applied by one pure function, and the sentence the audit log says of each.

Each edit names what it changes (a step by its id, a template by its id). :func:`apply_chain_edit` changes the
chain's plain data and decodes the result back through the chain format, so no edit can make a chain the format
does not allow; an edit that cannot be made (a step that is not there, a template no message has, a rule that
does not compile) raises :class:`ChainEditError` with a Chinese message saying what to do. What the format
allows but the linter reports (a step that never moves on, a template using a variable its event lacks) is left
to :func:`shenbao.workflow.lint.lint_chain`, which the editor shows beside the chain.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeAlias

import msgspec

from shenbao.forms.edit_ops import EditError
from shenbao.forms.expressions import ExpressionError, compile_expression
from shenbao.forms.loader import DefinitionError
from shenbao.forms.model import Base, Label, text_of
from shenbao.roles import Role, RoleText
from shenbao.workflow.lint import decode_chain
from shenbao.workflow.model import ActionName, Chain, Recipient
from shenbao.workflow.sms_templates import template_uses

__all__ = [
    "AddNotification",
    "AddStep",
    "ChainEdit",
    "ChainEditError",
    "MoveStep",
    "RemoveNotification",
    "RemoveSmsTemplate",
    "RemoveStep",
    "SetAppeal",
    "SetChainDeadline",
    "SetGreenChannel",
    "SetReminders",
    "SetSmsTemplate",
    "SetStepActions",
    "SetStepDeadline",
    "SetStepForm",
    "SetStepNames",
    "SetStepRole",
    "apply_chain_edit",
]

NotifyOn: TypeAlias = Literal[
    "enter", "accept", "record_check", "refuse", "pass_up", "approve", "return", "relief", "appeal"
]
DeadlineStart: TypeAlias = Literal["submission", "previous_step"]
_IDENTIFIER = r"^[a-z][a-z0-9_]*$"
_MAX_ID = 40
_MAX_DAYS = 250
_MAX_ESCALATE_EVERY = 60


class ChainEditError(EditError):
    """An edit that cannot be made to the chain; the message says why in Chinese, for the editor to show."""


class _ChainEdit(Base, tag_field="op", frozen=True, kw_only=True):
    """What every chain edit shares: the policy of the definition models, tagged by ``op``."""


class _StepEdit(_ChainEdit, frozen=True, kw_only=True):
    """An edit of one step, named by its id."""

    step: str


class _NotificationEdit(_StepEdit, frozen=True, kw_only=True):
    """A text message of the step: ``template`` sent to ``to`` on ``on``."""

    on: NotifyOn
    to: Recipient
    template: str


class SetStepNames(_StepEdit, tag="set_step_names", frozen=True, kw_only=True):
    """Rename a step: the staff's name and the applicant's (``None`` keeps that one)."""

    name: Label | None = None
    public_name: Label | None = None


class SetStepRole(_StepEdit, tag="set_step_role", frozen=True, kw_only=True):
    """Who acts at the step."""

    role: RoleText


class SetStepDeadline(_StepEdit, tag="set_step_deadline", frozen=True, kw_only=True):
    """A step's deadline: ``working_days`` counted from the submission or from the previous step."""

    working_days: int
    start: DeadlineStart = "submission"


class SetStepActions(_StepEdit, tag="set_step_actions", frozen=True, kw_only=True):
    """What the step's handlers may do."""

    actions: list[ActionName]


class SetStepForm(_StepEdit, tag="set_step_form", frozen=True, kw_only=True):
    """The form the step's handler fills (``None``: none)."""

    form: str | None = None


class AddNotification(_NotificationEdit, tag="add_notification", frozen=True, kw_only=True):
    """Send template ``template`` to ``to`` on ``on`` at the step."""


class RemoveNotification(_NotificationEdit, tag="remove_notification", frozen=True, kw_only=True):
    """Stop sending that message."""


class SetSmsTemplate(_ChainEdit, tag="set_sms_template", frozen=True, kw_only=True):
    """Set the text of template ``template`` (a new id adds a template)."""

    template: str
    text: str


class RemoveSmsTemplate(_ChainEdit, tag="remove_sms_template", frozen=True, kw_only=True):
    """Remove a template no message uses any more."""

    template: str


class AddStep(_ChainEdit, tag="add_step", frozen=True, kw_only=True):
    """Add a new step of ``role`` after ``after`` (at the end when ``None``), 5 working days after the previous."""

    after: str | None = None
    role: RoleText = "village"


class RemoveStep(_StepEdit, tag="remove_step", frozen=True, kw_only=True):
    """Remove the step (not the only one)."""


class MoveStep(_StepEdit, tag="move_step", frozen=True, kw_only=True):
    """Move a step one place earlier (``by=-1``) or later (``by=1``)."""

    by: Literal[-1, 1]


class SetChainDeadline(_ChainEdit, tag="set_chain_deadline", frozen=True, kw_only=True):
    """The whole chain's limit, in working days from the submission."""

    working_days: int


class SetGreenChannel(_ChainEdit, tag="set_green_channel", frozen=True, kw_only=True):
    """The green channel's rule (CEL over the answers, from the rule builder) and who records relief; a
    ``when`` of ``None`` turns the green channel off."""

    when: str | None = None
    relief_roles: list[RoleText] = msgspec.field(default_factory=list)
    label: str = "绿色通道"


class SetReminders(_ChainEdit, tag="set_reminders", frozen=True, kw_only=True):
    """The reminder and escalation templates (``None``: not sent) and how often an escalation repeats."""

    remind: str | None = None
    escalate: str | None = None
    escalate_every: int = 5


class SetAppeal(_ChainEdit, tag="set_appeal", frozen=True, kw_only=True):
    """Who hears appeals and how many working days after a refusal they may come (``role=None``: no appeals)."""

    role: RoleText | None = None
    days: int | None = None


ChainEdit: TypeAlias = Annotated[
    SetStepNames
    | SetStepRole
    | SetStepDeadline
    | SetStepActions
    | SetStepForm
    | AddNotification
    | RemoveNotification
    | SetSmsTemplate
    | RemoveSmsTemplate
    | AddStep
    | RemoveStep
    | MoveStep
    | SetChainDeadline
    | SetGreenChannel
    | SetReminders
    | SetAppeal,
    msgspec.Meta(description="One change of the chain editor, tagged by op"),
]


def _step_at(data: dict[str, Any], step_id: str) -> int:
    for index, step in enumerate(data["steps"]):
        if step["id"] == step_id:
            return index
    raise ChainEditError(f"流程里没有环节 {step_id}（可能已删除）：请刷新页面后重新选择环节")


def _days(value: int, what: str, *, low: int = 1, high: int = _MAX_DAYS) -> int:
    if not low <= value <= high:
        raise ChainEditError(f"{what}要在{low}到{high}个工作日之间，现在是{value}：请改一个数")
    return value


def _label(value: Label, what: str) -> Label:
    if not (value if isinstance(value, str) else value.get("zh", "")).strip():
        raise ChainEditError(f"{what}不能为空：请填写中文名称")
    return value


def _template(data: dict[str, Any], template: str | None) -> str | None:
    if template is not None and template not in data.get("sms", {}):
        raise ChainEditError(f"短信模板“{template}”不存在：请先在短信模板里添加它，或选一个已有的模板")
    return template


def _used_at(chain: Chain, template: str) -> list[str]:
    """Where ``chain`` sends ``template`` from, named for a message."""
    named = {"remind": "到期提醒", "escalate": "超期催办"}
    uses = [use for use in template_uses(chain) if use.template == template]
    places = [f"“{text_of(chain.step(use.step).name)}”环节" if use.step else named[use.event] for use in uses]
    return list(dict.fromkeys(places))


def _new_step(data: dict[str, Any], role: Role) -> dict[str, Any]:
    ids = {step["id"] for step in data["steps"]}
    names = {text_of(step["public_name"]).strip() for step in data["steps"]}
    number = next(n for n in range(1, len(ids) + 2) if f"step_{n}" not in ids)
    name = next(
        each
        for each in (f"新环节{n}" if n > 1 else "新环节" for n in range(1, len(names) + 2))
        if each not in names
    )
    return {
        "id": f"step_{number}",
        "name": name,
        "public_name": name,
        "role": role,
        "deadline": {"working_days": 5, "from": "previous_step"},
        "actions": ["pass_up", "refuse"],
    }


def _edit_step(data: dict[str, Any], edit: ChainEdit) -> None:
    """The edits of one step's own fields."""
    match edit:
        case SetStepNames():
            step = data["steps"][_step_at(data, edit.step)]
            if edit.name is not None:
                step["name"] = _label(edit.name, "环节名称（办理人员看到的）")
            if edit.public_name is not None:
                step["public_name"] = _label(edit.public_name, "环节名称（申请人看到的）")
        case SetStepRole():
            data["steps"][_step_at(data, edit.step)]["role"] = edit.role
        case SetStepDeadline():
            deadline = {"working_days": _days(edit.working_days, "环节期限"), "from": edit.start}
            data["steps"][_step_at(data, edit.step)]["deadline"] = deadline
        case SetStepActions():
            if not edit.actions:
                raise ChainEditError("每个环节至少要有一个办理操作：请至少勾选一项")
            if "relief" in edit.actions:
                raise ChainEditError("先行救助不是环节的操作：请在绿色通道里选择能记录先行救助的角色")
            data["steps"][_step_at(data, edit.step)]["actions"] = list(dict.fromkeys(edit.actions))
        case SetStepForm():
            step = data["steps"][_step_at(data, edit.step)]
            step.pop("form", None)
            if edit.form:
                step["form"] = edit.form
        case AddNotification():
            step = data["steps"][_step_at(data, edit.step)]
            _template(data, edit.template)
            note = {"on": edit.on, "to": edit.to, "template": edit.template}
            if note in step.get("notify", []):
                raise ChainEditError("这个环节已经有这条短信了：不用再添加")
            step.setdefault("notify", []).append(note)
        case RemoveNotification():
            step = data["steps"][_step_at(data, edit.step)]
            note = {"on": edit.on, "to": edit.to, "template": edit.template}
            if note not in step.get("notify", []):
                raise ChainEditError("这个环节没有这条短信（可能已删除）：请刷新页面后再试")
            step["notify"].remove(note)


def _edit_steps(data: dict[str, Any], edit: ChainEdit) -> None:
    """The edits of the list of steps."""
    steps: list[dict[str, Any]] = data["steps"]
    match edit:
        case AddStep():
            at = len(steps) if edit.after is None else _step_at(data, edit.after) + 1
            steps.insert(at, _new_step(data, edit.role))
        case RemoveStep():
            index = _step_at(data, edit.step)
            if len(steps) == 1:
                raise ChainEditError("流程至少要有一个环节：请先添加新的环节，再删除这个")
            del steps[index]
        case MoveStep():
            index = _step_at(data, edit.step)
            target = index + edit.by
            if not 0 <= target < len(steps):
                raise ChainEditError(
                    "这已经是第一个环节，不能再往前移"
                    if edit.by < 0
                    else "这已经是最后一个环节，不能再往后移"
                )
            steps[index], steps[target] = steps[target], steps[index]


def _edit_chain(data: dict[str, Any], edit: ChainEdit, chain: Chain) -> None:
    """The edits of the chain's own settings and its templates."""
    match edit:
        case SetSmsTemplate():
            if not re.fullmatch(_IDENTIFIER, edit.template) or len(edit.template) > _MAX_ID:
                raise ChainEditError(
                    f"短信模板的代号“{edit.template}”不对：请用小写英文字母开头，只用小写字母、数字和下划线"
                )
            if not edit.text.strip():
                raise ChainEditError("短信内容不能为空：请填写短信文字")
            data.setdefault("sms", {})[edit.template] = edit.text
        case RemoveSmsTemplate():
            _template(data, edit.template)
            used = _used_at(chain, edit.template)
            if used:
                raise ChainEditError(
                    f"短信模板“{edit.template}”还在用（{'、'.join(used)}）：请先去掉这些短信，再删除模板"
                )
            del data["sms"][edit.template]
        case SetChainDeadline():
            data["deadline"] = {
                "working_days": _days(edit.working_days, "整个流程的期限"),
                "from": "submission",
            }
        case SetGreenChannel():
            if edit.when is None or not edit.when.strip():
                data.pop("green_channel", None)
                return
            try:
                compile_expression(edit.when)
            except ExpressionError as error:
                raise ChainEditError(
                    f"绿色通道的条件写得不对，无法运行（{error}）：请用条件编辑器重新设置"
                ) from None
            if not edit.label.strip():
                raise ChainEditError("绿色通道的名称不能为空：请填写，例如“绿色通道”")
            green: dict[str, Any] = {
                "when": edit.when,
                "relief_roles": list(dict.fromkeys(edit.relief_roles)),
            }
            if edit.label != "绿色通道":
                green["label"] = edit.label
            data["green_channel"] = green
        case SetReminders():
            _days(edit.escalate_every, "催办间隔", low=0, high=_MAX_ESCALATE_EVERY)
            if edit.remind is None and edit.escalate is None:
                data.pop("reminders", None)
                return
            reminders = {
                "remind": _template(data, edit.remind),
                "escalate": _template(data, edit.escalate),
                "escalate_every": edit.escalate_every,
            }
            data["reminders"] = {key: value for key, value in reminders.items() if value is not None}
        case SetAppeal():
            data.pop("appeal_role", None)
            data.pop("appeal_days", None)
            if edit.role is None:
                return
            if edit.days is None:
                raise ChainEditError("请填写不予纳入后几个工作日内可以申请复核")
            data["appeal_role"] = edit.role
            data["appeal_days"] = _days(edit.days, "申请复核的期限")


def apply_chain_edit(chain: Chain, edit: ChainEdit) -> Chain:
    """The chain after ``edit``, decoded back through the chain format.

    Args:
        chain: the chain as the editor has it.
        edit: one change.

    Returns:
        A new chain (``chain`` is not changed); its version is the caller's to set when it is published.

    Raises:
        ChainEditError: the edit names a step, a notification or a template that is not there, a value out of
            range, a rule that does not compile, or would make a chain the format does not allow; the message
            says what to do, in Chinese.
    """
    data: dict[str, Any] = msgspec.to_builtins(chain)
    _edit_step(data, edit)
    _edit_steps(data, edit)
    _edit_chain(data, edit, chain)
    try:
        return decode_chain(msgspec.json.encode(data), source=chain.id)
    except DefinitionError as error:
        raise ChainEditError(f"改动后的流程不符合流程格式（{error}）：请撤销这次改动") from None
