"""The SQL of the staff inbox, for SQLite and PostgreSQL: its order and filters, a page, the counts.

The order and filter expressions are written here once per engine, with the same text as schema step 9's
indexes (a test reads the query plans: an index whose expression differs by a character is not used). Which
index serves a query is chosen by the shape of its region condition (see :func:`_where`).
:mod:`shenbao.store.inbox` runs these statements; the tests and the benchmark read their plans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

import msgspec

from shenbao.store.staff import region_bounds

if TYPE_CHECKING:
    from shenbao.store.inbox import InboxQuery

__all__ = [
    "COUNT_CAP",
    "FILTERS",
    "InboxFilter",
    "InboxView",
    "NamePaths",
    "check_region",
    "count_labels",
    "counts_statement",
    "page_statement",
]

InboxView: TypeAlias = Literal["mine", "all"]
"""``mine``: open cases whose current step is the staff member's role; ``all``: the whole region."""
InboxFilter: TypeAlias = Literal[
    "", "submitted", "in_progress", "approved", "refused", "overdue", "flagged", "green"
]
"""``""`` shows everything; a status; ``overdue`` (open, deadline before today); ``flagged``; ``green``."""
FILTERS: tuple[InboxFilter, ...] = get_args(InboxFilter)
COUNT_CAP = 99
"""Counts stop here: a count above it is reported as ``COUNT_CAP + 1`` (shown as "99+", as app badges do)."""
NamePaths: TypeAlias = Mapping[str, tuple[str, ...]]
"""Where each form keeps the applicant's name: form id to a path in the answers (``("q4", "name")``)."""

_FINISHED = "status IN ('approved', 'refused')"
_OPEN = "status NOT IN ('approved', 'refused')"
"""Open cases: the predicate of the partial index ``application_inbox_turn`` (the same text)."""
_RANK = f"CASE WHEN {_FINISHED} THEN 2 WHEN green THEN 0 ELSE 1 END"
_TIE = f"CASE WHEN {_FINISHED} THEN -id ELSE id END"


class _Dialect(msgspec.Struct, frozen=True, kw_only=True):
    """The engine-specific spelling of the inbox's expressions (the same text as schema step 9's)."""

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


def check_region(region_code: str) -> None:
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
    check_region(query.region_code)
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


def count_labels(
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
    check_region(region_code)
    dialect = _SQLITE if kind == "sqlite" else _POSTGRES
    counted: list[tuple[InboxView, InboxFilter]] = []
    columns: list[str] = []
    args: list[Any] = []
    for pair in dict.fromkeys(count_labels(view, filters).values()):
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
