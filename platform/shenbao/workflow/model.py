"""The approval-chain format and the workflow's state, actions and events: msgspec Structs.

A chain file (``form_defs/<pack>/chains/<id>.json``) decodes straight into :class:`Chain`. A form names the
chain it uses in its own ``chain`` field. The engine (:mod:`shenbao.workflow.engine`) moves an
:class:`ApplicationState` along a chain one :data:`Action` at a time and reports :data:`Event` values, which
the store turns into history and outbox rows in the same transaction as the new state.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeAlias

import msgspec

from shenbao.forms.model import Base, Label, text_of  # one policy for every definition model
from shenbao.roles import Role, RoleText

__all__ = [
    "ADVANCING",
    "APPLICANT",
    "FINISHING",
    "Accept",
    "Action",
    "ActionName",
    "Actor",
    "Appeal",
    "ApplicationState",
    "Approve",
    "Chain",
    "Deadline",
    "Event",
    "GiveRelief",
    "GreenChannel",
    "Notification",
    "Notify",
    "PassUp",
    "Recipient",
    "RecordCheck",
    "Recorded",
    "Refuse",
    "Reminders",
    "ReturnForRework",
    "Status",
    "Step",
]

Identifier = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
ActionName: TypeAlias = Literal["accept", "record_check", "refuse", "pass_up", "approve", "return", "relief"]
Status: TypeAlias = Literal["in_progress", "approved", "refused"]
Recipient: TypeAlias = Literal["handler", "applicant"]
"""Whom a text message is for: the staff who act at the step, or the farmer who applied."""

ADVANCING: frozenset[str] = frozenset({"record_check", "pass_up", "approve"})
"""Actions that move an application to the next step (or finish it at the last step)."""
FINISHING: frozenset[str] = frozenset({"approve", "pass_up"})
"""Actions that may end the chain at its last step (approve; pass_up for a closing hand-over step)."""


class Deadline(Base, frozen=True, kw_only=True):
    """``working_days`` counted from the submission, or from the day the step was entered.

    For a case reopened by an appeal, "from the submission" counts from the day of the appeal: the
    original submission's deadlines have passed by then, and the reopened case gets the chain's time anew.
    """

    working_days: Annotated[int, msgspec.Meta(ge=1, le=250)]
    start: Literal["submission", "previous_step"] = msgspec.field(default="submission", name="from")


class Notification(Base, frozen=True, kw_only=True):
    """A text message sent ``on`` entering the step (``enter``) or on one of its actions.

    ``handler`` is whoever acts at this step in the application's region; ``applicant`` is the farmer.
    """

    on: Literal[
        "enter", "accept", "record_check", "refuse", "pass_up", "approve", "return", "relief", "appeal"
    ]
    """``appeal`` is allowed only at the step where appeals reopen the case (the first of ``appeal_role``)."""
    to: Recipient
    template: Identifier


class Step(Base, frozen=True, kw_only=True):
    """One step of a chain: who acts, where, by when, what they may do, what they fill, whom it tells."""

    id: Identifier
    name: Label
    """The staff's name of the step (``答复农户``): staff pages, staff SMS, the history and the export."""
    public_name: Label
    """The applicant's name of the step (``村里答复``): the status page and every SMS to the applicant.

    Words a farmer reads without knowing how the office works, best those of the guide the farmer was shown
    (the notices' 受理单位: 村级核查、乡镇复核、县级审批), and ones that read after "经" (``经村里答复不符合认定标准``).
    Required, so no chain can let a staff word reach a farmer by leaving it out."""
    role: RoleText
    """Who acts: staff of exactly this role (``county``, or ``county:民政`` for one office of the county level)
    whose region contains the application's village; see :mod:`shenbao.roles` for the matching rule."""
    deadline: Deadline
    actions: list[ActionName]
    form: str | None = None
    """The id of the form the handler fills at this step (the household check, filled on a phone)."""
    notify: list[Notification] = []
    note: str | None = None
    """For readers only: which sentence of the source this step comes from."""

    def name_for(self, reader: Recipient) -> str:
        """The step's name as ``reader`` reads it: :attr:`name` for staff, :attr:`public_name` for the applicant."""
        return text_of(self.public_name if reader == "applicant" else self.name)


class GreenChannel(Base, frozen=True, kw_only=True):
    """绿色通道: cases the rule picks are marked, sorted first, and may record 先行救助 at any time."""

    when: Annotated[str, msgspec.Meta(min_length=1, description="CEL over the application's answers")]
    label: str = "绿色通道"
    relief_roles: list[RoleText] = []
    """The roles that may record help given (先行救助) before the normal steps finish."""


class Reminders(Base, frozen=True, kw_only=True):
    """Deadline reminders and escalations, sent by the scheduled job (:mod:`shenbao.workflow.reminders`)."""

    remind: Identifier | None = None
    """The SMS template sent to the step's handlers on the working day before its deadline (none: no reminder)."""
    escalate: Identifier | None = None
    """The SMS template sent to the staff one level above once the deadline has passed (none: no escalation)."""
    escalate_every: Annotated[int, msgspec.Meta(ge=0, le=60)] = 5
    """Escalate again after this many further working days overdue; 0 escalates once."""


class Chain(Base, frozen=True, kw_only=True):
    """An approval chain: its steps in order, the overall deadline, the green channel and SMS templates."""

    schema: str | None = msgspec.field(default=None, name="$schema")
    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    version: Annotated[int, msgspec.Meta(ge=1)]
    title: Label
    description: str = ""
    deadline: Deadline
    """The whole chain's limit (15 working days from submission in 2023, 25 in 2021)."""
    steps: Annotated[list[Step], msgspec.Meta(min_length=1)]
    appeal_role: RoleText | None = None
    """Who hears a refused applicant's appeal (the township, in both source documents of the first pack); ``None``: no appeals.

    An appeal reopens the case at the first step of this role."""
    appeal_days: Annotated[int, msgspec.Meta(ge=1, le=250)] | None = None
    """How many working days after a refusal the applicant may appeal (required with ``appeal_role``)."""
    green_channel: GreenChannel | None = None
    sms: dict[str, str] = {}
    """SMS templates by id; placeholders: {step} {due} {reason} {label} {days}, plus {receipt} filled by the store.

    ``{step}`` is the step's ``public_name`` in a message to the applicant, its ``name`` in one to staff."""
    reminders: Reminders | None = None
    """Reminders before each step's deadline and escalations after it; none without this block."""

    def step(self, step_id: str) -> Step:
        """The step called ``step_id``; raises ``KeyError`` when there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def index(self, step_id: str) -> int:
        """The position of ``step_id`` in the chain."""
        return [step.id for step in self.steps].index(step_id)


class Actor(Base, frozen=True, kw_only=True):
    """Who acts: a staff account's id, its role and the division code of its region; or the applicant."""

    id: str
    role: Role
    """A role string (:mod:`shenbao.roles`), or ``applicant``."""
    region: str


APPLICANT = Actor(id="applicant", role="applicant", region="")
"""The applicant, as the engine knows them: the only actor who may appeal, and one who takes no staff action.

Who the applicant is (the receipt number and a code sent to the application's phone) is the web layer's
check; the engine only tells the applicant apart from staff."""


class ApplicationState(Base, frozen=True, kw_only=True):
    """Where an application stands in its chain. Dates are calendar dates in China Standard Time."""

    chain: str
    chain_version: int | None = None
    """The version of the chain the case started on: it finishes on it, whatever is published since (``None`` for a
    case started before chains were versioned: the current version)."""
    region: str
    """The applicant's village (12-digit division code): every handler's region is a prefix of it."""
    submitted_on: dt.date
    step: str
    """The current step, or the step where the application was finished."""
    step_started_on: dt.date
    due_on: dt.date | None
    """The current step's deadline; ``None`` once finished, or while its year is missing from the calendar."""
    final_due_on: dt.date | None
    """The whole chain's deadline; ``None`` while its year is missing from the calendar."""
    status: Status = "in_progress"
    green: bool = False
    accepted_on: dt.date | None = None
    checked_on: dt.date | None = None
    relief_on: dt.date | None = None
    refused_on: dt.date | None = None
    """The day of the refusal while the status is ``refused``: the appeal window counts from it."""
    appealed_on: dt.date | None = None
    """The day the applicant appealed (at most once per application); deadlines "from submission" count
    from it afterwards."""


class Accept(Base, tag="accept", frozen=True, kw_only=True):
    """受理: the handler has seen the application and will visit."""


class RecordCheck(Base, tag="record_check", frozen=True, kw_only=True):
    """The household check's answers (the step's form, already evaluated clean by the caller)."""

    answers: dict[str, Any] = {}


class Refuse(Base, tag="refuse", frozen=True, kw_only=True):
    """Not admitted; the reason is sent to the applicant."""

    reason: str = ""


class PassUp(Base, tag="pass_up", frozen=True, kw_only=True):
    """Passed to the next step."""

    note: str = ""


class Approve(Base, tag="approve", frozen=True, kw_only=True):
    """Approved (审批/审定)."""

    note: str = ""


class ReturnForRework(Base, tag="return", frozen=True, kw_only=True):
    """Sent back to the previous step, with what to redo."""

    reason: str = ""


class GiveRelief(Base, tag="relief", frozen=True, kw_only=True):
    """先行救助: help given to a green-channel case before the normal steps finish."""

    what: str = ""


class Appeal(Base, tag="appeal", frozen=True, kw_only=True):
    """申请复核: the applicant disputes a refusal; the case reopens at the chain's appeal step."""

    reason: str = ""


Action: TypeAlias = Accept | RecordCheck | Refuse | PassUp | Approve | ReturnForRework | GiveRelief | Appeal


class Recorded(Base, tag="recorded", frozen=True, kw_only=True):
    """A history row: who did what at which step, and on which day."""

    action: str
    step: str
    actor: str
    on: dt.date
    text: str = ""
    answers: dict[str, Any] = {}


class Notify(Base, tag="notify", frozen=True, kw_only=True):
    """An SMS to send: to the applicant, or to the holder of ``role`` for ``region`` (a division code)."""

    to: Recipient
    role: Role | None
    region: str
    template: str
    values: dict[str, str] = {}


Event: TypeAlias = Recorded | Notify
