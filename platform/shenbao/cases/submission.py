"""Submitting an evaluated application: the one path both the farmer pages and the API take.

When the form names an approval chain, the application, its first step (with the deadline) and the SMS to
the handlers of the applicant's village are written in ONE transaction: either all of them are stored or
none. A retried submit (same idempotency key) returns the stored application and queues nothing more.

A deadline in a year the calendar does not know yet (the pack's ``holidays.json`` lacks the year) never
stops a submission nor the work on it: the engine leaves that deadline ``None`` (pages say "期限待定", the
SMS "规定期限"), and fills it in once the year is added (:func:`~shenbao.workflow.fill_deadlines`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from shenbao import store
from shenbao.cases.context import Platform
from shenbao.cases.notices import queue_notices
from shenbao.china_time import to_china
from shenbao.forms import CompiledForm, Evaluation
from shenbao.workflow import ApplicationState, Chain, start
from shenbao.workflow.stored import workflow_json

__all__ = ["POLICY_MISMATCH", "submit_evaluated"]

log = logging.getLogger("shenbao.submission")

POLICY_MISMATCH = "policy_mismatch"
"""The flag of an application that reached a ``flagged`` outcome (the 2021 form's question 49)."""


async def submit_evaluated(
    platform: Platform,
    form: CompiledForm,
    evaluation: Evaluation,
    *,
    idempotency_key: str,
    draft_token: str | None,
) -> tuple[store.ApplicationRecord, bool]:
    """Store a submittable evaluation's visible answers once per idempotency key; return it and whether it is new.

    With a chain, the first step's state and the SMS to the village handlers join the same transaction.
    """
    if not evaluation.submittable:
        raise ValueError("only a submittable evaluation can be stored")
    region = _region_code(form, evaluation)
    flags = [POLICY_MISMATCH] if evaluation.outcome else []
    workflow = platform.chains.get(form.definition.chain) if form.definition.chain else None
    if form.definition.chain and workflow is None:
        log.warning("form %s names chain %r, which no pack has: no workflow", form.id, form.definition.chain)
    if workflow is None or region is None:
        return await _store(platform, form, evaluation, idempotency_key, draft_token, region, flags)
    chain, calendar = workflow
    now = dt.datetime.now(dt.UTC)
    started = start(
        chain,
        region=region,
        submitted_on=to_china(now).date(),
        answers=evaluation.answers,
        calendar=calendar,
    )
    async with platform.database.transaction():
        record, created = await _store(
            platform, form, evaluation, idempotency_key, draft_token, region, flags
        )
        if created:
            await _open_workflow(platform, chain, record, started, now)
    return record, created


async def _store(
    platform: Platform,
    form: CompiledForm,
    evaluation: Evaluation,
    idempotency_key: str,
    draft_token: str | None,
    region: str | None,
    flags: list[str],
) -> tuple[store.ApplicationRecord, bool]:
    return await store.submit_application(
        platform.database,
        idempotency_key=idempotency_key,
        form_id=form.id,
        form_version=form.version,
        answers=evaluation.answers,
        personal=form.personal,
        flags=flags,
        outcome_id=evaluation.outcome.id if evaluation.outcome else None,
        region_code=region,
        draft_token=draft_token,
    )


async def _open_workflow(
    platform: Platform,
    chain: Chain,
    record: store.ApplicationRecord,
    started: tuple[ApplicationState, list[Any]],
    now: dt.datetime,
) -> None:
    """Store the first step's state and queue its SMS (inside the caller's transaction)."""
    state, events = started
    await store.set_workflow_state(
        platform.database,
        record.id,
        state=workflow_json(state, [], events),
        deadline=state.due_on,
        green=state.green,
        chain_version=chain.version,
    )
    await queue_notices(platform, chain, events, record, now=now, handlers_only=True)


def _region_code(form: CompiledForm, evaluation: Evaluation) -> str | None:
    """The applicant's household region: the answer of the form's first region question."""
    for question_id, value in evaluation.answers.items():
        if form.by_id[question_id].__struct_config__.tag == "region":
            code = value.get("code") if isinstance(value, dict) else value
            return str(code) if code else None
    return None
