"""What ``/readyz`` and ``/metrics`` read from the database: whether it answers, the outbox's backlog, the open
and overdue cases by whose turn it is.

Each is one or two cheap statements on indexes that exist for other reasons: the outbox's ``outbox_due``
(status first), the open cases' partial index ``application_inbox_turn`` and the deadline scan's
``application_open_deadline`` (schema steps 5, 7 and 9). The expressions below are written character for
character as those indexes' (:mod:`shenbao.store.schema_sql`), or the planner would not use them.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from shenbao.store.database import Database

__all__ = ["TurnCount", "database_answers", "open_cases_by_turn", "outbox_counts"]

_OPEN = "status NOT IN ('approved', 'refused')"
_TURN = {
    "sqlite": "form_id || '/' || COALESCE(json_extract(workflow_state, '$.step'), '')",
    "postgres": "form_id || '/' || COALESCE(workflow_state ->> 'step', '')",
}
_OUTBOX_STATUSES = ("pending", "failed")


class TurnCount(msgspec.Struct, frozen=True, kw_only=True):
    """The open cases waiting at one step of one form (``turn``: ``<form id>/<step id>``, the step empty for a
    case stored without a workflow state), and how many of them are past their deadline."""

    turn: str
    open: int
    overdue: int


async def database_answers(db: Database) -> None:
    """Ask the database the most trivial question (``SELECT 1``); return when it answers.

    Raises:
        DatabaseNotBoundError: the database was closed.
        Exception: whatever the driver raises when the server cannot be reached.
    """
    await db.fetch("SELECT 1 AS one")


async def outbox_counts(db: Database) -> dict[str, int]:
    """How many queued messages wait to be sent (``pending``) and how many failed for good (``failed``).

    Returns:
        ``{"pending": n, "failed": m}``, both always present.
    """
    rows = await db.fetch(
        "SELECT status, COUNT(*) AS messages FROM outbox WHERE status IN ('pending', 'failed') GROUP BY status"
    )
    counts = dict.fromkeys(_OUTBOX_STATUSES, 0)
    counts.update({str(row["status"]): int(row["messages"]) for row in rows})
    return counts


async def open_cases_by_turn(db: Database, today: dt.date) -> list[TurnCount]:
    """The open cases by form and current step, and those of them whose deadline is before ``today``.

    Two statements: the open cases counted off the partial index of open cases by turn, the overdue ones found
    through the deadline index (only they are read from the table).

    Args:
        db: the open database.
        today: the date in China (a deadline is a date in China Standard Time).

    Returns:
        One entry per turn that has open cases, in the turns' order.
    """
    turn = _TURN[db.kind]
    opened = await db.fetch(
        f"SELECT {turn} AS turn, COUNT(*) AS cases FROM application WHERE {_OPEN} GROUP BY {turn}"
    )
    late = await db.fetch(
        f"SELECT {turn} AS turn, COUNT(*) AS cases FROM application "
        f"WHERE deadline IS NOT NULL AND deadline < {{}} AND {_OPEN} GROUP BY {turn}",
        today,
    )
    overdue = {str(row["turn"]): int(row["cases"]) for row in late}
    return [
        TurnCount(turn=str(row["turn"]), open=int(row["cases"]), overdue=overdue.get(str(row["turn"]), 0))
        for row in sorted(opened, key=lambda row: str(row["turn"]))
    ]
