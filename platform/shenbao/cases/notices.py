"""The engine's ``Notify`` events as text messages in the outbox, to the staff who serve a region or the applicant."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from shenbao import store
from shenbao.cases.context import Platform
from shenbao.cases.phones import stored_verified_phones
from shenbao.notify.templates import chain_template
from shenbao.store.outbox import QueuedSms, enqueue_sms
from shenbao.store.staff import staff_phones
from shenbao.workflow import Chain, Notify, sms_params, sms_text

__all__ = ["queue_notices"]

log = logging.getLogger("shenbao.submission")


async def queue_notices(
    platform: Platform,
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
    db = platform.database
    messages: list[QueuedSms] = []
    for event in events:
        if not isinstance(event, Notify):
            continue
        text = sms_text(chain, event, receipt=record.receipt_display)
        params = sms_params(chain, event, receipt=record.receipt_display)
        template = chain_template(chain.id, event.template)
        if event.to == "applicant":
            if handlers_only:
                continue
            phone = _applicant_phone(platform, record)
            if phone is None:
                log.warning("no applicant phone for %s: SMS %s not queued", record.id, event.template)
                continue
            messages.append(QueuedSms(phone=phone, template=template, text=text, params=params))
            continue
        if event.role is None:
            log.warning("no staff role serves %s: SMS %s not queued", event.region, event.template)
            continue
        phones = await staff_phones(db, event.role, event.region)
        messages += [QueuedSms(phone=phone, template=template, text=text, params=params) for phone in phones]
    return await enqueue_sms(db, messages, now=now)


def _applicant_phone(platform: Platform, record: store.ApplicationRecord) -> str | None:
    """The applicant's phone: the first one the form confirmed by a code, else the first phone question's."""
    form = platform.forms.of(record.form_id, record.form_version)
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
