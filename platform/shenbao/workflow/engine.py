"""The workflow engine: a pure state machine over a chain.

``start`` opens an application at the chain's first step; ``apply`` takes one action and returns the new
state with the events it caused. Nothing here reads a clock, a file or a database: the caller passes the
day and the calendar, and writes the state and the events (history and outbox rows) in one transaction.
Every refusal raises :class:`TransitionRefused` before anything is computed, so nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import msgspec

from shenbao.forms.model import text_of
from shenbao.roles import ROLE_CODE_LENGTHS, ROLE_NAMES, region_at
from shenbao.workflow.calendar import CalendarError, WorkingCalendar
from shenbao.workflow.green import is_green
from shenbao.workflow.model import (
    ADVANCING,
    Accept,
    Action,
    Actor,
    ApplicationState,
    Approve,
    Chain,
    Event,
    GiveRelief,
    Notify,
    PassUp,
    RecordCheck,
    Recorded,
    Refuse,
    ReturnForRework,
    Step,
)

__all__ = [
    "ACTION_LABELS",
    "UNKNOWN_DUE",
    "TransitionRefused",
    "apply",
    "fill_deadlines",
    "region_at",
    "sms_text",
    "sort_key",
    "start",
    "step_due",
]

ACTION_LABELS: dict[str, str] = {
    "accept": "受理",
    "record_check": "记录入户核查",
    "refuse": "不予纳入",
    "pass_up": "上报",
    "approve": "审批通过",
    "return": "退回重办",
    "relief": "先行救助",
}
_MIN_REASON_CHARS = 4

Refusal: TypeAlias = Literal["role", "region", "state", "action", "field"]


class TransitionRefused(Exception):
    """An action that may not happen: wrong role, region or state, or a missing reason.

    Attributes:
        kind: which check failed (``role``, ``region``, ``state``, ``action`` or ``field``).
        field: the action's field at fault (``reason``, ``what``, ``answers``), for ``field`` refusals.
        message: the Chinese message to show the handler.
    """

    def __init__(self, kind: Refusal, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field
        self.message = message


UNKNOWN_DUE = "规定期限"
"""What an SMS says for ``{due}`` while the deadline's year is missing from the calendar."""


def _add(calendar: WorkingCalendar, origin: dt.date, working_days: int) -> dt.date | None:
    """``working_days`` after ``origin``, or ``None`` when the calendar does not know the year yet."""
    try:
        return calendar.add_working_days(origin, working_days)
    except CalendarError:
        return None


def step_due(step: Step, state: ApplicationState, calendar: WorkingCalendar) -> dt.date | None:
    """The current step's deadline, counted from the submission or from the day the step was entered."""
    origin = state.submitted_on if step.deadline.start == "submission" else state.step_started_on
    return _add(calendar, origin, step.deadline.working_days)


def fill_deadlines(chain: Chain, state: ApplicationState, calendar: WorkingCalendar) -> ApplicationState:
    """The state with the deadlines that were unknown when it was written computed, where the calendar now can.

    A deadline that falls in a year missing from the calendar is left ``None`` ("期限待定") and the
    application goes on; once the pack's ``holidays.json`` has that year, this fills it in.
    """
    if state.status != "in_progress":
        return state
    due = state.due_on or step_due(chain.step(state.step), state, calendar)
    final = state.final_due_on or _add(calendar, state.submitted_on, chain.deadline.working_days)
    return msgspec.structs.replace(state, due_on=due, final_due_on=final)


def _notify(chain: Chain, step: Step, on: str, region: str, values: Mapping[str, str]) -> list[Notify]:
    return [
        Notify(
            to=notification.to,
            role=step.role if notification.to == "handler" else None,
            region=region_at(region, step.role) if notification.to == "handler" else region,
            template=notification.template,
            values=dict(values),
        )
        for notification in step.notify
        if notification.on == on
    ]


def _enter(
    chain: Chain, state: ApplicationState, step: Step, today: dt.date, calendar: WorkingCalendar
) -> tuple[ApplicationState, list[Event]]:
    entered = msgspec.structs.replace(state, step=step.id, step_started_on=today, due_on=None)
    due = step_due(step, entered, calendar)
    entered = msgspec.structs.replace(entered, due_on=due)
    shown = f"{due.month}月{due.day}日" if due is not None else UNKNOWN_DUE
    values = {"step": text_of(step.name), "due": shown, "label": ""}
    if state.green and chain.green_channel:
        values["label"] = f"（{chain.green_channel.label}）"
    return entered, [*_notify(chain, step, "enter", state.region, values)]


def start(
    chain: Chain,
    *,
    region: str,
    submitted_on: dt.date,
    answers: Mapping[str, Any],
    calendar: WorkingCalendar,
) -> tuple[ApplicationState, list[Event]]:
    """Open a submitted application at the chain's first step.

    Args:
        chain: the chain the form uses.
        region: the applicant's village, a 12-digit division code.
        submitted_on: the day of submission (China Standard Time).
        answers: the application's answers, read by the green-channel rule.
        calendar: the working-day calendar.

    Returns:
        The state at the first step, and the events: the submission's history row and the first step's SMS.

    A deadline in a year the calendar does not know yet is ``None``; :func:`fill_deadlines` computes it later.
    """
    state = ApplicationState(
        chain=chain.id,
        region=region,
        submitted_on=submitted_on,
        step=chain.steps[0].id,
        step_started_on=submitted_on,
        due_on=None,
        final_due_on=_add(calendar, submitted_on, chain.deadline.working_days),
        green=is_green(chain, answers),
    )
    state, events = _enter(chain, state, chain.steps[0], submitted_on, calendar)
    submitted = Recorded(action="submit", step=state.step, actor="applicant", on=submitted_on)
    return state, [submitted, *events]


def _check_actor(chain: Chain, state: ApplicationState, step: Step, action: Action, actor: Actor) -> None:
    name = ACTION_LABELS[_name(action)]
    if isinstance(action, GiveRelief):
        roles = chain.green_channel.relief_roles if chain.green_channel else []
        if not state.green:
            raise TransitionRefused("state", "这份申请不在绿色通道，不能记录先行救助")
        if state.status != "in_progress":
            raise TransitionRefused("state", "这份申请已经办结，先行救助要在办结前记录")
        if actor.role not in roles:
            raise TransitionRefused("role", "您的角色不能记录先行救助")
        if not state.region.startswith(actor.region):
            raise TransitionRefused("region", "这份申请不在您的辖区，不能办理")
        return
    if state.status != "in_progress":
        done = "已审批通过" if state.status == "approved" else "已不予纳入"
        raise TransitionRefused("state", f"这份申请{done}，已经办结，不能再{name}")
    step_name = text_of(step.name)
    if actor.role != step.role:
        raise TransitionRefused("role", f"现在是“{step_name}”环节，应由{ROLE_NAMES[step.role]}办理人员办理")
    if len(actor.region) != ROLE_CODE_LENGTHS[step.role] or not state.region.startswith(actor.region):
        raise TransitionRefused("region", "这份申请不在您的辖区，不能办理")
    if _name(action) not in step.actions:
        raise TransitionRefused("action", f"“{step_name}”环节不能{name}")


def _name(action: Action) -> str:
    return str(action.__struct_config__.tag)


def _require(text: str, field: str, label: str) -> str:
    text = text.strip()
    if len(text) < _MIN_REASON_CHARS:
        raise TransitionRefused(
            "field", f"请填写{label}（{field}），至少{_MIN_REASON_CHARS}个字", field=field
        )
    return text


def apply(
    chain: Chain,
    state: ApplicationState,
    action: Action,
    *,
    actor: Actor,
    today: dt.date,
    calendar: WorkingCalendar,
) -> tuple[ApplicationState, list[Event]]:
    """Take one action on an application.

    Args:
        chain: the application's chain.
        state: where the application stands.
        action: what the handler does.
        actor: who does it (role and region are checked against the current step).
        today: the day it happens (China Standard Time).
        calendar: the working-day calendar, for the next step's deadline.

    Returns:
        The new state, and the events: a history row, then any SMS to send.

    Raises:
        TransitionRefused: wrong role, region or state, an action the step does not allow, or a missing
            reason (``field`` names it); the state is then unchanged.
    """
    state = fill_deadlines(chain, state, calendar)
    step = chain.step(state.step)
    _check_actor(chain, state, step, action, actor)
    name = _name(action)
    text = ""
    answers: dict[str, Any] = {}
    if isinstance(action, Refuse):
        text = _require(action.reason, "reason", "不予纳入的理由")
    elif isinstance(action, ReturnForRework):
        text = _require(action.reason, "reason", "退回的原因")
        if chain.index(step.id) == 0:
            raise TransitionRefused("action", "第一个环节没有上一环节，不能退回")
    elif isinstance(action, GiveRelief):
        text = _require(action.what, "what", "救助的内容")
        if state.relief_on is not None:
            raise TransitionRefused("state", "已经记录过先行救助")
    elif isinstance(action, RecordCheck):
        if not action.answers:
            raise TransitionRefused("field", "请先填写入户核查表（answers）", field="answers")
        answers = dict(action.answers)
    elif isinstance(action, PassUp | Approve):
        text = action.note.strip()
    elif isinstance(action, Accept) and state.accepted_on is not None:
        raise TransitionRefused("state", "这份申请已经受理")

    history = Recorded(action=name, step=step.id, actor=actor.id, on=today, text=text, answers=answers)
    values = {"step": text_of(step.name), "reason": text}
    events: list[Event] = [history, *_notify(chain, step, name, state.region, values)]

    if isinstance(action, Accept):
        return msgspec.structs.replace(state, accepted_on=today), events
    if isinstance(action, GiveRelief):
        return msgspec.structs.replace(state, relief_on=today), events
    if isinstance(action, Refuse):
        return msgspec.structs.replace(state, status="refused", due_on=None), events
    if isinstance(action, ReturnForRework):
        previous = chain.steps[chain.index(step.id) - 1]
        state, entered = _enter(chain, state, previous, today, calendar)
        return state, [*events, *entered]
    assert name in ADVANCING
    if isinstance(action, RecordCheck):
        state = msgspec.structs.replace(state, checked_on=today, accepted_on=state.accepted_on or today)
    position = chain.index(step.id)
    if position + 1 == len(chain.steps):
        return msgspec.structs.replace(state, status="approved", due_on=None), events
    state, entered = _enter(chain, state, chain.steps[position + 1], today, calendar)
    return state, [*events, *entered]


def sort_key(state: ApplicationState) -> tuple[bool, bool, dt.date, dt.date]:
    """The inbox order: open cases first, green-channel cases first among them, then by deadline."""
    return (state.status != "in_progress", not state.green, state.due_on or dt.date.max, state.submitted_on)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def sms_text(chain: Chain, message: Notify, *, receipt: str) -> str:
    """The text of an SMS event: its chain template filled with the event's values and the receipt number.

    Raises:
        KeyError: the template is not in the chain (``shenbao lint`` reports that as C005).
    """
    return chain.sms[message.template].format_map(_Blank(message.values, receipt=receipt))
