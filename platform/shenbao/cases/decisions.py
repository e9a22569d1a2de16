"""A step taken on an application: by its handler, by the household check, or by the applicant's appeal.

Each is one function owning its transaction, and all three take the step the same way (:func:`_take`): the
application is read and locked, its workflow read, a page drawn before the last change refused
(:class:`AlreadyDone`: a double tap, a second tab), the engine applies the action, and the new state, its text
messages and the staff's audit row are written together, or nothing is. What the engine refuses comes back as
its :class:`~shenbao.workflow.TransitionRefused`, for the page to show.

The caller says when it is (``today`` in China, ``now`` in UTC): the pages and their tests own the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shenbao import store
from shenbao.cases.context import Platform
from shenbao.cases.notices import queue_notices
from shenbao.cases.workflows import Workflow, actor_of, check_form_of, store_state, workflow_of
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.forms.model import text_of
from shenbao.store.audit import record_audit
from shenbao.store.staff import StaffApplication, StaffRecord, application_in_region
from shenbao.workflow import Actor, ApplicationState, TransitionRefused, apply
from shenbao.workflow.model import APPLICANT, Action, Appeal, RecordCheck

__all__ = [
    "CANNOT_ACT",
    "CHECK_FORM_NEEDED",
    "NOT_IN_CHAIN",
    "NOT_IN_REGION",
    "AlreadyDone",
    "CheckIncomplete",
    "NotInRegion",
    "Taken",
    "act",
    "appeal",
    "application_by_receipt",
    "record_check",
]

NOT_IN_REGION = "没有这份申请，或它不在您的辖区"
CANNOT_ACT = "这份申请现在不能办理"
CHECK_FORM_NEEDED = "入户核查要填写核查表：请点“填写入户核查表”"
NOT_IN_CHAIN = "这份申请还没有进入办理流程，不能申请复核"


class NotInRegion(LookupError):
    """No such application in the staff member's region (the page answers 404, telling nothing more)."""


class AlreadyDone(Exception):
    """The page was drawn before the application last changed: nothing was written."""


@dataclass(frozen=True, slots=True)
class Taken:
    """A step taken and stored: the application as it was read, and the state the engine moved it to."""

    found: StaffApplication
    state: ApplicationState
    events: list[Any]


@dataclass(frozen=True, slots=True)
class CheckIncomplete:
    """The household check's draft is not complete: nothing was written; ``evaluation`` says what is missing."""

    found: StaffApplication
    workflow: Workflow
    form: CompiledForm
    answers: dict[str, Any]
    evaluation: Evaluation


@dataclass(frozen=True, slots=True)
class _Audit:
    """The audit row of a step a staff member took."""

    action: str
    staff: StaffRecord
    detail: str
    address: str


async def act(
    platform: Platform,
    staff: StaffRecord,
    application_id: int,
    action: Action | None,
    *,
    name: str,
    note: str,
    seen: str,
    address: str,
    today: dt.date,
    now: dt.datetime,
) -> Taken:
    """A handler's decision on an application in their region (accept, pass up, refuse, approve, relief, …).

    Args:
        platform: the running platform.
        staff: who decides.
        application_id: the application.
        action: the engine's action; ``None`` for an action name the page does not know.
        name: the action's name, for the audit log (``decision.<name>``).
        note: its reason or note as typed, for the audit log.
        seen: how many history rows the page showed (stale pages are refused).
        address: the staff member's address.
        today: today in China.
        now: the current time (UTC).

    Raises:
        NotInRegion: no such application in the staff member's region.
        AlreadyDone: the page was drawn before the application last changed.
        TransitionRefused: the engine's refusal (or :data:`CANNOT_ACT`, :data:`CHECK_FORM_NEEDED`).
    """
    db = platform.database
    async with db.transaction():
        found = await _locked_in_region(db, staff, application_id)
        workflow = workflow_of(platform, found)
        if workflow is None or action is None:
            raise TransitionRefused("state", CANNOT_ACT)
        if isinstance(action, RecordCheck) and check_form_of(platform, workflow) is not None:
            raise TransitionRefused("action", CHECK_FORM_NEEDED)
        step = _step_name(workflow)
        audit = _Audit(
            f"decision.{name}", staff, f"{step}：{note.strip()}" if note.strip() else step, address
        )
        taken = await _take(
            platform, found, workflow, action, actor_of(staff), seen=seen, audit=audit, today=today, now=now
        )
    return taken


async def record_check(
    platform: Platform,
    staff: StaffRecord,
    application_id: int,
    *,
    draft_token: str,
    address: str,
    today: dt.date,
    now: dt.datetime,
) -> Taken | CheckIncomplete | None:
    """Save the household check kept in the draft ``draft_token``: the engine records it and moves the chain on.

    Returns:
        The step taken (the draft is deleted with it); :class:`CheckIncomplete` when the draft is not complete;
        ``None`` when the step has no check to record any more (a double tap after it was saved).

    Raises:
        NotInRegion: no such application in the staff member's region.
        TransitionRefused: the engine does not let this staff member record the check now.
    """
    db = platform.database
    async with db.transaction():
        found = await _locked_in_region(db, staff, application_id)
        workflow = workflow_of(platform, found)
        form = check_form_of(platform, workflow) if workflow is not None else None
        outcome: Taken | CheckIncomplete | None = None
        if workflow is not None and form is not None:
            draft = await store.load_draft(db, draft_token, form.id)
            answers = dict(draft.answers) if draft else {}
            evaluation = evaluate(form, answers)
            if evaluation.submittable:
                detail = f"{_step_name(workflow)}：{form.title()}"
                audit = _Audit("decision.record_check", staff, detail, address)
                action = RecordCheck(answers=dict(evaluation.answers))
                outcome = await _take(
                    platform, found, workflow, action, actor_of(staff), audit=audit, today=today, now=now
                )
                await store.delete_draft(db, draft_token, form.id)
            else:
                outcome = CheckIncomplete(
                    found=found, workflow=workflow, form=form, answers=answers, evaluation=evaluation
                )
    return outcome


async def appeal(
    platform: Platform, receipt: str, reason: str, *, seen: str, today: dt.date, now: dt.datetime
) -> Taken:
    """The applicant's appeal (申请复核): the case reopens at the first step of the chain's appeal role.

    Raises:
        AlreadyDone: the status page was drawn before the application last changed (a second post).
        TransitionRefused: the engine's refusal (too late, appealed before, a reason missing), or
            :data:`NOT_IN_CHAIN` when the application has no chain to appeal in.
    """
    async with platform.database.transaction():
        found = await application_by_receipt(platform.database, receipt, for_update=True)
        workflow = workflow_of(platform, found) if found is not None else None
        if found is None or workflow is None:
            raise TransitionRefused("state", NOT_IN_CHAIN)
        taken = await _take(
            platform, found, workflow, Appeal(reason=reason), APPLICANT, seen=seen, today=today, now=now
        )
    return taken


async def application_by_receipt(
    db: store.Database, receipt: str, *, for_update: bool = False
) -> StaffApplication | None:
    """The application with this receipt number and its workflow state (locked with ``for_update``)."""
    record = await store.application_by_receipt(db, receipt)
    if record is None or not record.region_code:
        return None
    # An application lies in its own region's subtree: the region-scoped read returns it with its state.
    return await application_in_region(db, record.id, record.region_code, for_update=for_update)


async def _take(
    platform: Platform,
    found: StaffApplication,
    workflow: Workflow,
    action: Action,
    actor: Actor,
    *,
    seen: str | None = None,
    audit: _Audit | None = None,
    today: dt.date,
    now: dt.datetime,
) -> Taken:
    """Apply ``action`` and store the state, its messages and its audit row (inside the caller's transaction)."""
    if seen is not None and seen != str(len(workflow.history)):
        raise AlreadyDone
    state, events = apply(
        workflow.chain, workflow.state, action, actor=actor, today=today, calendar=workflow.calendar
    )
    db = platform.database
    await store_state(db, found, state, workflow.history, events)
    await queue_notices(platform, workflow.chain, events, found.record, now=now)
    if audit is not None:
        await record_audit(
            db,
            action=audit.action,
            staff=audit.staff,
            target=found.record.receipt_number,
            detail=audit.detail,
            address=audit.address,
            at=now,
        )
    return Taken(found=found, state=state, events=events)


async def _locked_in_region(db: store.Database, staff: StaffRecord, application_id: int) -> StaffApplication:
    found = await application_in_region(db, application_id, staff.region_code, for_update=True)
    if found is None:
        raise NotInRegion(NOT_IN_REGION)
    return found


def _step_name(workflow: Workflow) -> str:
    """The current step's staff name, for the audit log (its id if the chain no longer has it)."""
    try:
        return text_of(workflow.chain.step(workflow.state.step).name)
    except KeyError:
        return workflow.state.step
