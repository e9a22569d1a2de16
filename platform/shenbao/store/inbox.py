"""The staff inbox: the applications of a staff member's region, in deadline order, filtered and paged.

The order: open cases before finished ones; among open cases the green channel first, then the nearest
deadline (a case without one after those with one); finished cases newest first. It is three SQL expressions
(:class:`InboxKey`), indexed per staff level by schema step 11 behind the region prefix of that level, so the
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
from typing import Any, Literal, TypeAlias, get_args

import msgspec

from shenbao.store.database import Database
from shenbao.store.staff import region_bounds

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

InboxView: TypeAlias = Literal["mine", "all"]
"""``mine``: open cases whose current step is the staff member's role; ``all``: the whole region."""
InboxFilter: TypeAlias = Literal[
    "", "submitted", "in_progress", "approved", "refused", "overdue", "flagged", "green"
]
"""``""`` shows everything; a status; ``overdue`` (open, deadline before today); ``flagged``; ``green``."""
FILTERS: tuple[InboxFilter, ...] = get_args(InboxFilter)
PAGE_SIZE = 50
COUNT_CAP = 99
"""Counts stop here: a count above it is reported as ``COUNT_CAP + 1`` (shown as "99+", as app badges do)."""
NamePaths: TypeAlias = Mapping[str, tuple[str, ...]]
"""Where each form keeps the applicant's name: form id to a path in the answers (``("q4", "name")``)."""

_FINISHED = "status IN ('approved', 'refused')"
_OPEN = "status NOT IN ('approved', 'refused')"
"""Open cases: the predicate of the partial index ``application_inbox_turn`` (the same text)."""
_RANK = f"CASE WHEN {_FINISHED} THEN 2 WHEN green THEN 0 ELSE 1 END"
_TIE = f"CASE WHEN {_FINISHED} THEN -id ELSE id END"
_NO_DEADLINE = dt.date(9999, 1, 1)
"""Stands for "no deadline" in the order (not date.max: asyncpg sends that as PostgreSQL's 'infinity')."""


class _Dialect(msgspec.Struct, frozen=True, kw_only=True):
    """The engine-specific spelling of the inbox's expressions (the same text as schema step 11's)."""

    postgres: bool
    due: str
    flagged: str
    step: str
    turn: str
    answer: str
    """Reads the answer at a path as text; one placeholder, the path (see :meth:`answer_path`)."""

    def answer_path(self, path: tuple[str, ...]) -> Any:
        return list(path) if self.postgres else "$." + ".".join(path)


_POSTGRES = _Dialect(
    postgres=True,
    due="COALESCE(deadline, DATE '9999-01-01')",
    flagged="jsonb_array_length(flags) > 0",
    step="workflow_state ->> 'step'",
    turn="form_id || '/' || COALESCE(workflow_state ->> 'step', '')",
    answer="answers #>> {}",
)
_SQLITE = _Dialect(
    postgres=False,
    due="COALESCE(deadline, '9999-01-01')",
    flagged="json_array_length(flags) > 0",
    step="json_extract(workflow_state, '$.step')",
    turn="form_id || '/' || COALESCE(json_extract(workflow_state, '$.step'), '')",
    answer="json_extract(answers, {})",
)


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


def _check_region(region_code: str) -> None:
    if not region_code or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"{region_code!r} is not a region code")


def _prefix(region_code: str) -> tuple[str, list[Any]]:
    """The subtree of ``region_code`` as the prefix of the code's own length: the level indexes' first column.

    Division codes are digit strings that extend their parent's, so equal prefixes are exactly the subtree.
    """
    return f"substr(region_code, 1, {len(region_code)}) = {{}}", [region_code]


def _range(region_code: str) -> tuple[str, list[Any]]:
    """The subtree of ``region_code`` as a range of codes, for the indexes that hold the code itself."""
    low, high = region_bounds(region_code)
    if high is None:
        return "region_code >= {}", [low]
    return "region_code >= {} AND region_code < {}", [low, high]


def _where(
    dialect: _Dialect,
    region_code: str,
    view: InboxView,
    filter: InboxFilter,
    turns: Collection[str],
    today: dt.date,
    *,
    counting: bool = False,
) -> tuple[str, list[Any]] | None:
    """The WHERE clause (and its arguments) of a view and a filter; ``None`` when nothing can match.

    Which index serves is chosen here, by the shape of the scope: ``all`` names the level's prefix (the inbox
    order and the filters are in that index); ``mine`` names the turn and a code range (the partial index of
    open cases by turn); an unfiltered count names a code range (an index-only scan of ``region_code``; given
    the prefix alone, PostgreSQL would pick that index anyway and test the prefix entry by entry, as it cannot
    know that a region's codes are adjacent).
    """
    if view == "mine" and (not turns or filter in ("approved", "refused")):
        return None
    if view == "mine":
        scope, args = _range(region_code)
        where = [_OPEN, f"({dialect.turn}) IN ({', '.join('{}' for _ in turns)})", scope]
        args = [*sorted(turns), *args]
    elif counting and not filter:
        scope, args = _range(region_code)
        where = [scope]
    else:
        scope, args = _prefix(region_code)
        where = [scope]
    if filter in ("submitted", "in_progress"):
        where += [f"({_RANK}) < 2", "status = {}"]
        args.append(filter)
    elif filter in ("approved", "refused"):
        where += [f"({_RANK}) = 2", "status = {}"]
        args.append(filter)
    elif filter == "overdue":
        where += [f"({_RANK}) < 2", f"({dialect.due}) < {{}}"]
        args.append(today)
    elif filter == "flagged":
        where.append(f"({dialect.flagged})")
    elif filter == "green":
        where.append("green")
    return " AND ".join(where), args


def _name_column(dialect: _Dialect, names: NamePaths) -> tuple[str, list[Any]]:
    if not names:
        return "NULL", []
    cases = []
    args: list[Any] = []
    for form_id, path in sorted(names.items()):
        cases.append(f"WHEN {{}} THEN {dialect.answer}")
        args += [form_id, dialect.answer_path(path)]
    return f"CASE form_id {' '.join(cases)} END", args


def page_statement(
    kind: Literal["sqlite", "postgres"], query: InboxQuery, names: NamePaths | None = None
) -> tuple[str, list[Any]] | None:
    """The SQL of one inbox page and its arguments (``{}`` placeholders), or ``None`` when nothing can match.

    The page asks for one row more than ``query.limit``: it tells whether another page follows.
    :func:`inbox_page` runs it; the tests and the benchmark read its plan.

    ``all`` walks the level's index in the inbox's order and stops after the page. ``mine`` reads the role's
    open cases first (few: the index tests whose turn it is) and sorts them: an ordered walk could not test
    the turn in the index (PostgreSQL before 17 does not keep an index's order with ``IN`` on a later column),
    so it would read every open case of the region from the table.
    """
    _check_region(query.region_code)
    dialect = _SQLITE if kind == "sqlite" else _POSTGRES
    found = _where(dialect, query.region_code, query.view, query.filter, query.turns, query.today)
    if found is None:
        return None
    where, where_args = found
    name_sql, name_args = _name_column(dialect, names or {})
    columns = (
        "id, receipt_number, form_id, status, flags, region_code, created_at, deadline, green, "
        f"{dialect.step} AS step, {name_sql} AS applicant_name, "
        f"({_RANK}) AS rank, ({dialect.due}) AS due, ({_TIE}) AS tie"
    )
    mine = query.view == "mine"
    order = ["rank", "due", "tie"] if mine else [f"({_RANK})", f"({dialect.due})", f"({_TIE})"]
    backwards = query.after is None and query.before is not None
    cursor = query.after or query.before
    after: list[str] = []
    cursor_args: list[Any] = []
    if cursor is not None:
        after = [f"({', '.join(order)}) {'<' if backwards else '>'} ({{}}, {{}}, {{}})"]
        cursor_args = [cursor.rank, cursor.due, cursor.tie]
    if mine:
        # MATERIALIZED: PostgreSQL must not fold the sort back into an ordered scan. SQLite before 3.35 lacks it.
        materialized = " MATERIALIZED" if dialect.postgres else ""
        sql = (
            f"WITH mine AS{materialized} (SELECT {columns} FROM application WHERE {where}) SELECT * FROM mine"
        )
        sql += "".join(f" WHERE {condition}" for condition in after)
    else:
        sql = f"SELECT {columns} FROM application WHERE {' AND '.join([where, *after])}"
    direction = " DESC" if backwards else ""
    sql += f" ORDER BY {', '.join(column + direction for column in order)} LIMIT {{}}"
    return sql, [*name_args, *where_args, *cursor_args, query.limit + 1]


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


def _count_labels(
    view: InboxView, filters: Collection[InboxFilter]
) -> dict[str, tuple[InboxView, InboxFilter]]:
    labels: dict[str, tuple[InboxView, InboxFilter]] = {"view:mine": ("mine", ""), "view:all": ("all", "")}
    labels.update({filter: (view, filter) for filter in filters})
    return labels


def counts_statement(
    kind: Literal["sqlite", "postgres"],
    region_code: str,
    *,
    view: InboxView,
    turns: Collection[str],
    today: dt.date,
    filters: Collection[InboxFilter] = FILTERS,
) -> tuple[str, list[Any], list[tuple[InboxView, InboxFilter]]] | None:
    """The SQL of :func:`inbox_counts` (one row, a column per count) with its arguments and what each column
    counts; ``None`` when no count needs the database."""
    _check_region(region_code)
    dialect = _SQLITE if kind == "sqlite" else _POSTGRES
    counted: list[tuple[InboxView, InboxFilter]] = []
    columns: list[str] = []
    args: list[Any] = []
    for pair in dict.fromkeys(_count_labels(view, filters).values()):
        found = _where(dialect, region_code, *pair, turns, today, counting=True)
        if found is None:
            continue
        where, where_args = found
        columns.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM application WHERE {where} LIMIT {COUNT_CAP + 1}) AS capped)"
        )
        args += where_args
        counted.append(pair)
    if not columns:
        return None
    return (
        "SELECT " + ", ".join(f"{column} AS c{index}" for index, column in enumerate(columns)),
        args,
        counted,
    )


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
    return {label: found.get(pair, 0) for label, pair in _count_labels(view, filters).items()}


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
