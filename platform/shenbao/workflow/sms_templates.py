"""What each SMS of a chain may say: the variables of each event, the length as sent, a preview.

The values a template is filled with come from two places, and this module mirrors them exactly:

- :mod:`shenbao.workflow.engine` fills ``{step}`` for every step message (the reader's name of the step), and
  ``{due}`` and ``{label}`` when a step is entered (``enter``, and ``appeal`` at the appeal step); after an
  action it fills ``{reason}``, which carries a text only where the action requires one: the reason of a
  refusal (``refuse``), of a return (``return``), and what help was given (``relief``). Passing up and approving
  put the staff's optional note there, written for the history, never for an SMS: a template of those events
  may not show it.
- :mod:`shenbao.workflow.reminders` fills ``{step}``, ``{due}`` and ``{label}`` for the reminder, and ``{days}``
  (the working days overdue) only for the escalation.

The store adds ``{receipt}`` to every message. A variable the event does not fill is sent blank, so
:func:`sms_problems` reports a template that uses one (C025), naming the template, the variable and the event.

One SMS carries 70 Chinese characters, the sign (``【…】``) included; a longer one is split into
parts of 67 and charged per part. :func:`sms_length` counts a template as sent with each variable at its
longest realistic value, and :func:`sms_warnings` warns (C026) where that makes more than one SMS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from string import Formatter
from typing import Literal, TypeAlias

import msgspec

from shenbao.forms.lint import Problem
from shenbao.workflow.model import Chain, Recipient

__all__ = [
    "EVENT_NAMES",
    "EVENT_VARIABLES",
    "LONGEST",
    "SAMPLES",
    "SMS_CODES",
    "SMS_LIMIT",
    "SMS_PART",
    "SMS_WARNINGS",
    "VARIABLE_NAMES",
    "SmsEvent",
    "TemplateUse",
    "allowed_variables",
    "longest_values",
    "sample_text",
    "sign_problems",
    "sms_length",
    "sms_parts",
    "sms_problems",
    "sms_warnings",
    "template_uses",
    "template_variables",
]

SmsEvent: TypeAlias = Literal[
    "enter", "accept", "record_check", "refuse", "pass_up", "approve", "return", "relief", "appeal",
    "remind", "escalate",
]  # fmt: skip
"""A step's notification events (``Notification.on``), plus the reminder and the escalation."""

SMS_LIMIT = 70
"""The characters of one SMS in Chinese (UCS-2), the sign included."""
SMS_PART = 67
"""The characters of each part of a longer SMS (the rest of 70 joins the parts)."""

_STEP_VARIABLES = ("receipt", "step")
_ENTERED = ("receipt", "step", "due", "label")
_WITH_REASON = ("receipt", "step", "reason")
EVENT_VARIABLES: dict[str, tuple[str, ...]] = {
    "enter": _ENTERED,
    "appeal": _ENTERED,
    "accept": _STEP_VARIABLES,
    "record_check": _STEP_VARIABLES,
    "pass_up": _STEP_VARIABLES,
    "approve": _STEP_VARIABLES,
    "refuse": _WITH_REASON,
    "return": _WITH_REASON,
    "relief": _WITH_REASON,
    "remind": _ENTERED,
    "escalate": (*_ENTERED, "days"),
}
"""The variables each event fills, in the order the editor lists them."""

EVENT_NAMES: dict[str, str] = {
    "enter": "进入这个环节",
    "appeal": "申请人申请复核",
    "accept": "受理",
    "record_check": "记录入户核查",
    "pass_up": "上报",
    "approve": "审批通过",
    "refuse": "不予纳入",
    "return": "退回重办",
    "relief": "先行救助",
    "remind": "到期前一个工作日提醒",
    "escalate": "超期催办",
}
"""Each event as the editor names it."""

VARIABLE_NAMES: dict[str, str] = {
    "receipt": "受理号",
    "step": "环节名称",
    "due": "办理期限",
    "label": "绿色通道标记",
    "reason": "理由",
    "days": "超期工作日数",
}
"""Each variable as the editor names it (``{reason}`` is the reason of a refusal or a return, or the help
given after ``relief``)."""

LONGEST: dict[str, str] = {
    "receipt": "2612 3104 2517",
    "step": "村内民主评议和公示环节",
    "due": "12月31日",
    "label": "（绿色通道）",
    "reason": "家庭年人均纯收入高于当年防止返贫监测范围",
    "days": "99",
}
"""The longest realistic value of each variable, for counting a template's length: a receipt number as the
message shows it, the longest date, a step name of eleven characters, a reason of one sentence (20 characters; a
longer one makes the message longer), two digits of working days overdue. :func:`longest_values` puts a
chain's own step names and green-channel label in their place."""

SAMPLES: dict[str, str] = {
    "receipt": "2609 2804 2517",
    "step": "村级核查",
    "due": "10月10日",
    "label": "（绿色通道）",
    "reason": "家庭收入高于监测标准",
    "days": "3",
}
"""The values of a preview (:func:`sample_text`)."""

SMS_CODES = {
    "C025": "SMS template {detail} uses {{{name}}}, which the {event} message does not have (it would be sent "
    "blank): it has {available}",
    "C027": "SMS template {detail} begins with {found} but the pack's sign is 【{sign}】 (pack.json sms_sign): "
    "begin it with 【{sign}】, the sign the province registered with its SMS provider",
}
"""The chain linter's codes for SMS variables (part of :data:`shenbao.workflow.lint.CODES`)."""
SMS_WARNINGS = {
    "C026": "SMS template {detail} is {length} characters long as sent (sign included, each variable at its "
    "longest), more than one SMS of {limit}: it goes as {parts} messages",
}
"""Warnings: the chain works, but costs more than it should (:data:`shenbao.workflow.lint.WARNING_CODES`)."""


class TemplateUse(msgspec.Struct, frozen=True, kw_only=True):
    """A place a template is sent from: the event, the step (``None`` for reminders) and the reader."""

    template: str
    event: SmsEvent
    step: str | None
    to: Recipient


def template_uses(chain: Chain) -> list[TemplateUse]:
    """Every place ``chain`` sends an SMS from, in order: the steps' notifications, then the reminders."""
    uses = [
        TemplateUse(template=note.template, event=note.on, step=step.id, to=note.to)
        for step in chain.steps
        for note in step.notify
    ]
    if chain.reminders is not None:
        if chain.reminders.remind is not None:
            uses.append(TemplateUse(template=chain.reminders.remind, event="remind", step=None, to="handler"))
        if chain.reminders.escalate is not None:
            uses.append(
                TemplateUse(template=chain.reminders.escalate, event="escalate", step=None, to="handler")
            )
    return uses


def template_variables(template: str) -> list[str]:
    """The variables ``template`` uses, each once, in order (``[]`` for a template whose braces are broken:
    the linter reports that as C008)."""
    try:
        names = [name for _, name, _, _ in Formatter().parse(template) if name is not None]
    except ValueError:
        return []
    return list(dict.fromkeys(names))


def allowed_variables(chain: Chain, template_id: str) -> list[str]:
    """The variables template ``template_id`` may use: those every event that sends it fills.

    A template no event sends yet may use any variable but ``{days}``, which only the escalation has.
    """
    events = {use.event for use in template_uses(chain) if use.template == template_id}
    if not events:
        return [name for name in VARIABLE_NAMES if name != "days"]
    return [name for name in VARIABLE_NAMES if all(name in EVENT_VARIABLES[event] for event in events)]


def _problem(path: str, step: str | None, code: str, texts: Mapping[str, str], **values: object) -> Problem:
    shown = {key: str(value) for key, value in values.items()}
    return Problem(code, path, step, texts[code].format(**shown), shown)


def sms_problems(chain: Chain, path: str = "<chain>") -> list[Problem]:
    """C025 for each template a chain sends from an event that does not fill one of its variables.

    Args:
        chain: the chain.
        path: the chain's file, as the problems name it.

    Returns:
        One problem per template, variable and event (at the step of its first use; ``None`` for reminders).
        Unknown variables (C008), unknown templates (C005, C014) and ``{days}`` outside the escalation (C015)
        are the linter's other codes and not repeated here.
    """
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for use in template_uses(chain):
        text = chain.sms.get(use.template)
        if text is None:
            continue
        available = EVENT_VARIABLES[use.event]
        for name in template_variables(text):
            key = (use.template, name, use.event)
            if name not in VARIABLE_NAMES or name == "days" or name in available or key in seen:
                continue
            seen.add(key)
            problems.append(
                _problem(
                    path,
                    use.step,
                    "C025",
                    SMS_CODES,
                    detail=use.template,
                    name=name,
                    event=use.event,
                    available=", ".join(f"{{{each}}}" for each in available),
                    event_zh=EVENT_NAMES[use.event],
                    name_zh=VARIABLE_NAMES[name],
                    available_zh="、".join(f"{{{each}}}（{VARIABLE_NAMES[each]}）" for each in available),
                )
            )
    return problems


_SIGN = re.compile(r"^【[^】]*】")


def sms_length(template: str, sign: str, *, values: Mapping[str, str] | None = None) -> int:
    """The length of ``template``'s message as sent, each variable at its longest realistic value.

    Args:
        template: the template's text.
        sign: the sign the message goes out with (``【…】``, a pack's ``sms_sign``). A sign the template itself begins with
            is the one replaced (never counted twice); ``""`` counts the template's own.
        values: longest values to use instead of :data:`LONGEST` (from :func:`longest_values`).

    Returns:
        The characters, to compare with :data:`SMS_LIMIT`. A template whose braces are broken is counted as
        written.
    """
    longest = {**LONGEST, **(values or {})}
    body = _SIGN.sub("", template) if sign else template
    try:
        filled = body.format_map({name: longest.get(name, "") for name in template_variables(body)})
    except (ValueError, IndexError, KeyError, AttributeError):
        filled = body
    return len(sign) + len(filled)


def sms_parts(length: int) -> int:
    """How many SMS a message of ``length`` characters is sent as (charged per part)."""
    return 1 if length <= SMS_LIMIT else math.ceil(length / SMS_PART)


def longest_values(chain: Chain, template_id: str) -> dict[str, str]:
    """:data:`LONGEST` with ``chain``'s own longest step name among those ``template_id`` is sent from (as
    its readers read it) and the chain's green-channel label."""
    values = dict(LONGEST)
    values["label"] = f"（{chain.green_channel.label}）" if chain.green_channel is not None else ""
    names = [
        step.name_for(use.to)
        for use in template_uses(chain)
        if use.template == template_id
        for step in chain.steps
        if use.step in (None, step.id)
    ]
    if names:
        values["step"] = max(names, key=len)
    return values


def _warnings(chain: Chain, path: str, sign: str) -> Iterator[Problem]:
    for template_id, text in chain.sms.items():
        length = sms_length(text, sign, values=longest_values(chain, template_id))
        if length > SMS_LIMIT:
            yield _problem(
                path,
                None,
                "C026",
                SMS_WARNINGS,
                detail=template_id,
                length=length,
                limit=SMS_LIMIT,
                parts=sms_parts(length),
            )


def sign_problems(sms: Mapping[str, str], sign: str, path: str = "<chain>") -> list[Problem]:
    """C027 for each template of ``sms`` (a chain's, by name) that does not begin with ``【sign】``.

    A province registers one sign with its SMS provider (its ``pack.json``'s ``sms_sign``); every message of its
    chains goes out under it, and the farmer's phone shows it first, so each template starts with it.
    """
    opened = f"【{sign}】"
    return [
        _problem(
            path, None, "C027", SMS_CODES, detail=name, sign=sign, found=_opening(text) or f"“{text[:6]}”"
        )
        for name, text in sms.items()
        if not text.startswith(opened)
    ]


def _opening(text: str) -> str:
    """The ``【...】`` a text begins with, or ``""``."""
    end = text.find("】")
    return text[: end + 1] if text.startswith("【") and end > 0 else ""


def sms_warnings(chain: Chain, path: str = "<chain>", *, sign: str = "") -> list[Problem]:
    """C026 for each template of ``chain`` longer than one SMS as sent (see :func:`sms_length`).

    Args:
        chain: the chain.
        path: the chain's file, as the warnings name it.
        sign: the sign the messages go out with; ``""``: the one each template begins with.
    """
    return list(_warnings(chain, path, sign))


def sample_text(template: str, event: str, *, values: Mapping[str, str] | None = None) -> str:
    """``template`` filled for a preview of its message on ``event``, as the engine would fill it.

    Args:
        template: the template's text.
        event: the event it is sent on (a :data:`SmsEvent`).
        values: sample values to use instead of :data:`SAMPLES` (the step's own name, say).

    Returns:
        The text, with the variables the event fills at their sample values and the others blank, as they
        would be sent; a template whose braces are broken is returned as written.
    """
    available = EVENT_VARIABLES.get(event, ())
    samples = {**SAMPLES, **(values or {})}
    try:
        names = template_variables(template)
        return template.format_map({name: samples[name] if name in available else "" for name in names})
    except (ValueError, IndexError, KeyError, AttributeError):
        return template
