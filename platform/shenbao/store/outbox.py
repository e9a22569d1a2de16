"""The SMS outbox: text messages queued in the same transaction as what caused them, sent later.

A message is a row from the moment its transaction commits, so a process that dies before sending it
loses nothing: the dispatcher (:mod:`shenbao.notify.dispatcher`) of the next process sends it.

The phone is sealed in the row (:func:`~shenbao.store.sealing.seal_text`) and opened when read, so the
dispatcher and the pages get the number; a phone queued in clear by an earlier version reads as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from shenbao.privacy.keyring import Keyring
from shenbao.store.database import Database
from shenbao.store.sealing import open_text, seal_text
from shenbao.store.tables import Outbox

__all__ = [
    "OutboxMessage",
    "QueuedSms",
    "claim_due",
    "enqueue_sms",
    "mark_failed",
    "mark_sent",
    "outbox_messages",
    "pending_count",
    "release",
    "undelivered_messages",
]

_MAX_ERROR_CHARS = 500


class QueuedSms(msgspec.Struct, frozen=True, kw_only=True):
    """A message to queue: the number, the template it was made from, its text and the values that filled it.

    ``params`` go to a provider that sends approved templates filled with parameters (Aliyun), so the message
    goes out as it was made even if the template is edited before it is sent. Whoever queues fills them.
    """

    phone: str
    template: str
    text: str
    params: dict[str, str] = {}


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A queued message as stored."""

    id: int
    phone: str
    template: str
    text: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    params: dict[str, str] = {}
    """The values its template was filled with; ``{}`` for a message queued before they were kept."""


_COLUMNS = tuple(
    column for column in Outbox._meta.columns if column._meta.name in OutboxMessage.__struct_fields__
)


async def enqueue_sms(db: Database, messages: Iterable[QueuedSms], *, now: datetime) -> int:
    """Queue messages, due at once, their phones sealed; joins the caller's transaction when there is one.

    Returns:
        How many were queued.

    Raises:
        KeysMissingError: the database was opened without keys.
    """
    db.check_bound()
    rows = [
        Outbox(
            phone=seal_text(message.phone, db.keys),
            template=message.template,
            text=message.text,
            params=dict(message.params),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
            sent_at=None,
        )
        for message in messages
    ]
    if rows:
        await Outbox.insert(*rows)
    return len(rows)


async def claim_due(db: Database, now: datetime, *, lease: timedelta, limit: int = 20) -> list[OutboxMessage]:
    """Claim up to ``limit`` pending messages due by ``now``, oldest due first, for ``lease``.

    One statement moves each claimed message's next try to ``now + lease``, so no other dispatcher, in this
    process or another, takes it while it is being sent; a message whose claimant died comes due again when
    the lease ends. PostgreSQL skips rows another dispatcher is claiming at that moment (``FOR UPDATE SKIP
    LOCKED``); SQLite has one writer, so two claims never overlap.

    Returns:
        The claimed messages, oldest due first.
    """
    db.check_bound()
    lock = " FOR UPDATE SKIP LOCKED" if db.kind == "postgres" else ""
    claimed = await db.fetch(
        "UPDATE outbox SET next_attempt_at = {} WHERE id IN ("
        "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= {} "
        f"ORDER BY next_attempt_at, id LIMIT {{}}{lock}) "
        "AND status = 'pending' AND next_attempt_at <= {} RETURNING id",
        now + lease,
        now,
        limit,
        now,
    )
    if not claimed:
        return []
    rows = (
        await Outbox.select(*_COLUMNS)
        .where(Outbox.id.is_in([int(row["id"]) for row in claimed]))
        .order_by(Outbox.created_at, Outbox.id)
        .output(load_json=True)
    )
    return [_message(row, db.keys) for row in rows]


async def release(db: Database, message_ids: Iterable[int], *, now: datetime) -> None:
    """Give claimed messages back unsent: due again at ``now`` for any dispatcher."""
    db.check_bound()
    ids = list(message_ids)
    if ids:
        await Outbox.update({Outbox.next_attempt_at: now}).where(
            Outbox.id.is_in(ids) & (Outbox.status == "pending")
        )


async def mark_sent(db: Database, message_id: int, *, now: datetime) -> None:
    """Record that the gateway accepted the message."""
    db.check_bound()
    await Outbox.update(
        {Outbox.status: "sent", Outbox.sent_at: now, Outbox.attempts: Outbox.attempts + 1}
    ).where(Outbox.id == message_id)


async def mark_failed(db: Database, message_id: int, error: str, next_attempt_at: datetime | None) -> None:
    """Record a failed try: retry at ``next_attempt_at``, or give up (status ``failed``) when it is ``None``."""
    db.check_bound()
    values: dict[object, object] = {
        Outbox.attempts: Outbox.attempts + 1,
        Outbox.last_error: error[:_MAX_ERROR_CHARS],
    }
    if next_attempt_at is None:
        values[Outbox.status] = "failed"
    else:
        values[Outbox.next_attempt_at] = next_attempt_at
    await Outbox.update(values).where(Outbox.id == message_id)  # type: ignore[arg-type]


async def pending_count(db: Database) -> int:
    """How many messages wait to be sent."""
    db.check_bound()
    return int(await Outbox.count().where(Outbox.status == "pending"))


async def outbox_messages(db: Database) -> list[OutboxMessage]:
    """Every queued message, oldest first (for tests and the demo)."""
    db.check_bound()
    rows = await Outbox.select(*_COLUMNS).order_by(Outbox.id).output(load_json=True)
    return [_message(row, db.keys) for row in rows]


def _message(row: dict[str, object], keys: Keyring | None) -> OutboxMessage:
    return msgspec.convert({**row, "phone": open_text(str(row["phone"]), keys)}, OutboxMessage)


async def undelivered_messages(db: Database, limit: int = 50) -> list[OutboxMessage]:
    """The messages the gateway refused: given up on (``failed``) or waiting to be tried again; newest first."""
    db.check_bound()
    rows = (
        await Outbox.select(*_COLUMNS)
        .where((Outbox.status == "failed") | ((Outbox.status == "pending") & (Outbox.attempts > 0)))
        .order_by(Outbox.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [_message(row, db.keys) for row in rows]
