"""The workflow engine: a pure state machine over a chain.

``start`` opens an application at the chain's first step; ``apply`` takes one action and returns the new
state with the events it caused. Nothing here reads a clock, a file or a database: the caller passes the
day and the calendar, and writes the state and the events (history and outbox rows) in one transaction.
Every refusal raises :class:`TransitionRefused` before anything is computed, so nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from string import Formatter
from typing import Any, Literal, TypeAlias

import msgspec

from shenbao.forms.model import text_of
from shenbao.roles import code_length, region_at, role_label
from shenbao.statuses import APPLICANT_STATUS_LABELS, STATUS_LABELS
from shenbao.workflow.calendar import CalendarError, WorkingCalendar
from shenbao.workflow.green import is_green
from shenbao.workflow.model import (
    ADVANCING,
    Accept,
    Action,
    Actor,
    Appeal,
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
    "MAX_APPEAL_CHARS",
    "UNKNOWN_DUE",
    "TransitionRefused",
    "appeal_deadline",
    "appeal_step",
    "apply",
    "fill_deadlines",
    "region_at",
    "sms_params",
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
    "appeal": "申请复核",
}
_MIN_REASON_CHARS = 4
MAX_APPEAL_CHARS = 500
"""The longest reason an applicant may give for an appeal (it is kept in the history, never put in an SMS)."""

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


def _restarted_on(state: ApplicationState) -> dt.date:
    """Where deadlines "from submission" count from: the submission, or the appeal that reopened the case."""
    return state.appealed_on or state.submitted_on


def step_due(step: Step, state: ApplicationState, calendar: WorkingCalendar) -> dt.date | None:
    """The current step's deadline, counted from the submission (or the appeal) or from the step's first day."""
    origin = _restarted_on(state) if step.deadline.start == "submission" else state.step_started_on
    return _add(calendar, origin, step.deadline.working_days)


def fill_deadlines(chain: Chain, state: ApplicationState, calendar: WorkingCalendar) -> ApplicationState:
    """The state with the deadlines that were unknown when it was written computed, where the calendar now can.

    A deadline that falls in a year missing from the calendar is left ``None`` ("期限待定") and the
    application goes on; once the pack's ``holidays.json`` has that year, this fills it in.
    """
    if state.status != "in_progress":
        return state
    due = state.due_on or step_due(chain.step(state.step), state, calendar)
    final = state.final_due_on or _add(calendar, _restarted_on(state), chain.deadline.working_days)
    return msgspec.structs.replace(state, due_on=due, final_due_on=final)


def _notify(chain: Chain, step: Step, on: str, region: str, values: Mapping[str, str]) -> list[Notify]:
    """The step's text messages ``on`` this event, each with ``{step}`` as its reader calls the step.

    The applicant reads the step's :attr:`~shenbao.workflow.model.Step.public_name` (``村里答复``), the
    handlers its staff name (``答复农户``): the staff's words never reach a farmer's phone.
    """
    return [
        Notify(
            to=notification.to,
            role=step.role if notification.to == "handler" else None,
            region=region_at(region, step.role) if notification.to == "handler" else region,
            template=notification.template,
            values={**values, "step": step.name_for(notification.to)},
        )
        for notification in step.notify
        if notification.on == on
    ]


def _enter(
    chain: Chain,
    state: ApplicationState,
    step: Step,
    today: dt.date,
    calendar: WorkingCalendar,
    *,
    on: str = "enter",
) -> tuple[ApplicationState, list[Event]]:
    """``state`` moved to ``step`` today with its deadline, and the step's notifications ``on`` that."""
    entered = msgspec.structs.replace(state, step=step.id, step_started_on=today, due_on=None)
    due = step_due(step, entered, calendar)
    entered = msgspec.structs.replace(entered, due_on=due)
    shown = f"{due.month}月{due.day}日" if due is not None else UNKNOWN_DUE
    values = {"due": shown, "label": ""}
    if state.green and chain.green_channel:
        values["label"] = f"（{chain.green_channel.label}）"
    return entered, [*_notify(chain, step, on, state.region, values)]


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
        chain_version=chain.version,
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
        done = STATUS_LABELS[state.status]
        raise TransitionRefused("state", f"这份申请已经办结（{done}），不能再{name}")
    step_name = text_of(step.name)
    if actor.role != step.role:
        raise TransitionRefused("role", f"现在是“{step_name}”环节，应由{role_label(step.role)}办理人员办理")
    if len(actor.region) != code_length(step.role) or not state.region.startswith(actor.region):
        raise TransitionRefused("region", "这份申请不在您的辖区，不能办理")
    if _name(action) not in step.actions:
        raise TransitionRefused("action", f"“{step_name}”环节不能{name}")


def appeal_step(chain: Chain) -> Step | None:
    """The step an appeal reopens the case at: the first of ``appeal_role`` (``None``: no appeals)."""
    return next((step for step in chain.steps if step.role == chain.appeal_role), None)


def appeal_deadline(chain: Chain, state: ApplicationState, calendar: WorkingCalendar) -> dt.date | None:
    """The last day a refused application may be appealed.

    ``None`` when it may not be appealed at all (not refused, or the chain takes no appeals), when the chain
    sets no window, or when the window ends in a year the calendar does not know yet: the engine then
    accepts the appeal rather than refuse it on a guess.
    """
    if state.status != "refused" or state.refused_on is None or chain.appeal_days is None:
        return None
    return _add(calendar, state.refused_on, chain.appeal_days)


def _check_appeal(
    chain: Chain,
    state: ApplicationState,
    action: Appeal,
    actor: Actor,
    today: dt.date,
    calendar: WorkingCalendar,
) -> tuple[Step, str]:
    """The step the appeal reopens the case at and the applicant's reason, once every check has passed."""
    if actor.role != "applicant":
        raise TransitionRefused("role", "只有申请人本人可以申请复核，办理人员不能代为申请")
    step = appeal_step(chain)
    if step is None:
        raise TransitionRefused("action", "这项申报不受理网上复核申请，如有异议请直接到乡镇政府反映")
    if state.status != "refused":
        done = APPLICANT_STATUS_LABELS[state.status]  # the applicant reads this one
        raise TransitionRefused("state", f"这份申请{done}，不需要申请复核")
    if state.appealed_on is not None:
        raise TransitionRefused(
            "state",
            "这份申请已经申请过一次复核，复核后的结论不能再在网上申请复核；如仍有异议，请到乡镇政府当面反映",
        )
    last = appeal_deadline(chain, state, calendar)
    if last is not None and today > last:
        raise TransitionRefused(
            "state",
            f"申请复核要在不予纳入后{chain.appeal_days}个工作日内提出（截止{last.month}月{last.day}日），"
            "现在已经过了期限；如仍有异议，请到乡镇政府当面反映",
        )
    reason = action.reason.strip()
    if len(reason) < _MIN_REASON_CHARS:
        raise TransitionRefused("field", f"请写明申请复核的理由，至少{_MIN_REASON_CHARS}个字", field="reason")
    if len(reason) > MAX_APPEAL_CHARS:
        raise TransitionRefused(
            "field", f"理由请写在{MAX_APPEAL_CHARS}个字以内（现在{len(reason)}个字）", field="reason"
        )
    return step, reason


def _appeal(
    chain: Chain,
    state: ApplicationState,
    action: Appeal,
    actor: Actor,
    today: dt.date,
    calendar: WorkingCalendar,
) -> tuple[ApplicationState, list[Event]]:
    """Reopen a refused case at the appeal step, its deadlines counted anew from today."""
    step, reason = _check_appeal(chain, state, action, actor, today, calendar)
    reopened = msgspec.structs.replace(
        state,
        status="in_progress",
        refused_on=None,
        appealed_on=today,
        final_due_on=_add(calendar, today, chain.deadline.working_days),
    )
    # The applicant's own words never go into an SMS sent in the government's name: handlers read them
    # in the history.
    reopened, notices = _enter(chain, reopened, step, today, calendar, on="appeal")
    history = Recorded(action="appeal", step=step.id, actor=actor.id, on=today, text=reason)
    return reopened, [history, *notices]


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

    An :class:`~shenbao.workflow.model.Appeal` is the applicant's (:data:`~shenbao.workflow.model.APPLICANT`):
    only of a refused application, once, within ``appeal_days`` working days of the refusal; it reopens the
    case at the first step of ``appeal_role`` and tells that step's handlers (its ``appeal`` notifications).
    """
    state = fill_deadlines(chain, state, calendar)
    if isinstance(action, Appeal):
        return _appeal(chain, state, action, actor, today, calendar)
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
    values = {"reason": text}
    events: list[Event] = [history, *_notify(chain, step, name, state.region, values)]

    if isinstance(action, Accept):
        return msgspec.structs.replace(state, accepted_on=today), events
    if isinstance(action, GiveRelief):
        return msgspec.structs.replace(state, relief_on=today), events
    if isinstance(action, Refuse):
        return msgspec.structs.replace(state, status="refused", due_on=None, refused_on=today), events
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


def sms_params(chain: Chain, message: Notify, *, receipt: str) -> dict[str, str]:
    """The values an SMS event's text is made from: ``receipt`` (as the text shows it) and one value per
    placeholder of its template, from the event's values, ``""`` where the event has none (the text shows it
    blank). ``receipt`` is there even when the template does not show it, so a message's values are never empty.

    Queued with the message, they are the parameters of a provider's approved template
    (:mod:`shenbao.notify.aliyun`). A value of the event its template does not show (the staff's note as
    ``reason`` beside an ``approved``) is left out: it would go to the provider without reaching the recipient.

    Raises:
        KeyError: the template is not in the chain (``shenbao lint`` reports that as C005).
    """
    given = {**message.values, "receipt": receipt}
    names = (name for _, name, _, _ in Formatter().parse(chain.sms[message.template]) if name is not None)
    return {"receipt": receipt} | {name: given.get(name, "") for name in names}


def sms_text(chain: Chain, message: Notify, *, receipt: str) -> str:
    """The text of an SMS event: its chain template filled with :func:`sms_params`.

    Raises:
        KeyError: the template is not in the chain (``shenbao lint`` reports that as C005).
    """
    return chain.sms[message.template].format_map(sms_params(chain, message, receipt=receipt))
