"""What the deadline job reads and records: open applications by deadline, and the notices it has sent.

A notice (a reminder or an escalation) is claimed by inserting its row; the table's unique key (application,
step, deadline, kind, round) lets one insert win. The job claims and queues the notice's SMS in ONE
transaction, so a notice is recorded exactly when its messages are queued: a restart, a second pass or a
second process never sends it twice, and a pass that dies halfway leaves nothing half-sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import msgspec

from shenbao.roles import Role
from shenbao.store.database import Database
from shenbao.store.tables import DeadlineNotice

__all__ = [
    "OpenDeadline",
    "SentNotice",
    "claim_notice",
    "locked_pending_state",
    "locked_workflow_state",
    "notices_of",
    "open_deadlines",
    "sent_keys",
]

NoticeKey = tuple[int, str, date, str, int]
"""(application id, step, deadline, kind, round): what a notice is sent once for."""


class OpenDeadline(msgspec.Struct, frozen=True, kw_only=True):
    """An application whose current step has a deadline: its id, receipt number and stored workflow state."""

    id: int
    receipt_number: str
    deadline: date
    workflow_state: dict[str, Any]


class SentNotice(msgspec.Struct, frozen=True, kw_only=True):
    """A reminder or escalation as recorded (see :class:`~shenbao.store.tables.DeadlineNotice`)."""

    step: str
    due_on: date
    kind: str
    round: int
    overdue_days: int
    role: Role
    region_code: str
    messages: int
    sent_on: date


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def open_deadlines(
    db: Database, *, until: date, after: tuple[date, int] | None = None, limit: int = 500
) -> list[OpenDeadline]:
    """Applications with a deadline on or before ``until``, in (deadline, id) order, after ``after``.

    Finished applications have no deadline, so they are never read. Page on by passing the last row's
    ``(deadline, id)`` as ``after``.
    """
    db.check_bound()
    sql = (
        "SELECT id, receipt_number, deadline, workflow_state FROM application "
        "WHERE deadline IS NOT NULL AND deadline <= {} AND workflow_state IS NOT NULL"
    )
    args: list[Any] = [until]
    if after is not None:
        sql += " AND (deadline > {} OR (deadline = {} AND id > {}))"
        args += [after[0], after[0], after[1]]
    sql += " ORDER BY deadline, id LIMIT {}"
    rows = await db.fetch(sql, *args, limit)
    return [
        msgspec.convert({**row, "workflow_state": _loaded(row["workflow_state"])}, OpenDeadline)
        for row in rows
    ]


async def sent_keys(db: Database, application_ids: Iterable[int]) -> set[NoticeKey]:
    """The keys of every notice already sent about these applications."""
    db.check_bound()
    ids = list(application_ids)
    if not ids:
        return set()
    rows = await DeadlineNotice.select(
        DeadlineNotice.application_id,
        DeadlineNotice.step,
        DeadlineNotice.due_on,
        DeadlineNotice.kind,
        DeadlineNotice.round,
    ).where(DeadlineNotice.application_id.is_in(ids))
    return {(row["application_id"], row["step"], row["due_on"], row["kind"], row["round"]) for row in rows}


async def locked_workflow_state(db: Database, application_id: int) -> dict[str, Any] | None:
    """The application's workflow state, locked until the caller's transaction ends; ``None`` when absent.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so a row another transaction holds (a decision being taken, or
    another job's pass) is ``None`` too: the caller leaves it for its next pass. SQLite: the caller's
    ``BEGIN IMMEDIATE`` transaction already holds the database's write lock.
    """
    db.check_bound()
    sql = "SELECT workflow_state FROM application WHERE id = {} AND deadline IS NOT NULL"
    if db.kind == "postgres":
        sql += " FOR UPDATE SKIP LOCKED"
    rows = await db.fetch(sql, application_id)
    state = _loaded(rows[0]["workflow_state"]) if rows else None
    return state if isinstance(state, dict) else None


async def locked_pending_state(db: Database, application_id: int) -> dict[str, Any] | None:
    """The workflow state of an open application whose deadline is still pending (unknown), locked until the
    caller's transaction ends; ``None`` when it is absent, finished, has its deadline, or is held by another
    transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: the caller's ``BEGIN IMMEDIATE`` holds the write
    lock). Read inside the transaction that writes the filled state, so a decision taken meanwhile is never
    overwritten by a state read before it.
    """
    db.check_bound()
    sql = (
        "SELECT workflow_state FROM application WHERE id = {} AND deadline IS NULL "
        "AND workflow_state IS NOT NULL AND status NOT IN ('approved', 'refused')"
    )
    if db.kind == "postgres":
        sql += " FOR UPDATE SKIP LOCKED"
    rows = await db.fetch(sql, application_id)
    state = _loaded(rows[0]["workflow_state"]) if rows else None
    return state if isinstance(state, dict) else None


async def claim_notice(
    db: Database,
    *,
    application_id: int,
    step: str,
    due_on: date,
    kind: str,
    round: int,
    overdue_days: int,
    role: str,
    region_code: str,
    messages: int,
    sent_on: date,
    now: datetime,
) -> bool:
    """Record a notice unless it was recorded already; join the caller's transaction.

    Returns:
        Whether this call recorded it (and so the caller queues its SMS in the same transaction). A
        concurrent claim of the same key waits for the first to commit, then gets ``False``.
    """
    db.check_bound()
    row = DeadlineNotice(
        application_id=application_id,
        step=step,
        due_on=due_on,
        kind=kind,
        round=round,
        overdue_days=overdue_days,
        role=role,
        region_code=region_code,
        messages=messages,
        sent_on=sent_on,
        created_at=now,
    )
    target = (
        DeadlineNotice.application_id,
        DeadlineNotice.step,
        DeadlineNotice.due_on,
        DeadlineNotice.kind,
        DeadlineNotice.round,
    )
    inserted = (
        await DeadlineNotice.insert(row)
        .on_conflict(target=target, action="DO NOTHING")
        .returning(DeadlineNotice.id)
    )
    return bool(inserted)


async def notices_of(db: Database, application_id: int) -> list[SentNotice]:
    """The notices sent about an application, oldest first (for its history on the staff page)."""
    db.check_bound()
    columns = [
        column for column in DeadlineNotice._meta.columns if column._meta.name in SentNotice.__struct_fields__
    ]
    rows = (
        await DeadlineNotice.select(*columns)
        .where(DeadlineNotice.application_id == application_id)
        .order_by(DeadlineNotice.id)
    )
    return [msgspec.convert(row, SentNotice) for row in rows]
