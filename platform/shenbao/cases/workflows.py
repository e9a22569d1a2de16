"""An application's place in its chain, read from the stored state, and written back with its history."""

from __future__ import annotations

from typing import Any

import msgspec

from shenbao import store
from shenbao.cases.context import Platform
from shenbao.forms import CompiledForm
from shenbao.store.staff import StaffApplication, StaffRecord
from shenbao.workflow import Actor, ApplicationState, Chain, Recorded
from shenbao.workflow.calendar import WorkingCalendar
from shenbao.workflow.stored import history_of, workflow_json

__all__ = ["Workflow", "actor_of", "check_form_of", "store_state", "workflow_of"]


class Workflow(msgspec.Struct, frozen=True, kw_only=True):
    """An application's chain, calendar, state and history (absent without a chain or a stored state)."""

    chain: Chain
    calendar: WorkingCalendar
    state: ApplicationState
    history: list[Recorded]


def actor_of(staff: StaffRecord) -> Actor:
    """The engine's actor for a staff account: staff roles and chain step roles are one vocabulary."""
    return Actor(id=staff.username, role=staff.role, region=staff.region_code)


def workflow_of(platform: Platform, found: StaffApplication) -> Workflow | None:
    """The application's workflow on the chain version it started on: ``None`` when nothing is stored or its chain
    is in no loaded pack."""
    if not found.workflow_state:
        return None
    state, history = history_of(found.workflow_state)
    workflow = platform.chains.of(state.chain, state.chain_version)  # the version the case started on
    if workflow is None:
        return None
    return Workflow(chain=workflow.chain, calendar=workflow.calendar, state=state, history=history)


def check_form_of(platform: Platform, workflow: Workflow) -> CompiledForm | None:
    """The form the application's current step fills, if it names one the packs have."""
    step = workflow.chain.step(workflow.state.step)
    return platform.step_forms.get(step.form) if step.form else None


async def store_state(
    db: store.Database,
    found: StaffApplication,
    state: ApplicationState,
    history: list[Recorded],
    events: list[Any],
) -> None:
    """Store the new state with its history rows (inside the caller's transaction)."""
    await store.set_workflow_state(
        db,
        found.record.id,
        state=workflow_json(state, history, events),
        deadline=state.due_on,
        green=state.green,
        status=state.status,
    )
