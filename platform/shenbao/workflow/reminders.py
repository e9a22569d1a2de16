"""Deadline reminders and escalations: what the scheduled job owes an application today, decided purely.

A chain opts in with its ``reminders`` block (:class:`~shenbao.workflow.model.Reminders`): the SMS template of
the reminder, that of the escalation, and how often an escalation repeats. Given the application's state, the
chain, today and the calendar, :func:`deadline_notice` says which one message is due, if any. Days are calendar
dates in China Standard Time and working days come from the pack's calendar.

- **Reminder** (``reminder``), to the handlers of the current step, on the last working day before the step's
  deadline: a Monday deadline is reminded on the Friday before, the first working day after National Day on
  the last working day before the holiday, and a Monday after an adjusted working Saturday on that Saturday.
  A job that missed that day sends it later, up to the deadline day itself. None when the step began on or
  after the reminder day: the message that announced the step gave the deadline a moment ago.
- **Escalation** (``overdue``), to the staff one level above the step (:func:`role_above`: the role of the
  chain's next step at a higher level, ``county:民政`` when a county office follows a township step; past the
  chain's highest step, the province, which oversees every chain) serving the application's region, once a whole working day has passed after the deadline: a
  Friday deadline is escalated on Monday, never over the weekend. It repeats every ``escalate_every`` further
  working days (rounds 1, 2, 3 at 1, 6 and 11 working days overdue, by default) and goes to the same level
  each time: it does not climb, or province staff would get a message for every slow village. A job that
  missed rounds sends the current one only. A province-level step has no level above and is not escalated.

Each notice has a :attr:`~DeadlineNotice.key` (step, deadline, kind, round). The store records the keys it
sent per application, so each is sent once; a step entered again with a new deadline (after a return for
rework) is reminded again.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

import msgspec

from shenbao.roles import ROLES, Role, region_at, role_level
from shenbao.workflow.calendar import WorkingCalendar
from shenbao.workflow.model import ApplicationState, Chain, Notify

__all__ = ["NOTICE_LABELS", "DeadlineNotice", "NoticeKind", "deadline_notice", "reminder_day", "role_above"]

NoticeKind: TypeAlias = Literal["reminder", "overdue"]
NOTICE_LABELS: dict[str, str] = {"reminder": "已提醒", "overdue": "已上报催办"}
"""How the application's history names each kind of notice."""


class DeadlineNotice(msgspec.Struct, frozen=True, kw_only=True):
    """One reminder or escalation due about an application's current step.

    Attributes:
        kind: ``reminder`` (to the step's handlers) or ``overdue`` (to the level above).
        step: the step whose deadline it is about.
        due_on: that deadline.
        round: 0 for a reminder; 1, 2, ... for the first, second, ... escalation.
        overdue_days: the working days past the deadline (0 for a reminder).
        message: the SMS to queue: its role and region say whose phones it goes to.
    """

    kind: NoticeKind
    step: str
    due_on: dt.date
    round: int
    overdue_days: int
    message: Notify

    @property
    def key(self) -> tuple[str, dt.date, str, int]:
        """What makes it sent once per application: the step, the deadline, the kind and the round."""
        return (self.step, self.due_on, self.kind, self.round)


def role_above(role: Role, chain: Chain | None = None) -> Role | None:
    """Who hears that a step of ``role`` is overdue: the role one level above it; ``None`` above province.

    With ``chain``, the role (office included) of the chain's first step whose level is above ``role``'s, so a
    township step followed by ``county:民政`` escalates to that office and a chain passing through 市州 reaches
    the city. Past the chain's highest step (or without ``chain``) it is the province level, without office:
    the province oversees every chain, while a city or county level the chain never uses may have no accounts
    at all (a chain that ends at the county escalates to the province). ``role`` of no known level: ``None``.
    """
    level = role_level(role)
    if level is None or level == "province":
        return None
    rank = ROLES.index(level)
    for step in chain.steps if chain is not None else ():
        step_level = role_level(step.role)
        if step_level is not None and ROLES.index(step_level) > rank:
            return step.role
    return "province"


def reminder_day(due: dt.date, calendar: WorkingCalendar) -> dt.date:
    """The last working day before ``due``: the day whose next working day is the deadline.

    Raises:
        CalendarError: the days before ``due`` fall in a year the calendar does not know.
    """
    day = due - dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def deadline_notice(
    chain: Chain, state: ApplicationState, *, today: dt.date, calendar: WorkingCalendar
) -> DeadlineNotice | None:
    """The reminder or escalation due today about the application's current step, if any.

    Args:
        chain: the application's chain (its ``reminders`` block names the templates).
        state: where the application stands.
        today: the day of the job's pass (China Standard Time).
        calendar: the working-day calendar.

    Returns:
        The notice (whether it was already sent is for the caller to look up by its key), or ``None``.

    Raises:
        CalendarError: today or the days before the deadline fall in a year the calendar does not know.
    """
    config = chain.reminders
    due = state.due_on
    if config is None or due is None or state.status != "in_progress":
        return None
    step = chain.step(state.step)
    values = {"step": step.name_for("handler"), "due": f"{due.month}月{due.day}日", "label": ""}
    if state.green and chain.green_channel:
        values["label"] = f"（{chain.green_channel.label}）"
    if today <= due:
        if config.remind is None:
            return None
        day = reminder_day(due, calendar)
        if today < day or state.step_started_on >= day:
            return None
        message = Notify(
            to="handler",
            role=step.role,
            region=region_at(state.region, step.role),
            template=config.remind,
            values=values,
        )
        return DeadlineNotice(
            kind="reminder", step=step.id, due_on=due, round=0, overdue_days=0, message=message
        )
    above = role_above(step.role, chain)
    overdue = calendar.working_days_between(due, today)
    if config.escalate is None or above is None or overdue < 1:
        return None
    round_ = 1 + (overdue - 1) // config.escalate_every if config.escalate_every else 1
    message = Notify(
        to="handler",
        role=above,
        region=region_at(state.region, above),
        template=config.escalate,
        values={**values, "days": str(overdue)},
    )
    return DeadlineNotice(
        kind="overdue", step=step.id, due_on=due, round=round_, overdue_days=overdue, message=message
    )
