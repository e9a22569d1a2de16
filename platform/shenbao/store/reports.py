"""Queries for the staff statistics page and the export of approved applications, scoped to a region subtree.

Both take the staff member's region code and read only the applications whose ``region_code`` lies in its
subtree, by the same half-open code range as the inbox (:func:`~shenbao.store.staff.region_bounds`), so
PostgreSQL and SQLite walk the ``region_code`` index instead of reading the whole table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from shenbao.privacy.keyring import Keyring
from shenbao.store.database import Database
from shenbao.store.sealing import open_answers
from shenbao.store.staff import region_bounds

__all__ = [
    "OPEN_STATUSES",
    "ApprovedApplication",
    "RegionStatistics",
    "SubRegionCount",
    "WeekCount",
    "approved_in_region",
    "region_statistics",
    "week_starts",
]

OPEN_STATUSES = ("submitted", "in_progress")
"""Statuses of applications still being handled: only these can be overdue."""
_APPROVE = "approve"
"""The workflow action 审批通过 (see :data:`shenbao.workflow.engine.ACTION_LABELS`)."""


class WeekCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many applications were submitted in the week that starts on ``starts_on`` (a Monday)."""

    starts_on: dt.date
    count: int


class SubRegionCount(msgspec.Struct, frozen=True, kw_only=True):
    """The applications of one division one level below the staff member's region.

    ``code`` is that division's code; an application whose region stops above that level (a township
    answer seen by a township account, which counts villages) has its own, shorter code here.
    """

    code: str
    total: int
    open: int
    approved: int
    overdue: int


class RegionStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """The numbers of the statistics page for one region subtree.

    Attributes:
        region_code: the region counted.
        total: every application in the subtree.
        by_status: status (``submitted``, ``in_progress``, ``approved``, ``refused``) to count; only statuses
            that occur.
        overdue: open applications whose current step's deadline has passed.
        green: applications in the green channel (open or finished).
        weeks: submissions per week, oldest first, the current (unfinished) week last.
        sub_regions: counts by division one level down, by code (empty for a village account).
    """

    region_code: str
    total: int
    by_status: dict[str, int]
    overdue: int
    green: int
    weeks: tuple[WeekCount, ...]
    sub_regions: tuple[SubRegionCount, ...]


class ApprovedApplication(msgspec.Struct, frozen=True, kw_only=True):
    """An approved application as the export reads it: its answers and its workflow state (with history)."""

    id: int
    receipt_number: str
    form_id: str
    form_version: int = 1
    region_code: str
    status: str
    answers: dict[str, Any]
    workflow_state: dict[str, Any] | None
    created_at: dt.datetime


_CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}
"""A division code's length to the length of its children's codes (a village has none)."""


def _subtree(region_code: str) -> tuple[str, list[Any]]:
    """The ``WHERE`` condition of the region's subtree and its arguments."""
    if not region_code or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"{region_code!r} is not a region code")
    low, high = region_bounds(region_code)
    if high is None:
        return "region_code >= {}", [low]
    return "region_code >= {} AND region_code < {}", [low, high]


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, ending with this week's."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


async def region_statistics(
    db: Database, region_code: str, *, today: dt.date, zone: dt.tzinfo, weeks: int = 12
) -> RegionStatistics:
    """Count the applications of a region's subtree: by status, overdue, green, by week and by sub-region.

    Two aggregate queries, each one pass over the subtree's index range: one grouped by status (with the
    overdue, green and weekly counts as conditional sums), one grouped by the sub-region's code prefix.

    Args:
        db: the open database.
        region_code: the staff member's region.
        today: the current day where the staff work (overdue means a deadline before it).
        zone: the time zone weeks are counted in (China Standard Time): a week starts on Monday at 00:00.
        weeks: how many weeks to count, the current one included.

    Returns:
        The statistics.

    Raises:
        ValueError: ``region_code`` is not a string of digits.
    """
    db.check_bound()
    where, args = _subtree(region_code)
    starts = week_starts(today, weeks)
    bounds = [
        dt.datetime.combine(day, dt.time(), zone) for day in [*starts, starts[-1] + dt.timedelta(weeks=1)]
    ]
    open_statuses = ", ".join("{}" for _ in OPEN_STATUSES)
    overdue = f"status IN ({open_statuses}) AND deadline < {{}}"
    week_sums = ", ".join(
        f"SUM(CASE WHEN created_at >= {{}} AND created_at < {{}} THEN 1 ELSE 0 END) AS week_{index}"
        for index in range(weeks)
    )
    week_args = [moment for index in range(weeks) for moment in bounds[index : index + 2]]
    rows = await db.fetch(
        f"SELECT status, COUNT(*) AS total, SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END) AS overdue, "
        f"SUM(CASE WHEN green THEN 1 ELSE 0 END) AS green, {week_sums} "
        f"FROM application WHERE {where} GROUP BY status",
        *OPEN_STATUSES,
        today,
        *week_args,
        *args,
    )
    by_status = {str(row["status"]): int(row["total"]) for row in rows}
    week_counts = tuple(
        WeekCount(starts_on=day, count=sum(int(row[f"week_{index}"] or 0) for row in rows))
        for index, day in enumerate(starts)
    )
    return RegionStatistics(
        region_code=region_code,
        total=sum(by_status.values()),
        by_status=by_status,
        overdue=sum(int(row["overdue"] or 0) for row in rows),
        green=sum(int(row["green"] or 0) for row in rows),
        weeks=week_counts,
        sub_regions=await _sub_regions(db, region_code, where, args, today),
    )


async def _sub_regions(
    db: Database, region_code: str, where: str, args: list[Any], today: dt.date
) -> tuple[SubRegionCount, ...]:
    length = _CHILD_LENGTH.get(len(region_code))
    if length is None:
        return ()
    open_statuses = ", ".join("{}" for _ in OPEN_STATUSES)
    rows = await db.fetch(
        f"SELECT substr(region_code, 1, {length}) AS part, COUNT(*) AS total, "
        f"SUM(CASE WHEN status IN ({open_statuses}) THEN 1 ELSE 0 END) AS open, "
        "SUM(CASE WHEN status = {} THEN 1 ELSE 0 END) AS approved, "
        f"SUM(CASE WHEN status IN ({open_statuses}) AND deadline < {{}} THEN 1 ELSE 0 END) AS overdue "
        f"FROM application WHERE {where} GROUP BY part ORDER BY part",
        *OPEN_STATUSES,
        "approved",
        *OPEN_STATUSES,
        today,
        *args,
    )
    return tuple(
        SubRegionCount(
            code=str(row["part"]),
            total=int(row["total"]),
            open=int(row["open"] or 0),
            approved=int(row["approved"] or 0),
            overdue=int(row["overdue"] or 0),
        )
        for row in rows
    )


def _approved(kind: str) -> str:
    # Approved: finished as approved, or approved by the county and still at a closing step (the 2023 chain's
    # 录入国家系统, whose hand-over is what the export is for). The history is a JSON array in the state.
    if kind == "sqlite":
        approve_row = (
            "EXISTS (SELECT 1 FROM json_each(workflow_state, '$.history') AS step "
            "WHERE json_extract(step.value, '$.action') = {})"
        )
    else:
        approve_row = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements(workflow_state -> 'history') AS step(value) "
            "WHERE step.value ->> 'action' = {})"
        )
    return f"(status = {{}} OR (status = {{}} AND workflow_state IS NOT NULL AND {approve_row}))"


async def approved_in_region(
    db: Database, region_code: str, *, batch_size: int = 500
) -> AsyncIterator[list[ApprovedApplication]]:
    """The approved applications of a region's subtree, by region code then id, a batch at a time.

    Approved means finished as approved, or approved (审批通过) and waiting at a later step, such as the
    entry into the national system. Batches are read by keyset (``(region_code, id) > last``), so memory
    stays at one batch whatever the region's size, and a row is never read twice or skipped.

    Args:
        db: the open database.
        region_code: the staff member's region.
        batch_size: rows per batch.

    Yields:
        Lists of at most ``batch_size`` applications.

    Raises:
        ValueError: ``region_code`` is not a string of digits.
    """
    db.check_bound()
    where, args = _subtree(region_code)
    condition = _approved(db.kind)
    after: tuple[str, int] | None = None
    while True:
        keyset, keyset_args = (
            ("", []) if after is None else (" AND (region_code, id) > ({}, {})", list(after))
        )
        rows = await db.fetch(
            "SELECT id, receipt_number, form_id, form_version, region_code, status, answers, workflow_state, "
            f"created_at FROM application WHERE {where} AND {condition}{keyset} "
            "ORDER BY region_code, id LIMIT {}",
            *args,
            "approved",
            "in_progress",
            _APPROVE,
            *keyset_args,
            batch_size,
        )
        if not rows:
            return
        yield [_approved_application(row, db.keys) for row in rows]
        last = rows[-1]
        after = (str(last["region_code"]), int(last["id"]))
        if len(rows) < batch_size:
            return


def _approved_application(row: dict[str, Any], keys: Keyring | None) -> ApprovedApplication:
    fields = dict(row)
    for key in ("answers", "workflow_state"):
        if isinstance(fields[key], str):
            fields[key] = json.loads(fields[key])
    fields["answers"] = open_answers(fields["answers"], keys)  # the ID numbers and phones, decrypted
    created = fields["created_at"]
    if not isinstance(created, dt.datetime):
        created = dt.datetime.fromisoformat(str(created))
    fields["created_at"] = created if created.tzinfo is not None else created.replace(tzinfo=dt.UTC)
    return msgspec.convert(fields, ApprovedApplication)
