"""The deadline job: reminds handlers the working day before a step's deadline and escalates overdue cases.

Each pass reads the applications whose deadline is near or past, asks the pure rule
(:func:`shenbao.workflow.reminders.deadline_notice`) what is due today, and for each notice not sent yet, in
ONE transaction: locks the application (a decision taken meanwhile is seen), decides again on the locked
state, claims the notice's row and queues its SMS to the phones of the staff it is for
(:mod:`shenbao.store.reminders`). So every process may run the job: each notice is sent once.

The application runs a pass every ``SHENBAO_REMIND_MINUTES`` minutes (:class:`ReminderJob`), between 08:00
and 20:00 China time only, so nobody's phone rings at night for a deadline; ``shenbao remind`` runs one
pass at once (for cron: schedule it on working-day mornings).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from shenbao.china_time import to_china
from shenbao.jobs import PeriodicJob
from shenbao.notify.templates import chain_template
from shenbao.packs import ChainRegistry
from shenbao.store import Database, format_receipt
from shenbao.store.outbox import QueuedSms, enqueue_sms
from shenbao.store.reminders import (
    OpenDeadline,
    claim_notice,
    locked_workflow_state,
    open_deadlines,
    sent_keys,
)
from shenbao.store.staff import staff_phones
from shenbao.workflow import Chain, sms_params, sms_text
from shenbao.workflow.reminders import DeadlineNotice, deadline_notice
from shenbao.workflow.stored import history_of

__all__ = ["SENDING_HOURS", "ReminderJob", "ReminderReport", "send_deadline_notices"]

log = logging.getLogger("shenbao.reminders")

SENDING_HOURS = (8, 20)
"""The job's passes run from 08:00 to before 20:00 China time."""
_HORIZON = timedelta(days=20)
"""How far ahead a deadline can have its reminder day: the longest run of days off (the Spring Festival
with its weekends) is shorter than this."""
_BATCH = 500


class ReminderReport(msgspec.Struct, kw_only=True):
    """What one pass did."""

    reminders: int = 0
    escalations: int = 0
    messages: int = 0
    """SMS queued for them (one per staff phone)."""
    skipped: int = 0
    """Applications left out: their calendar lacks a year, or their chain is not loaded (each logged)."""


def _decide(
    chains: ChainRegistry, stored: dict[str, Any], today: date
) -> tuple[Chain, DeadlineNotice] | None:
    """The notice due today for a stored workflow state, with its chain.

    Raises:
        LookupError: the state's chain or step is not in the loaded packs, or (CalendarError) today or the
            deadline falls in a year the calendar does not know.
        msgspec.ValidationError: the stored state is not an engine state.
    """
    state, _ = history_of(stored)
    found = chains.of(state.chain, state.chain_version)  # the version the case started on
    if found is None:
        raise LookupError(f"chain {state.chain!r} is in no loaded pack (SHENBAO_PACKS)")
    chain, calendar = found
    notice = deadline_notice(chain, state, today=today, calendar=calendar)
    return None if notice is None else (chain, notice)


async def _send(
    db: Database, chains: ChainRegistry, application: OpenDeadline, today: date, now: datetime
) -> tuple[DeadlineNotice, int] | None:
    """Claim the notice due about ``application`` and queue its SMS, in one transaction; ``None`` if none."""
    async with db.transaction():
        stored = await locked_workflow_state(db, application.id)
        decided = None if stored is None else _decide(chains, stored, today)
        if decided is None:
            return None
        chain, notice = decided
        message = notice.message
        assert message.role is not None  # notices always go to staff
        phones = await staff_phones(db, message.role, message.region)
        claimed = await claim_notice(
            db,
            application_id=application.id,
            step=notice.step,
            due_on=notice.due_on,
            kind=notice.kind,
            round=notice.round,
            overdue_days=notice.overdue_days,
            role=message.role,
            region_code=message.region,
            messages=len(phones),
            sent_on=today,
            now=now,
        )
        if not claimed:
            return None
        receipt = format_receipt(application.receipt_number)
        text = sms_text(chain, message, receipt=receipt)
        params = sms_params(chain, message, receipt=receipt)
        template = chain_template(chain.id, message.template)
        sms = [QueuedSms(phone=phone, template=template, text=text, params=params) for phone in phones]
        await enqueue_sms(db, sms, now=now)
    if not phones:
        log.warning(
            "no active %s staff with a phone serve %s: the %s about application %d was recorded, no SMS sent",
            message.role,
            message.region,
            notice.kind,
            application.id,
        )
    return notice, len(phones)


async def send_deadline_notices(
    db: Database, chains: ChainRegistry, now: datetime | None = None
) -> ReminderReport:
    """One pass: send every reminder and escalation due at ``now`` (default: the current time) not sent yet.

    Returns:
        What was sent, and how many applications were left out (each reason logged once per pass).
    """
    now = now or datetime.now(UTC)
    today = to_china(now).date()
    report = ReminderReport()
    problems: Counter[str] = Counter()
    after: tuple[date, int] | None = None
    while batch := await open_deadlines(db, until=today + _HORIZON, after=after, limit=_BATCH):
        after = (batch[-1].deadline, batch[-1].id)
        sent = await sent_keys(db, (application.id for application in batch))
        for application in batch:
            try:
                decided = _decide(chains, application.workflow_state, today)
                if decided is None or (application.id, *decided[1].key) in sent:
                    continue
                done = await _send(db, chains, application, today, now)
            except (LookupError, msgspec.ValidationError) as error:  # CalendarError is a LookupError
                problems[f"{type(error).__name__}: {error}"] += 1
                report.skipped += 1
                continue
            if done is not None:
                notice, messages = done
                report.messages += messages
                if notice.kind == "reminder":
                    report.reminders += 1
                else:
                    report.escalations += 1
        if len(batch) < _BATCH:
            break
    for problem, count in problems.items():
        log.warning("%d application(s) left out of the deadline reminders: %s", count, problem)
    return report


class ReminderJob(PeriodicJob):
    """Runs :func:`send_deadline_notices` every ``interval`` seconds within :data:`SENDING_HOURS` (China time)."""

    name = "shenbao-reminders"

    def __init__(
        self,
        db: Database,
        chains: ChainRegistry,
        *,
        interval: float,
        hours: tuple[int, int] = SENDING_HOURS,
    ) -> None:
        super().__init__(interval=interval)
        self.db = db
        self.chains = chains
        self.hours = hours

    async def run_once(self, now: datetime | None = None) -> ReminderReport:
        """One pass now, whatever the hour."""
        return await send_deadline_notices(self.db, self.chains, now)

    async def tick(self) -> None:
        now = datetime.now(UTC)
        if self.hours[0] <= to_china(now).hour < self.hours[1]:
            report = await self.run_once(now)
            if report.reminders or report.escalations:
                log.info("deadline reminders: %s", msgspec.json.encode(report).decode())
