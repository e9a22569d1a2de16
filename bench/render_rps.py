"""Budget: a form page renders at at least half the requests per second of a bare Litestar hello-world.

Both apps run in this process, side by side, driven through their ASGI interface by the same minimal caller
(sequential requests, a phone's headers, gzip accepted). Rounds of a fixed length alternate (hello, form with
a saved draft, form for a first-time visitor, hello, …) so that the machine's drift hits all of them alike;
each figure is the median of its rounds. The page is the household section of the 2021 form
(``GET /f/gansu-zizhu-2021/s/household``): for a farmer whose draft holds the first three pages (cookie from
their posts), and for a first visit with no cookie (a new draft token is set). The budget is checked on
both: a farmer loads one or the other.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, get

from _asgi import PHONE_HEADERS, ASGIApp, Reply, call, cookie_header, lifespan
from _breakdown import breakdown_lines, instrument, profile_lines
from _common import Row, arguments, median, migrated_settings, report, temp_dir
from _farmer import SECTION, seed
from shenbao.app import create_app
from shenbao.settings import Settings

BUDGET_RATIO = 0.5


@get("/", media_type=MediaType.TEXT)
async def hello() -> str:
    return "Hello, world!"


def hello_app() -> Litestar:
    """The bare hello-world: no plugins, no middleware, no compression."""
    return Litestar(route_handlers=[hello])


Request = Callable[[], Awaitable[Reply]]


@dataclass
class Series:
    name: str
    request: Request
    rounds: list[float] = field(default_factory=list)  # requests per second, one figure per round

    @property
    def rps(self) -> float:
        return median(self.rounds)


def caller(app: ASGIApp, path: str, headers: list[tuple[bytes, bytes]], state: dict[str, Any]) -> Request:
    """A GET of ``path`` with ``headers``, checked to answer 200."""

    async def request() -> Reply:
        reply = await call(app, "GET", path, headers, state=state)
        if reply.status != 200:
            raise RuntimeError(f"GET {path}: {reply.status} {reply.body[:300]!r}")
        return reply

    return request


async def one_round(request: Request, seconds: float) -> float:
    """Sequential requests for ``seconds``; requests per second."""
    count = 0
    begin = time.perf_counter()
    deadline = begin + seconds
    while True:
        await request()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - begin)


async def measure(
    settings: Settings, rounds: int, seconds: float, profile: bool
) -> tuple[list[Series], list[str]]:
    form_app, bare_app = create_app(settings), hello_app()
    async with AsyncExitStack() as stack:
        form_state = await stack.enter_async_context(lifespan(form_app))
        bare_state = await stack.enter_async_context(lifespan(bare_app))
        cookies = await seed(form_app, form_state, ["method", "residence", "household"])

        series = [
            Series("hello-world (bare Litestar)", caller(bare_app, "/", PHONE_HEADERS, bare_state)),
            Series(
                "form page, saved draft",
                caller(form_app, SECTION, PHONE_HEADERS + cookie_header(cookies), form_state),
            ),
            Series("form page, first visit", caller(form_app, SECTION, PHONE_HEADERS, form_state)),
        ]
        await sanity(series)
        for each in series:  # warm up: Jinja compiles, caches fill
            for _ in range(50):
                await each.request()
        gc.collect()
        for _ in range(rounds):
            for each in series:
                each.rounds.append(await one_round(each.request, seconds))
        details = []
        hello_rps = series[0].rps
        if profile or any(each.rps / hello_rps < BUDGET_RATIO for each in series[1:]):
            details = await where_the_time_goes(series, profile)
        return series, details


async def sanity(series: list[Series]) -> None:
    """The draft visitor sees their answers; the first-time visitor gets the shared page, with no cookie."""
    draft = (await series[1].request()).text
    if 'value="yes" checked' not in draft:
        raise RuntimeError("the saved draft's answers are not on the page")
    first = await series[2].request()
    if "sb_draft" in first.cookies() or 'value="yes" checked' in first.text:
        raise RuntimeError("a first visit got someone's draft")


async def where_the_time_goes(series: list[Series], profile: bool) -> list[str]:
    lines = []
    hello_us = 1e6 / series[0].rps
    for each in series[1:]:
        count = 300
        with instrument() as timings:
            begin = time.perf_counter_ns()
            for _ in range(count):
                await each.request()
            total = time.perf_counter_ns() - begin
        lines += [
            f"\nWhere the time goes, {each.name} (instrumented run; hello-world takes {hello_us:.0f} µs):"
        ]
        lines += breakdown_lines(timings, total, count)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(count):
                await each.request()
            profiler.disable()
            lines += [f"\ncProfile, {each.name}, by cumulative time:", *profile_lines(profiler, 30)]
    return lines


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    rounds, seconds = (3, 0.3) if args.quick else (9, 0.6)
    with temp_dir() as directory:
        settings = migrated_settings(Path(directory))
        series, details = asyncio.run(measure(settings, rounds, seconds, args.profile))
    hello_rps = series[0].rps
    rows = [Row(f"{series[0].name}, req/s", f"{hello_rps:,.0f}/s ({1e6 / hello_rps:.0f} µs)")]
    for each in series[1:]:
        rows.append(Row(f"{each.name}, req/s", f"{each.rps:,.0f}/s ({1e6 / each.rps:.0f} µs)"))
    for each in series[1:]:
        ratio = each.rps / hello_rps
        rows.append(
            Row(f"ratio: {each.name} / hello", f"{ratio:.3f}", f"≥ {BUDGET_RATIO:g}", ratio >= BUDGET_RATIO)
        )
    spread = "; ".join(f"{each.name}: {min(each.rounds):,.0f}–{max(each.rounds):,.0f}/s" for each in series)
    notes = [
        f"\n{rounds} interleaved rounds of {seconds:g} s each, median of rounds. Spread: {spread}.",
        *details,
    ]
    return report("Render throughput — form page vs bare hello-world, in-process", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
