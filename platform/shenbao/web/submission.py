"""Storing an evaluated application: the one path both the farmer pages and the API take.

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
from collections.abc import Iterable
from typing import Any

from shenbao import store
from shenbao.china_time import to_china
from shenbao.forms import CompiledForm, Evaluation
from shenbao.store.outbox import QueuedSms, enqueue_sms
from shenbao.store.staff import staff_phones
from shenbao.web.phones import stored_verified_phones
from shenbao.web.services import Services
from shenbao.workflow import (
    ApplicationState,
    Chain,
    Notify,
    sms_params,
    sms_text,
    start,
)
from shenbao.workflow.stored import history_of, workflow_json

__all__ = ["POLICY_MISMATCH", "history_of", "queue_notices", "submit_evaluated", "workflow_json"]

log = logging.getLogger("shenbao.submission")

POLICY_MISMATCH = "policy_mismatch"
"""The flag of an application that reached a ``flagged`` outcome (the 2021 form's question 49)."""


async def submit_evaluated(
    services: Services,
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
    workflow = services.chains.get(form.definition.chain) if form.definition.chain else None
    if form.definition.chain and workflow is None:
        log.warning("form %s names chain %r, which no pack has: no workflow", form.id, form.definition.chain)
    if workflow is None or region is None:
        return await _store(services, form, evaluation, idempotency_key, draft_token, region, flags)
    chain, calendar = workflow
    now = dt.datetime.now(dt.UTC)
    started = start(
        chain,
        region=region,
        submitted_on=to_china(now).date(),
        answers=evaluation.answers,
        calendar=calendar,
    )
    async with services.database.transaction():
        record, created = await _store(
            services, form, evaluation, idempotency_key, draft_token, region, flags
        )
        if created:
            await _open_workflow(services, chain, record, started, now)
    return record, created


async def _store(
    services: Services,
    form: CompiledForm,
    evaluation: Evaluation,
    idempotency_key: str,
    draft_token: str | None,
    region: str | None,
    flags: list[str],
) -> tuple[store.ApplicationRecord, bool]:
    return await store.submit_application(
        services.database,
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
    services: Services,
    chain: Chain,
    record: store.ApplicationRecord,
    started: tuple[ApplicationState, list[Any]],
    now: dt.datetime,
) -> None:
    """Store the first step's state and queue its SMS (inside the caller's transaction)."""
    state, events = started
    await store.set_workflow_state(
        services.database,
        record.id,
        state=workflow_json(state, [], events),
        deadline=state.due_on,
        green=state.green,
    )
    await queue_notices(services, chain, events, record, now=now, handlers_only=True)


async def queue_notices(
    services: Services,
    chain: Chain,
    events: Iterable[Any],
    record: store.ApplicationRecord,
    *,
    now: dt.datetime,
    handlers_only: bool = False,
) -> int:
    """Turn the engine's ``Notify`` events into outbox rows (inside the caller's transaction).

    A handler's message goes to every active staff member of the step's role serving the event's region; an
    applicant's goes to the phone number the application answered (its form's first phone question).
    ``handlers_only`` leaves the applicant's messages out (at submission they start with the handler's actions).
    Each message keeps the values its text was made from (the event's and the receipt as the text shows it).

    Returns:
        How many messages were queued.
    """
    db = services.database
    messages: list[QueuedSms] = []
    for event in events:
        if not isinstance(event, Notify):
            continue
        text = sms_text(chain, event, receipt=record.receipt_display)
        params = sms_params(chain, event, receipt=record.receipt_display)
        if event.to == "applicant":
            if handlers_only:
                continue
            phone = _applicant_phone(services, record)
            if phone is None:
                log.warning("no applicant phone for %s: SMS %s not queued", record.id, event.template)
                continue
            messages.append(QueuedSms(phone=phone, template=event.template, text=text, params=params))
            continue
        if event.role is None:
            log.warning("no staff role serves %s: SMS %s not queued", event.region, event.template)
            continue
        phones = await staff_phones(db, event.role, event.region)
        messages += [
            QueuedSms(phone=phone, template=event.template, text=text, params=params) for phone in phones
        ]
    return await enqueue_sms(db, messages, now=now)


def _applicant_phone(services: Services, record: store.ApplicationRecord) -> str | None:
    """The applicant's phone: the first one the form confirmed by a code, else the first phone question's."""
    form = services.forms.get(record.form_id)
    if form is None:
        return None
    confirmed = stored_verified_phones(form, record.answers)
    if confirmed:
        return confirmed[0]
    for question_id, value in record.answers.items():
        question = form.by_id.get(question_id)
        if question is None or question.__struct_config__.tag != "phone":
            continue
        if isinstance(value, dict):
            value = value.get("number") or value.get("phone") or value.get("value")
        return str(value) if value else None
    return None


def _region_code(form: CompiledForm, evaluation: Evaluation) -> str | None:
    """The applicant's household region: the answer of the form's first region question."""
    for question_id, value in evaluation.answers.items():
        if form.by_id[question_id].__struct_config__.tag == "region":
            code = value.get("code") if isinstance(value, dict) else value
            return str(code) if code else None
    return None
