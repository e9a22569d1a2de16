"""What the staff pages share about an application's workflow: its chain and state, the actor, storing a step."""

from __future__ import annotations

from typing import Any

import msgspec

from shenbao import store
from shenbao.china_time import today as today_in_china  # the staff pages' today (the tests pin it here)
from shenbao.store.staff import StaffApplication, StaffRecord
from shenbao.web.services import Services
from shenbao.workflow import Actor, ApplicationState, Chain, Recorded
from shenbao.workflow.stored import history_of, workflow_json

__all__ = ["Workflow", "actor_of", "store_state", "today_in_china", "workflow_of"]


class Workflow(msgspec.Struct, frozen=True, kw_only=True):
    """An application's chain, calendar, state and history (absent without a chain or a stored state)."""

    chain: Chain
    calendar: Any
    state: ApplicationState
    history: list[Recorded]


def actor_of(staff: StaffRecord) -> Actor:
    """The engine's actor for a staff account: staff roles and chain step roles are one vocabulary."""
    return Actor(id=staff.username, role=staff.role, region=staff.region_code)


def workflow_of(services: Services, found: StaffApplication) -> Workflow | None:
    form = services.forms.get(found.record.form_id)
    chain_id = form.definition.chain if form is not None else None
    workflow = services.chains.get(chain_id) if chain_id else None
    if workflow is None or not found.workflow_state:
        return None
    state, history = history_of(found.workflow_state)
    return Workflow(chain=workflow[0], calendar=workflow[1], state=state, history=history)


async def store_state(
    services: Services,
    found: StaffApplication,
    state: ApplicationState,
    history: list[Recorded],
    events: list[Any],
) -> None:
    """Store the new state with its history rows (inside the caller's transaction)."""
    await store.set_workflow_state(
        services.database,
        found.record.id,
        state=workflow_json(state, history, events),
        deadline=state.due_on,
        green=state.green,
        status=state.status,
    )
