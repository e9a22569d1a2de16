"""The application builder: a submitted application of a Gansu form, at a chosen region, step and status,
with its workflow state.

:func:`add_application` stores it through the store's own functions. Its workflow state comes from the real
engine (``start``, then ``actions`` taken by a handler of each step's role), or, for a step, deadline or
status the engine would need many actions to reach, from a :class:`Stage` written by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from shenbao import store
from shenbao.forms import CompiledForm, evaluate
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.roles import region_at
from shenbao.store.tables import Application
from shenbao.workflow import Actor, apply, start
from shenbao.workflow.model import Action, ApplicationState, Recorded
from shenbao.workflow.stored import workflow_json
from tests.support.samples import household_2021, one_click_2023

__all__ = [
    "APPLICANT_PHONE",
    "SUBMITTED_ON",
    "VILLAGE",
    "YIJIAN",
    "ZIZHU",
    "Built",
    "Stage",
    "add_application",
    "chains",
    "evaluated",
    "form",
    "forms",
    "sample_answers",
    "step_forms",
]

YIJIAN = "gansu-yijian-2023"
ZIZHU = "gansu-zizhu-2021"
VILLAGE = "620102001001"
"""畅家巷社区, in 兰州市城关区酒泉路街道: the village of :data:`tests.support.staff.ACCOUNTS`."""
APPLICANT_PHONE = "13912345678"
"""The phone of the 2023 sample's applicant (:func:`~tests.support.samples.one_click_2023`)."""
SUBMITTED_ON = dt.date(2026, 6, 1)
"""A Monday: every deadline counted from it stays in a year chinesecalendar knows."""


@cache
def forms() -> FormRegistry:
    """The Gansu pack's forms."""
    return FormRegistry.from_packs(["gansu"])


@cache
def step_forms() -> FormRegistry:
    """The forms the chains' steps fill (the household check)."""
    return FormRegistry.from_packs(["gansu"], folder="chains/forms")


@cache
def chains() -> ChainRegistry:
    """The Gansu pack's chains, by form."""
    return ChainRegistry.from_packs(["gansu"])


def form(form_id: str) -> CompiledForm:
    """One Gansu form."""
    found = forms().get(form_id)
    assert found is not None, form_id
    return found


def sample_answers(form_id: str) -> dict[str, Any]:
    """A complete declaration of the form, as the API would take it.

    The 2021 pledge's signature and photo are uploads, which evaluation alone does not store: left out.
    """
    return one_click_2023() if form_id == YIJIAN else household_2021(q45=None, q46=None)


def evaluated(form_id: str, answers: Mapping[str, Any], *, complete: bool = True) -> dict[str, Any]:
    """``answers`` as the form engine keeps them on submission: valid, and complete unless told otherwise."""
    evaluation = evaluate(form(form_id), dict(answers))
    assert not evaluation.errors, evaluation.errors
    assert not complete or not evaluation.missing, evaluation.missing
    return dict(evaluation.answers)


@dataclass(frozen=True)
class Stage:
    """A workflow state written by hand: the application waits at ``step`` until ``due_on``.

    ``step`` ``None`` stores no state, only the deadline and green-channel columns (as a deadline in a year the
    calendar did not know leaves an application).
    """

    step: str | None
    due_on: dt.date | None = None
    green: bool = False
    final_due_on: dt.date = dt.date(2026, 6, 10)
    started_on: dt.date = dt.date(2026, 5, 20)


@dataclass(frozen=True)
class Built:
    """A stored application: its record as submitted, where it now stands, its workflow state and history."""

    record: store.ApplicationRecord
    region: str | None
    status: str
    state: ApplicationState | None
    history: tuple[Recorded, ...] = ()

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def receipt(self) -> str:
        return self.record.receipt_number


async def add_application(
    db: store.Database,
    form_id: str = YIJIAN,
    *,
    region: str | None = VILLAGE,
    answers: Mapping[str, Any] | None = None,
    flags: Sequence[str] = (),
    idempotency_key: str | None = None,
    workflow: bool = True,
    submitted_on: dt.date = SUBMITTED_ON,
    actions: Sequence[Action] = (),
    acted_on: dt.date | None = None,
    stage: Stage | None = None,
    status: str | None = None,
    created_at: dt.datetime | None = None,
) -> Built:
    """Submit an application of ``form_id`` and store where it stands.

    Args:
        db: the open database.
        form_id: a Gansu form.
        region: the applicant's division code (``None``: the answers gave none, and no chain starts).
        answers: stored as given (identity numbers and phones sealed by the form's personal fields); default:
            the form's :func:`sample_answers`, :func:`evaluated`.
        flags: the application's flags (``policy_mismatch``).
        idempotency_key: the client's key for the submit.
        workflow: store a workflow state (``False``: none, as a deadline in a year the calendar did not know
            leaves it).
        submitted_on: the day the chain starts.
        actions: taken one after the other by a handler of each step's role (username = the role), on
            ``acted_on`` (default ``submitted_on``).
        stage: a state written by hand instead of the engine's.
        status: the application's status; default: the engine's once an action was taken, else ``submitted``.
        created_at: the moment of submission stored (default: now).
    """
    if answers is None:
        answers = evaluated(form_id, sample_answers(form_id), complete=False)
    record, _ = await store.submit_application(
        db,
        idempotency_key=idempotency_key,
        form_id=form_id,
        form_version=form(form_id).version,
        answers=answers,
        personal=form(form_id).personal,
        flags=flags,
        region_code=region,
    )
    state: ApplicationState | None = None
    history: list[Recorded] = []
    stored: dict[str, Any] | None = None
    deadline, green = None, False
    if stage is not None and stage.step is not None and region is not None:
        state = ApplicationState(
            chain=form_id,
            region=region,
            submitted_on=stage.started_on,
            step=stage.step,
            step_started_on=stage.started_on,
            due_on=stage.due_on,
            final_due_on=stage.final_due_on,
            status="in_progress" if status in (None, "submitted") else status,
            green=stage.green,
        )
        stored = workflow_json(state, [], [])
    elif stage is None and workflow and region is not None:
        state, history = _walk(form_id, region, answers, submitted_on, actions, acted_on)
        stored = workflow_json(state, history, [])
    if state is not None:
        deadline, green = state.due_on, state.green
    elif stage is not None:
        deadline, green = stage.due_on, stage.green
    if status is None:
        status = state.status if state is not None and actions else "submitted"
    await store.set_workflow_state(
        db,
        record.id,
        state=stored,
        deadline=deadline,
        green=green,
        status=status,
    )
    if created_at is not None:
        await Application.update({Application.created_at: created_at}).where(Application.id == record.id)
    return Built(record=record, region=region, status=status, state=state, history=tuple(history))


def _walk(
    form_id: str,
    region: str,
    answers: Mapping[str, Any],
    submitted_on: dt.date,
    actions: Sequence[Action],
    acted_on: dt.date | None,
) -> tuple[ApplicationState, list[Recorded]]:
    """The engine's state after submission and ``actions``, with its history rows."""
    found = chains().get(form_id)
    assert found is not None, form_id
    chain, calendar = found
    state, events = start(
        chain, region=region, submitted_on=submitted_on, answers=dict(answers), calendar=calendar
    )
    history = [event for event in events if isinstance(event, Recorded)]
    for action in actions:
        role = chain.step(state.step).role
        actor = Actor(id=role, role=role, region=region_at(region, role))
        state, events = apply(
            chain, state, action, actor=actor, today=acted_on or submitted_on, calendar=calendar
        )
        history += [event for event in events if isinstance(event, Recorded)]
    return state, history
