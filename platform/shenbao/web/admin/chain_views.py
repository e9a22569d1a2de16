"""What the chain editor's page shows and reads: the edits a posted form makes, and the page's context (the
timeline, the checks, each SMS with its variables and length, the open cases on each version)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from shenbao.cases.chain_editing import check_chain
from shenbao.cases.publishing import chain_province
from shenbao.forms.edit_rules import default_condition
from shenbao.forms.model import FormDef, text_of
from shenbao.forms.rule_reading import read_rule
from shenbao.forms.rule_text import describe_rule
from shenbao.forms.rules import Rule, rule_source
from shenbao.regions.divisions import Level
from shenbao.roles import ROLE_NAMES, Role, is_role, make_role, office_problem, role_label, role_office
from shenbao.store import chain_drafts as drafts
from shenbao.web.admin.rule_form import ConditionRow, GroupNode, posted_rule, rule_rows
from shenbao.web.services import Services
from shenbao.workflow.chain_diff import diff_chains
from shenbao.workflow.chain_edits import (
    AddNotification,
    AddStep,
    ChainEdit,
    MoveStep,
    RemoveNotification,
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
from shenbao.workflow.model import ActionName, Chain, Step
from shenbao.workflow.sms_templates import (
    EVENT_NAMES,
    SMS_LIMIT,
    VARIABLE_NAMES,
    allowed_variables,
    longest_values,
    sample_text,
    sms_length,
    sms_parts,
    template_uses,
)
from shenbao.workflow.timeline import month_grids, timeline

__all__ = ["chain_edits", "chain_form", "editor_context", "green_rows", "green_sentence", "pack_sign"]

ACTIONS: tuple[str, ...] = get_args(ActionName)
ROLES: tuple[Level, ...] = tuple(ROLE_NAMES)
NOTIFY_EVENTS = (
    "enter",
    "accept",
    "record_check",
    "refuse",
    "pass_up",
    "approve",
    "return",
    "relief",
    "appeal",
)
_DAYS = "请填1到250之间的整数（工作日）"


def _days(value: str, what: str) -> int | str:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 250:
        return f"“{what}”{_DAYS}，现在是“{value}”"
    return int(value)


def _role(level: str, office: str = "") -> Role | None:
    """The role a level's drop-down and an office's text box posted (``None``: no level chosen)."""
    chosen = next((each for each in ROLES if each == level), None)
    return None if chosen is None else make_role(chosen, office)


def _role_posted(posted: dict[str, str]) -> Role | str | None:
    """The role posted as ``role`` (a level) and ``office``: the role, ``None`` for no level, or the problem."""
    problem = office_problem(posted.get("office", ""))
    if problem:
        return problem
    return _role(posted.get("role", ""), posted.get("office", ""))


def relief_choices(chain: Chain) -> list[tuple[Role, str]]:
    """The roles a green channel's relief may be given by: every level, and every office the chain names."""
    named = [step.role for step in chain.steps]
    named += chain.green_channel.relief_roles if chain.green_channel else []
    offices = [role for role in dict.fromkeys(named) if role_office(role)]
    return [(role, role_label(role)) for role in (*ROLES, *offices)]


def _step_edits(step: Step, posted: dict[str, str]) -> list[ChainEdit] | str:
    """The edits one step's form makes: only what changed."""
    edits: list[ChainEdit] = []
    name, public = posted.get("name", "").strip(), posted.get("public_name", "").strip()
    if name != text_of(step.name) or public != text_of(step.public_name):
        edits.append(SetStepNames(step=step.id, name=name or None, public_name=public or None))
    role = _role_posted(posted)
    if role is None:
        return "请选择这一步由谁办理"
    if not is_role(role):
        return role  # the office's problem
    if role != step.role:
        edits.append(SetStepRole(step=step.id, role=role))
    days = _days(posted.get("working_days", ""), "期限")
    if isinstance(days, str):
        return days
    start: Literal["submission", "previous_step"] = (
        "previous_step" if posted.get("start") == "previous_step" else "submission"
    )
    if days != step.deadline.working_days or start != step.deadline.start:
        edits.append(SetStepDeadline(step=step.id, working_days=days, start=start))
    actions = [action for action in ACTIONS if posted.get(f"action.{action}") == "1"]
    if "actions._shown" in posted and actions != list(step.actions):
        edits.append(SetStepActions(step=step.id, actions=actions))  # type: ignore[arg-type]
    form = posted.get("form", "") or None
    if form != step.form:
        edits.append(SetStepForm(step=step.id, form=form))
    return edits


def _green_rule(chain: Chain, posted: dict[str, str], form: FormDef | None) -> list[ChainEdit] | str:
    """The green channel's rule from the rule builder's rows (over the questions of ``form``, the form that uses the
    chain), kept as the CEL it compiles to; its label and relief roles unchanged."""
    if form is None or not form.questions():
        return "没有表单用这个流程，无法按题目设置绿色通道：请在下面直接写表达式"
    last = form.questions()[-1].id
    if posted.get("act") == "start":
        rule: Rule | None = default_condition(form, last, "check")
    else:
        rule = posted_rule(form, last, "check", posted)
    green = chain.green_channel
    relief, label = (green.relief_roles, green.label) if green else ([], "绿色通道")
    if rule is None:
        return [SetGreenChannel(when=None, relief_roles=[], label=label)]
    try:
        when = rule_source(rule, form)
    except ValueError as error:
        return f"绿色通道的条件还不完整：{error}"
    return [SetGreenChannel(when=when, relief_roles=list(relief), label=label)]


def chain_edits(chain: Chain, posted: dict[str, str], form: FormDef | None = None) -> list[ChainEdit] | str:
    """The edits a posted form of the editor makes (``op`` says which form), or what is wrong with it (Chinese);
    ``form`` is the form that uses the chain (the green channel's rule reads its questions)."""
    op = posted.get("op", "")
    if op == "green_rule":
        return _green_rule(chain, posted, form)
    step_id = posted.get("step", "")
    step = next((each for each in chain.steps if each.id == step_id), None)
    if op == "step":
        return _step_edits(step, posted) if step is not None else "这一步已经不在流程里了，请刷新页面"
    if op in ("add_notification", "remove_notification"):
        kind = AddNotification if op == "add_notification" else RemoveNotification
        on, to, template = posted.get("on", ""), posted.get("to", ""), posted.get("template", "")
        if on not in NOTIFY_EVENTS or to not in ("handler", "applicant") or not template:
            return "请选择什么时候发、发给谁、用哪条短信"
        return [kind(step=step_id, on=on, to=to, template=template)]  # type: ignore[arg-type]
    if op == "sms":
        return [SetSmsTemplate(template=posted.get("template", ""), text=posted.get("text", "").strip())]
    if op == "add_step":
        role = _role_posted(posted) or "village"
        if not is_role(role):
            return role  # the office's problem
        return [AddStep(after=step_id or None, role=role)]
    if op == "remove_step":
        return [RemoveStep(step=step_id)]
    if op == "move_step":
        return [MoveStep(step=step_id, by=-1 if posted.get("by") == "-1" else 1)]
    if op == "chain_deadline":
        days = _days(posted.get("working_days", ""), "整个流程的期限")
        return days if isinstance(days, str) else [SetChainDeadline(working_days=days)]
    if op == "appeal":
        hears = _role_posted(posted)
        if hears is None:
            return [SetAppeal(role=None, days=None)]
        if not is_role(hears):
            return hears  # the office's problem
        days = _days(posted.get("days", ""), "申诉期限")
        return days if isinstance(days, str) else [SetAppeal(role=hears, days=days)]
    if op == "reminders":
        every = posted.get("escalate_every", "5").strip()
        if not (every.isascii() and every.isdigit()) or int(every) > 60:
            return "“再次催办间隔”请填0到60之间的整数（0：只催办一次）"
        return [
            SetReminders(
                remind=posted.get("remind") or None, escalate=posted.get("escalate") or None,
                escalate_every=int(every),
            )
        ]  # fmt: skip
    if op == "green":
        relief = [role for role, _ in relief_choices(chain) if posted.get(f"relief.{role}") == "1"]
        label = posted.get("label", "").strip() or "绿色通道"
        return [
            SetGreenChannel(when=posted.get("when", "").strip() or None, relief_roles=relief, label=label)
        ]
    return "这个操作不认识，请刷新页面再试"


def _sms_rows(chain: Chain, sign: str) -> list[dict[str, Any]]:
    uses = template_uses(chain)
    names = {step.id: step for step in chain.steps}
    rows = []
    for template_id, text in chain.sms.items():
        used = [use for use in uses if use.template == template_id]
        length = sms_length(text, sign, values=longest_values(chain, template_id))
        events = [use.event for use in used]
        rows.append(
            {
                "id": template_id,
                "text": text,
                "uses": [
                    (
                        EVENT_NAMES.get(use.event, use.event),
                        text_of(names[use.step].name_for(use.to)) if use.step in names else "",
                        "农户" if use.to == "applicant" else "办理人",
                    )
                    for use in used
                ],
                "variables": [(name, VARIABLE_NAMES[name]) for name in allowed_variables(chain, template_id)],
                "length": length,
                "parts": sms_parts(length),
                "sample": sample_text(text, events[0]) if events else text,
            }
        )
    return rows


def green_rows(chain: Chain, form: FormDef) -> GroupNode | ConditionRow | None:
    """The green channel's rule as the rule builder's rows over ``form``'s questions (``None``: no rule yet, or one
    beyond the builder's grammar, edited as its expression)."""
    if chain.green_channel is None or not form.questions():
        return None
    try:
        return rule_rows(form, chain.green_channel.when, after=form.questions()[-1].id)
    except (ValueError, KeyError):
        return None


def chain_form(services: Services, chain_id: str) -> FormDef | None:
    """The first form that uses the chain: the questions its green channel may read."""
    return next((form.definition for form in services.forms if form.definition.chain == chain_id), None)


def green_sentence(chain: Chain, forms: list[FormDef]) -> str:
    """The green-channel rule as a Chinese sentence over the questions of the first form using the chain ("" when
    there is no rule, no such form, or the rule is beyond the builder's grammar: the expression is shown then)."""
    if chain.green_channel is None or not forms:
        return ""
    try:
        rule = read_rule(chain.green_channel.when, forms[0])
    except (ValueError, KeyError):
        return ""
    return describe_rule(rule, forms[0]) if rule is not None else ""


def pack_sign(services: Services, chain_id: str) -> str | None:
    """The SMS sign of the chain's pack (``pack.json``'s ``sms_sign``): every message of the chain goes under it."""
    return services.packs.sign_of(services.chains.pack_of(chain_id))


async def editor_context(services: Services, chain: Chain, *, on: dt.date) -> dict[str, Any]:
    """Everything the editor's page shows beside the draft ``chain``."""
    found = services.chains.get(chain.id)
    if found is None:
        raise LookupError(chain.id)
    line = timeline(chain, found.calendar, on)
    forms = {form.id: form.definition for form in [*services.forms, *services.step_forms]}
    users = [form.id for form in services.forms if form.definition.chain == chain.id]
    province = chain_province(services.chains, chain.id) or ""
    roles = await drafts.roles_with_accounts(services.database, province)  # a pack serves its own province
    sign = pack_sign(services, chain.id)
    serving = found.chain
    using = [form.definition for form in services.forms if form.id in users]
    return {
        "green_rows": green_rows(chain, using[0]) if using else None,
        "green_form": bool(using),
        "changes": diff_chains(serving, chain),
        "serving_version": serving.version,
        "timeline": line,
        "grids": month_grids(line),
        "on": on,
        "checked": check_chain(chain, forms, roles_with_accounts=roles, sign=sign),
        "sms": _sms_rows(chain, f"【{sign}】" if sign else ""),
        "sms_limit": SMS_LIMIT,
        "impact": sorted(
            (await drafts.open_cases_by_chain_version(services.database, users)).items(),
            key=lambda row: row[0] or 0,
        ),
        "users": [services.forms.get(form_id) for form_id in users],
        "roles": ROLE_NAMES,
        "relief_choices": relief_choices(chain),
        "actions": [(action, ACTION_LABELS.get(action, action)) for action in ACTIONS],
        "events": [(event, EVENT_NAMES.get(event, event)) for event in NOTIFY_EVENTS],
        "step_forms": [form.id for form in services.step_forms],
        "templates": list(chain.sms),
        "green_sentence": green_sentence(
            chain, [form.definition for form in services.forms if form.id in users]
        ),
    }
