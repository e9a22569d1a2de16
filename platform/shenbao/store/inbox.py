"""The staff inbox: the applications of a staff member's region, in deadline order, filtered and paged.

The order: open cases before finished ones; among open cases the green channel first, then the nearest
deadline (a case without one after those with one); finished cases newest first. It is three SQL expressions
(:class:`InboxKey`), indexed per staff level by schema step 9 behind the region prefix of that level, so the
first page of a county or of the whole province is read off an index instead of sorting the region's rows;
the filters are tested in the same index. 轮到我办 (``mine``) has its own small index: the open cases by whose
turn it is. Pages follow the key (keyset pagination): a page starts after the last row of the one before it,
so rows that arrive or move between two clicks never show twice or go missing, and page 1,000 costs what
page 1 does.

Counts per filter stop at :data:`COUNT_CAP` (a page shows "99+"): counting every approved application of a
province on each visit would cost more than the page itself; the statistics page has the exact figures.

Every query takes the staff member's own region code and reads its subtree only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from shenbao.store.database import Database
from shenbao.store.inbox_sql import (
    COUNT_CAP,
    FILTERS,
    InboxFilter,
    InboxView,
    NamePaths,
    count_labels,
    counts_statement,
    page_statement,
)

__all__ = [
    "COUNT_CAP",
    "FILTERS",
    "PAGE_SIZE",
    "InboxEntry",
    "InboxFilter",
    "InboxKey",
    "InboxPage",
    "InboxQuery",
    "InboxView",
    "NamePaths",
    "counts_statement",
    "inbox_counts",
    "inbox_page",
    "page_statement",
]

PAGE_SIZE = 50
_NO_DEADLINE = dt.date(9999, 1, 1)
"""Stands for "no deadline" in the order (not date.max: asyncpg sends that as PostgreSQL's 'infinity')."""


class InboxKey(msgspec.Struct, frozen=True):
    """Where a row stands in the inbox's order: the page cursor (``?after=1.2026-06-08.42``).

    Attributes:
        rank: 0 an open green-channel case, 1 another open case, 2 a finished case.
        due: the current step's deadline (1 January 9999 when there is none).
        tie: the id (negated for finished cases, so the newest comes first).
    """

    rank: int
    due: dt.date
    tie: int

    def token(self) -> str:
        """The key as it travels in a link."""
        return f"{self.rank}.{self.due.isoformat()}.{self.tie}"

    @classmethod
    def parse(cls, token: str | None) -> InboxKey | None:
        """Read a key from a link; ``None`` for anything that is not one (the first page is shown instead)."""
        if not token:
            return None
        parts = token.split(".")
        if len(parts) != 3 or parts[0] not in ("0", "1", "2"):
            return None
        digits = parts[2].removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or abs(int(parts[2])) >= 2**31:
            return None
        try:
            due = dt.date.fromisoformat(parts[1])
        except ValueError:
            return None
        return cls(rank=int(parts[0]), due=due, tie=int(parts[2]))


class InboxEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An application as the inbox lists it (the answers stay out: personal data is shown one case at a time).

    Attributes:
        step: the id of the current step (or of the step that finished it); ``None`` without a workflow state.
        applicant_name: the name the applicant gave, when the form says where it is.
        key: the row's place in the order.
    """

    id: int
    receipt_number: str
    form_id: str
    status: str
    flags: tuple[str, ...]
    region_code: str | None
    created_at: dt.datetime
    deadline: dt.date | None
    green: bool
    step: str | None
    applicant_name: str | None
    key: InboxKey


class InboxQuery(msgspec.Struct, frozen=True, kw_only=True):
    """What one inbox page asks for.

    Attributes:
        region_code: the staff member's region; its subtree is all they may see.
        view: ``mine`` or ``all``.
        filter: one of :data:`FILTERS`.
        turns: for ``mine``: the ``form_id/step_id`` of every step the staff member's role acts at (and
            ``form_id/`` when that is the chain's first step: a case stored without a workflow state waits
            there). Empty: nothing is the staff member's turn.
        today: today's date in China, for ``overdue``.
        after: show the rows after this key (the next page).
        before: show the rows before this key (the previous page); ignored when ``after`` is given.
        limit: rows per page.
    """

    region_code: str
    view: InboxView = "all"
    filter: InboxFilter = ""
    turns: frozenset[str] = frozenset()
    today: dt.date
    after: InboxKey | None = None
    before: InboxKey | None = None
    limit: int = PAGE_SIZE


class InboxPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the inbox, in order, and whether there are rows before and after it."""

    entries: list[InboxEntry]
    has_previous: bool
    has_next: bool


async def inbox_page(db: Database, query: InboxQuery, *, names: NamePaths | None = None) -> InboxPage:
    """One page of a staff member's inbox.

    Args:
        db: the open database.
        query: the region, view, filter, day and cursor.
        names: where each form keeps the applicant's name (forms not named show none).

    Returns:
        The page's rows in inbox order, and whether rows come before and after them.

    Raises:
        ValueError: ``query.region_code`` is not a string of digits (an empty one would mean everything).
    """
    db.check_bound()
    statement = page_statement(db.kind, query, names)
    if statement is None:
        return InboxPage(entries=[], has_previous=False, has_next=False)
    sql, args = statement
    rows = await db.fetch(sql, *args)
    more = len(rows) > query.limit
    entries = [_entry(row) for row in rows[: query.limit]]
    if query.after is None and query.before is not None:
        entries.reverse()
        return InboxPage(entries=entries, has_previous=more, has_next=True)
    return InboxPage(entries=entries, has_previous=query.after is not None, has_next=more)


async def inbox_counts(
    db: Database,
    region_code: str,
    *,
    view: InboxView,
    turns: Collection[str],
    today: dt.date,
    filters: Collection[InboxFilter] = FILTERS,
) -> dict[str, int]:
    """How many applications each tab and filter would show, each count stopping after :data:`COUNT_CAP`.

    Args:
        db: the open database.
        region_code: the staff member's region.
        view: the filters are counted within this view.
        turns: as :attr:`InboxQuery.turns`.
        today: today's date in China.
        filters: the filters to count.

    Returns:
        ``"view:mine"`` and ``"view:all"`` (the tabs, unfiltered) and each filter (``""`` for none) within
        ``view``; a count above :data:`COUNT_CAP` is ``COUNT_CAP + 1``. A combination that cannot match
        (a finished status within ``mine``, or ``mine`` without turns) is 0.

    Raises:
        ValueError: ``region_code`` is not a string of digits.
    """
    db.check_bound()
    statement = counts_statement(db.kind, region_code, view=view, turns=turns, today=today, filters=filters)
    found: dict[tuple[InboxView, InboxFilter], int] = {}
    if statement is not None:
        sql, args, counted = statement
        row = (await db.fetch(sql, *args))[0]
        found = {pair: int(row[f"c{index}"]) for index, pair in enumerate(counted)}
    return {label: found.get(pair, 0) for label, pair in count_labels(view, filters).items()}


def _entry(row: Mapping[str, Any]) -> InboxEntry:
    flags = row["flags"]
    if isinstance(flags, str):
        flags = json.loads(flags)
    created = row["created_at"]
    if not isinstance(created, dt.datetime):
        created = dt.datetime.fromisoformat(str(created))
    if created.tzinfo is None:  # SQLite hands timestamps back without their zone; they were written in UTC
        created = created.replace(tzinfo=dt.UTC)
    name = str(row["applicant_name"] or "").strip()
    return InboxEntry(
        id=int(row["id"]),
        receipt_number=str(row["receipt_number"]),
        form_id=str(row["form_id"]),
        status=str(row["status"]),
        flags=tuple(str(flag) for flag in flags),
        region_code=row["region_code"],
        created_at=created,
        deadline=_date(row["deadline"]),
        green=bool(row["green"]),
        step=None if row["step"] is None else str(row["step"]),
        applicant_name=name or None,
        key=InboxKey(rank=int(row["rank"]), due=_date(row["due"]) or _NO_DEADLINE, tie=int(row["tie"])),
    )


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
