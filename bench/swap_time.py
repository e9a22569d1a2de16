"""Budget: one conditional swap (the htmx answer endpoint) under 1.5 ms (SQLite) / 2.5 ms (PostgreSQL) at the median.

In-process: the app from ``create_app`` over a fresh, migrated SQLite file, and over a fresh database on this
machine's PostgreSQL (``shenbao_bench_<random>``, migrated, dropped at the end), its lifespan run, requests sent
straight into its ASGI interface (no client library in the timing). A farmer who has filled in the first two
pages is on the household page and flips question 8: ``q8=yes`` and ``q8=no`` alternate, so every request
really shows one question (9 or 10) and hides the other, saves the draft and sends back the swapped blocks,
gzipped as a phone asks. The fields posted are those the page's form would post at that moment. As a
cross-check, the same swaps are also timed through ``litestar.testing.AsyncTestClient`` (httpx): that figure
includes the client's own cost.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from _asgi import PHONE_HEADERS, Reply, call, cookie_header, form_body, lifespan
from _breakdown import breakdown_lines, instrument, profile_lines
from _common import (
    BASE,
    SECRET,
    Row,
    arguments,
    full_answers_2021,
    guide_read,
    median,
    migrated_settings,
    percentile,
    report,
    temp_dir,
)
from _farmer import SECTION, SECTIONS, flip, section_fields, seed
from _postgres import fresh_database
from shenbao.app import create_app
from shenbao.privacy.keyring import Keyring
from shenbao.settings import Settings

BUDGETS_MS = {"SQLite": 1.5, "PostgreSQL": 2.5}


@dataclass
class Measured:
    samples: list[float] = field(default_factory=list)
    size: int = 0
    breakdown: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)


def check(reply: Reply, first: bool) -> None:
    """Question 9 or 10 swapped in and the other out (the very first flip only shows question 9)."""
    text = reply.text
    if reply.status != 200 or 'id="q-q9"' not in text or ('id="q-q10"' not in text and not first):
        raise RuntimeError(f"the swap did not change question 9 and 10: {reply.status} {text[:500]}")


async def measure_asgi(app: Litestar, runs: int, warmup: int, profile: bool, budget_ms: float) -> Measured:
    async with lifespan(app) as state:
        cookies = await seed(app, state, ["method", "residence"])
        reply = await call(app, "GET", SECTION, PHONE_HEADERS + cookie_header(cookies), state=state)
        cookies.update(reply.cookies())
        requests = {}
        for value in ("yes", "no"):
            headers, body = form_body(flip(value))
            requests[value] = (
                [*PHONE_HEADERS, (b"hx-request", b"true"), *headers, *cookie_header(cookies)],
                body,
            )

        async def swap(index: int) -> Reply:
            headers, body = requests["yes" if index % 2 == 0 else "no"]
            return await call(app, "POST", f"{SECTION}/answer", headers, body, state)

        measured = Measured()
        gc.collect()
        for index in range(warmup + runs):
            begin = time.perf_counter_ns()
            reply = await swap(index)
            elapsed = time.perf_counter_ns() - begin
            check(reply, first=index == 0)
            if index >= warmup:
                measured.samples.append(elapsed)
                measured.size = max(measured.size, len(reply.body))
        if profile or median(measured.samples) / 1e6 >= budget_ms:
            count = max(runs // 2, 100)
            with instrument() as timings:
                begin = time.perf_counter_ns()
                for index in range(count):
                    await swap(index)
                total = time.perf_counter_ns() - begin
            measured.breakdown = breakdown_lines(timings, total, count)
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for index in range(count):
                    await swap(index)
                profiler.disable()
                measured.profile = profile_lines(profiler, 30)
    return measured


async def measure_httpx(app: Litestar, runs: int, warmup: int) -> list[float]:
    samples: list[float] = []
    async with AsyncTestClient(app, base_url="http://127.0.0.1", cookies=guide_read()) as client:
        answers = full_answers_2021()
        for section in ("method", "residence"):
            fields = [*section_fields(answers, SECTIONS[section]), ("nav", "stay")]
            await client.post(
                f"{BASE}/s/{section}",
                content=form_body(fields)[1],
                headers=_form_type(),
                follow_redirects=False,
            )
        await client.get(SECTION)
        for index in range(warmup + runs):
            fields = flip("yes" if index % 2 == 0 else "no")
            begin = time.perf_counter_ns()
            response = await client.post(
                f"{SECTION}/answer",
                content=form_body(fields)[1],
                headers={**_form_type(), "accept-encoding": "gzip", "hx-request": "true"},
            )
            elapsed = time.perf_counter_ns() - begin
            if response.status_code != 200 or ('id="q-q10"' not in response.text and index > 0):
                raise RuntimeError(f"httpx swap failed: {response.status_code}")
            if index >= warmup:
                samples.append(elapsed)
    return samples


def _form_type() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


async def measure_postgres(runs: int, warmup: int, profile: bool, directory: Path) -> Measured:
    async with fresh_database() as url:
        settings = Settings(
            database_url=url, data_dir=directory, secret_key=SECRET, keys=Keyring.generate("bench")
        )
        return await measure_asgi(create_app(settings), runs, warmup, profile, BUDGETS_MS["PostgreSQL"])


def extra_options(parser: Any) -> None:
    parser.add_argument(
        "--engine",
        choices=("both", "sqlite", "postgres"),
        default="both",
        help="the databases to measure (default both; PostgreSQL is this machine's server)",
    )


def _rows(engine: str, measured: Measured) -> list[Row]:
    samples, budget = measured.samples, BUDGETS_MS[engine]
    med = median(samples) / 1e6
    return [
        Row(
            f"swap q8 yes↔no, {engine}, server time, median",
            f"{med:.2f} ms",
            f"< {budget:g} ms",
            med < budget,
        ),
        Row(f"swap, {engine}, server time, p95", f"{percentile(samples, 0.95) / 1e6:.2f} ms"),
        Row(f"swap, {engine}, server time, min", f"{min(samples) / 1e6:.2f} ms"),
    ]


def _where(engine: str, measured: Measured) -> list[str]:
    notes = []
    if measured.breakdown:
        notes += [f"\nWhere a swap's time goes on {engine} (wall clock per part, instrumented run):"]
        notes += measured.breakdown
    if measured.profile:
        notes += [f"\ncProfile on {engine}, by cumulative time:", *measured.profile]
    return notes


def main() -> int:
    args = arguments(__doc__.splitlines()[0], extra_options)
    runs, warmup = (200, 20) if args.quick else (1000, 100)
    rows: list[Row] = []
    notes: list[str] = []
    if args.engine in ("both", "sqlite"):
        with temp_dir() as directory:
            settings = migrated_settings(Path(directory))
            app = create_app(settings)
            measured = asyncio.run(measure_asgi(app, runs, warmup, args.profile, BUDGETS_MS["SQLite"]))
        with temp_dir() as directory:
            settings = migrated_settings(Path(directory))
            client_samples = asyncio.run(measure_httpx(create_app(settings), runs // 2, warmup))
        rows += _rows("SQLite", measured)
        rows += [
            Row(
                "swap, SQLite, through AsyncTestClient (httpx), median",
                f"{median(client_samples) / 1e6:.2f} ms",
            ),
            Row("swap response body (gzip)", f"{measured.size} B"),
        ]
        notes += _where("SQLite", measured)
    if args.engine in ("both", "postgres"):
        with temp_dir() as directory:
            try:
                measured = asyncio.run(measure_postgres(runs, warmup, args.profile, Path(directory)))
            except RuntimeError as error:
                if "not reachable" not in str(error):
                    raise
                print(error)
                rows.append(
                    Row("swap q8 yes↔no, PostgreSQL, server time, median", "not measured", "< 2.5 ms", False)
                )
            else:
                rows += _rows("PostgreSQL", measured)
                notes += _where("PostgreSQL", measured)
    notes.insert(
        0,
        f"\n{runs} swaps after {warmup} warm-up ones per database (ASGI); half as many through httpx. Each "
        "swap: read the draft, merge the answer into it in the database (one statement), evaluate before and "
        "after, render the swapped blocks, gzip. On SQLite the draft's statements run on the event loop "
        "(a kept connection, no thread hop) when the database lets them start at once.",
    )
    return report("Swap time — htmx answer endpoint, in-process", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
