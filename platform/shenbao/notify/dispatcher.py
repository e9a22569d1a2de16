"""The outbox dispatcher: sends the queued SMS through the gateway, with retries and exponential backoff.

Messages are rows (:mod:`shenbao.store.outbox`) committed with what caused them, so nothing is lost when
the process dies between queueing and sending: the next process's dispatcher finds them still pending.
Each pass claims its messages first (:func:`~shenbao.store.outbox.claim_due`, a lease of :data:`LEASE`), so
any number of processes send each message once. A message is marked sent right after the gateway accepts it;
a process dying between those two steps leaves it claimed, and it is sent again once the lease ends (at least
once, never zero times). A pass that runs long gives back what it has not sent before the lease could end.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from shenbao.jobs import PeriodicJob
from shenbao.metrics import count_sms_sent
from shenbao.notify.sms import Gateway, GatewayError, MessageRefused, Sms
from shenbao.store import Database
from shenbao.store.outbox import OutboxMessage, claim_due, mark_failed, mark_sent, release

__all__ = [
    "BACKOFF",
    "LEASE",
    "MAX_ATTEMPTS",
    "POLL_SECONDS",
    "OutboxDispatcher",
    "dispatch_due",
    "retry_delay",
]

log = logging.getLogger("shenbao.outbox")

MAX_ATTEMPTS = 8
"""Tries before a message is marked ``failed``."""
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
)
"""The wait after the 1st, 2nd, ... failed try."""
POLL_SECONDS = 2.0
LEASE = timedelta(minutes=1)
"""How long a claimed message is left to its dispatcher before another may send it: a process killed mid-pass
delays its messages by at most this. A pass gives back what it has not sent at half the lease, and one send gives
up within 15 s (the Aliyun client's timeouts), so no message is still being sent when its lease ends."""
_BATCH = 20


def retry_delay(attempts: int) -> timedelta | None:
    """The wait before the next try after ``attempts`` failed tries, or ``None`` once they are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


async def dispatch_due(db: Database, gateway: Gateway, now: datetime | None = None) -> int:
    """Send every pending message due by ``now`` (default: the current time).

    A :class:`GatewayError` reschedules the message with backoff, and marks it ``failed`` after
    :data:`MAX_ATTEMPTS` tries; a :class:`MessageRefused` marks it ``failed`` at once. Either way the
    gateway's error is kept with the message (the province admin reads it on ``/staff/sms``).

    Returns:
        How many messages were sent.
    """
    now = now or datetime.now(UTC)
    sent = 0
    while True:
        claimed = await claim_due(db, now, lease=LEASE, limit=_BATCH)
        sent += await _send_claimed(db, gateway, claimed, now)
        if len(claimed) < _BATCH:
            return sent


async def _send_claimed(db: Database, gateway: Gateway, claimed: list[OutboxMessage], now: datetime) -> int:
    started = time.monotonic()
    sent = 0
    for position, message in enumerate(claimed):
        if time.monotonic() - started > LEASE.total_seconds() / 2:
            await release(db, (left.id for left in claimed[position:]), now=now)
            break  # a slow gateway: the rest go back before the lease could run out under them
        try:
            await gateway.send(
                Sms(phone=message.phone, template=message.template, text=message.text, params=message.params)
            )
        except GatewayError as error:
            delay = None if isinstance(error, MessageRefused) else retry_delay(message.attempts + 1)
            await mark_failed(db, message.id, str(error), None if delay is None else now + delay)
            if delay is None:
                log.error("SMS %d failed for good: %s", message.id, error)
            else:
                log.warning("SMS %d failed (retry in %s): %s", message.id, delay, error)
            continue
        await mark_sent(db, message.id, now=now)
        count_sms_sent(message.template)
        sent += 1
    return sent


class OutboxDispatcher(PeriodicJob):
    """A background task polling the outbox every :data:`POLL_SECONDS` seconds (the first pass sends what an
    earlier process left)."""

    name = "shenbao-outbox"

    def __init__(self, db: Database, gateway: Gateway, *, interval: float = POLL_SECONDS) -> None:
        super().__init__(interval=interval)
        self.db = db
        self.gateway = gateway

    async def tick(self) -> None:
        await dispatch_due(self.db, self.gateway)
