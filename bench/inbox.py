"""Inbox budget: the staff inbox query over 1,000,000 applications in PostgreSQL, p95 under 20 ms.

A fresh database on the local PostgreSQL server (dropped at the end) is migrated with shenbao's own steps and
loaded with a province's worth of applications (``_inbox_data.py``). Then, through the platform's own store
functions (``shenbao.store.inbox``, over the Piccolo engine the app uses), it times the first page of the inbox
for a village, a township, a county and the province admin, in each view (轮到我办 / 本辖区全部) with each filter,
plus the second page, and the filter counts a page shows. The regions differ from one call to the next (25 of
each level, drawn where the applications are), so the figures are not one warm region's. Every page query's
plan is read with EXPLAIN: 本辖区全部 must use the level's inbox index (application_inbox_village, _township,
_county, _province), 轮到我办 the partial index of open cases by turn (application_inbox_turn) or, for a
village's few cases, the region_code index.

The budget row of each level is its worst filter's p95. The counts are shown beside it: they are a second
query on the same page (each count stops at 100).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from _common import Row, Table, arguments, median, percentile, report
from _inbox_data import Generated, load
from _postgres import START, admin, reachable_admin_url
from shenbao import china_time
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.roles import ROLE_CODE_LENGTHS, Role
from shenbao.store import open_database
from shenbao.store.database import Database
from shenbao.store.inbox import (
    FILTERS,
    InboxFilter,
    InboxQuery,
    InboxView,
    inbox_counts,
    inbox_page,
    page_statement,
)
from shenbao.store.schema import migrate_url
from shenbao.web.staff.inbox import name_paths, turn_keys

BUDGET_MS = 20.0
LEVELS: tuple[Role, ...] = ("village", "township", "county", "province")
EXPECTED_INDEX = {
    "village": "application_inbox_village",
    "township": "application_inbox_township",
    "county": "application_inbox_county",
    "province": "application_inbox_province",
}
MINE_INDEXES = {"application_inbox_turn", "application_region_code"}
"""轮到我办 reads the open cases by turn, or (a village's few cases) by code."""
REGIONS_PER_LEVEL = 25


def extra_options(parser: Any) -> None:
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="applications to load (default 1,000,000)"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="use this already loaded database instead of making one (not dropped)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database made (its URL is printed)")


def combinations(turns: bool) -> list[tuple[InboxView, InboxFilter]]:
    """Every (view, filter) a page offers: each filter in 本辖区全部, the open ones in 轮到我办 too."""
    every: list[tuple[InboxView, InboxFilter]] = [("all", each) for each in FILTERS]
    if turns:
        every += [("mine", each) for each in FILTERS if each not in ("approved", "refused")]
    return every


async def sample_regions(db: Database, rng: random.Random) -> dict[Role, list[str]]:
    """25 regions of each level, drawn where the applications are (a busy county is likelier than a quiet one)."""
    rows = await db.fetch("SELECT region_code FROM application TABLESAMPLE SYSTEM (1)")
    codes = [str(row["region_code"]) for row in rows]
    regions: dict[Role, list[str]] = {}
    for level in LEVELS:
        length = ROLE_CODE_LENGTHS[level]
        drawn = [code[:length] for code in rng.sample(codes, min(len(codes), REGIONS_PER_LEVEL * 4))]
        regions[level] = list(dict.fromkeys(drawn))[:REGIONS_PER_LEVEL]
    return regions


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter_ns()
    await call()
    return (time.perf_counter_ns() - start) / 1e6


async def plan_indexes(db: Database, query: InboxQuery, names: Any) -> set[str]:
    statement = page_statement("postgres", query, names)
    if statement is None:
        return set()
    sql, args = statement
    rows = await db.fetch("EXPLAIN (FORMAT JSON) " + sql, *args)
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Index Name" in node:
                found.add(str(node["Index Name"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    plan = rows[0]["QUERY PLAN"]
    walk(plan if not isinstance(plan, str) else __import__("json").loads(plan))
    return found


async def measure(url: str, repeats: int) -> tuple[list[Row], list[Table], list[str]]:
    forms = FormRegistry.from_packs(["gansu"])
    chains = ChainRegistry.from_packs(["gansu"])
    names = name_paths(forms)
    today = china_time.today()
    rng = random.Random(7)
    db = await open_database(url, pool_max_size=2)
    try:
        regions = await sample_regions(db, rng)
        main_rows: list[Row] = []
        detail: list[Table] = []
        plan_notes: list[str] = []
        for level in LEVELS:
            turns = turn_keys(forms, chains, level)
            figures: list[Row] = []
            worst = 0.0
            worst_name = ""
            for view, filter in combinations(bool(turns)):
                queries = [
                    InboxQuery(region_code=code, view=view, filter=filter, turns=turns, today=today)
                    for code in regions[level]
                ]
                for query in queries[:3]:  # warm-up
                    await inbox_page(db, query, names=names)
                samples = []
                for i in range(repeats):
                    query = queries[i % len(queries)]
                    samples.append(await timed(lambda query=query: inbox_page(db, query, names=names)))
                p50, p95 = median(samples), percentile(samples, 0.95)
                label = f"{level} {view}/{filter or 'everything'}"
                figures.append(Row(f"  {label}", f"p50 {p50:.2f} ms, p95 {p95:.2f} ms"))
                if p95 > worst:
                    worst, worst_name = p95, label
                used = await plan_indexes(db, queries[0], names)
                if not used & ({EXPECTED_INDEX[level]} if view == "all" else MINE_INDEXES):
                    plan_notes.append(f"{label}: the plan uses {sorted(used) or 'no index'}")
            # the second page: after the first page's last row
            second: list[float] = []
            for i in range(repeats):
                query = InboxQuery(
                    region_code=regions[level][i % len(regions[level])], view="all", turns=turns, today=today
                )
                first = await inbox_page(db, query, names=names)
                if not first.has_next:
                    continue
                after = InboxQuery(
                    region_code=query.region_code,
                    view="all",
                    turns=turns,
                    today=today,
                    after=first.entries[-1].key,
                )
                second.append(await timed(lambda q=after: inbox_page(db, q, names=names)))
            if second:
                p95 = percentile(second, 0.95)
                figures.append(
                    Row(f"  {level} all, second page", f"p50 {median(second):.2f} ms, p95 {p95:.2f} ms")
                )
                if p95 > worst:
                    worst, worst_name = p95, f"{level} all, second page"
            counts: list[float] = []
            for i in range(repeats):
                code = regions[level][i % len(regions[level])]
                view_name: InboxView = "mine" if turns and i % 2 == 0 else "all"
                counts.append(
                    await timed(
                        lambda c=code, v=view_name, t=turns: inbox_counts(db, c, view=v, turns=t, today=today)
                    )
                )
            count_p95 = percentile(counts, 0.95)
            sample = regions[level][0]
            main_rows.append(
                Row(
                    f"inbox page, {level} ({len(regions[level])} regions, e.g. {sample}), p95 of the worst filter",
                    f"{worst:.2f} ms ({worst_name})",
                    f"< {BUDGET_MS:.0f} ms",
                    worst < BUDGET_MS,
                )
            )
            main_rows.append(
                Row(
                    f"filter counts, {level}, p95",
                    f"{count_p95:.2f} ms (p50 {median(counts):.2f} ms)",
                    f"< {BUDGET_MS:.0f} ms",
                    count_p95 < BUDGET_MS,
                )
            )
            detail.append(Table(f"{level}: every view and filter, first page", figures))
        plans_ok = not plan_notes
        main_rows.append(
            Row(
                "page query plans use the inbox indexes",
                "yes" if plans_ok else f"no ({len(plan_notes)})",
                "yes",
                plans_ok,
            )
        )
        return main_rows, detail, plan_notes
    finally:
        await db.close()


async def server_settings(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        version = await connection.fetchval("SHOW server_version")
        buffers = await connection.fetchval("SHOW shared_buffers")
        size = await connection.fetchval("SELECT pg_size_pretty(pg_total_relation_size('application'))")
        table = await connection.fetchval("SELECT pg_size_pretty(pg_relation_size('application'))")
        indexes = await connection.fetch(
            "SELECT indexname, pg_size_pretty(pg_relation_size(indexname::regclass)) AS size FROM pg_indexes "
            "WHERE tablename = 'application' ORDER BY indexname"
        )
    finally:
        await connection.close()
    listed = ", ".join(f"{row['indexname']} {row['size']}" for row in indexes)
    return (
        f"PostgreSQL {version}, shared_buffers {buffers} (server defaults, untuned); application table {table}, "
        f"with indexes and TOAST {size}; indexes: {listed}."
    )


async def main() -> int:
    args = arguments(__doc__.splitlines()[0], extra_options)
    repeats = 40 if args.quick else 200
    notes: list[str] = []
    made: str | None = None
    admin_url: str | None = None
    if args.database:
        url = args.database
    else:
        admin_url = await reachable_admin_url()
        if admin_url is None:
            print(
                f"PostgreSQL is not reachable on 127.0.0.1:5432. Start it: {START}\n"
                "or set SHENBAO_BENCH_POSTGRES_URL to a server's maintenance database URL."
            )
            return 2
        name = f"shenbao_bench_{secrets.token_hex(4)}"
        await admin(admin_url, f'CREATE DATABASE "{name}"')
        made = name
        url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        if made:
            await migrate_url(url)
            started = time.perf_counter()
            generated: Generated = await load(url, args.rows, china_time.today())
            notes.append(
                f"Loaded {generated.rows:,} applications over {generated.villages:,} villages in "
                f"{time.perf_counter() - started:.0f} s (COPY, then indexes, VACUUM ANALYZE): {generated.open:,} "
                f"open ({generated.overdue:,} overdue), {generated.green:,} green channel, "
                f"{generated.flagged:,} flagged."
            )
        rows, detail, plan_notes = await measure(url, repeats)
        notes.append(await server_settings(url))
        notes.append(
            f"{repeats} calls per view and filter after 3 warm-up ones, each call a different region of the "
            "level in turn; timed around the store function (SQL, the driver, and turning rows into entries)."
        )
        notes += [f"Plan without the expected index: {note}" for note in plan_notes]
        if args.keep and made:
            notes.append(f"Kept the database: {url}")
        return report(
            "Inbox — the staff inbox query over 1,000,000 applications (PostgreSQL)"
            if args.rows == 1_000_000
            else f"Inbox — the staff inbox query over {args.rows:,} applications (PostgreSQL; not the budget's size)",
            rows,
            args,
            notes,
            more=detail,
            summary=[notes[0]] if made else [],
        )
    finally:
        if made and admin_url and not args.keep:
            await admin(admin_url, f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
