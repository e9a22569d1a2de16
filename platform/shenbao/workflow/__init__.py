"""Approval chains: the chain format, the working-day calendar, the green channel and the state machine.

Pure: no web, no database. The only file read is a pack's ``holidays.json``, by :func:`load_calendar`.
"""

from shenbao.workflow.calendar import (
    CalendarError,
    DeadlineStatus,
    WorkingCalendar,
    deadline_status,
    load_calendar,
)
from shenbao.workflow.engine import (
    TransitionRefused,
    apply,
    fill_deadlines,
    sms_params,
    sms_text,
    sort_key,
    start,
)
from shenbao.workflow.green import is_green
from shenbao.workflow.model import Action, Actor, ApplicationState, Chain, Event, Notify, Recorded, Step

__all__ = [
    "Action",
    "Actor",
    "ApplicationState",
    "CalendarError",
    "Chain",
    "DeadlineStatus",
    "Event",
    "Notify",
    "Recorded",
    "Step",
    "TransitionRefused",
    "WorkingCalendar",
    "apply",
    "deadline_status",
    "fill_deadlines",
    "is_green",
    "load_calendar",
    "sms_params",
    "sms_text",
    "sort_key",
    "start",
]
