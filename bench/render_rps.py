"""Budget: a form page serves at least half the requests per second of a bare Litestar hello-world.

Headline, over real HTTP (requests per second is an HTTP figure): two uvicorn servers, separate processes
with identical settings (one worker, no access log, asyncio loop, httptools if installed else h11, log level
warning), one serving a bare Litestar hello-world (``bench/_hello.py``), one the platform
(``shenbao.app:create_app`` over a fresh, migrated SQLite file). ``wrk -t1 -c16`` drives them over
127.0.0.1 (a Python asyncio client, clearly labelled, when wrk is missing) in short interleaved rounds
(hello, form page on a first visit, form page with a saved draft, hello, …); each figure is the median of
its rounds. The page is ``GET /f/gansu-zizhu-2021/s/household`` with ``Accept-Encoding: gzip``: (a) a first
visit, no draft: the page a farmer who scanned the QR code loads after the guide (the only cookie is the guide
mark, which the server checks, without it the guide is shown), the budget; (b) with a saved draft (the
``sb_draft`` cookie from one answer post, ``q8=yes``), printed but not budgeted.

Secondary, in-process: both apps in this process, driven through their ASGI interface by the same minimal
caller, sequential requests; here the draft holds the first three pages.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from _asgi import PHONE_HEADERS, ASGIApp, Reply, call, cookie_header, lifespan
from _breakdown import breakdown_lines, instrument, profile_lines
from _common import Row, Table, arguments, guide_read, median, migrated_settings, report, temp_dir
from _farmer import SECTION, seed
from _hello import BODY, hello_app
from _load import LoadGenerator, Round, Target, load_generator
from _server import HOST, exit_on_sigterm, http_implementation, migrate, shenbao_env, uvicorn
from _wire import Wire
from _wire import request as fetch
from shenbao.app import create_app
from shenbao.settings import Settings

BUDGET_RATIO = 0.5
DRAFT_BUDGET_RATIO = 0.2
"""The saved-draft page, in-process (issue 15): at least a fifth of hello-world's requests per second."""
CONNECTIONS = 16
CHECKED = 'value="yes" checked'
SHOWN = 'id="q-q8"'  # the household page itself, not the guide
# The same request headers for every target (a phone's); the draft target adds its cookie.
HTTP_HEADERS = {key.decode().title(): value.decode() for key, value in PHONE_HEADERS if key != b"host"}


def guide_cookie() -> str:
    """The ``Cookie`` header of a phone that read the 2021 guide a minute ago (and has no draft)."""
    return "; ".join(f"{name}={value}" for name, value in guide_read().items())


DRAFT_NOTE = (
    "Not budgeted: a page with a saved draft is rendered for its farmer on every request (draft read from "
    "the database, evaluate(), the Jinja render, gzip); the budget is for the page a farmer who scans the QR "
    "code loads, the same for everyone, rendered and gzipped once."
)


# --- over HTTP: the headline -------------------------------------------------------------------------------


@dataclass
class HttpSeries:
    target: Target
    rounds: list[Round] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def rps(self) -> float:
        return median([each.rps for each in self.rounds])

    @property
    def middle(self) -> Round:
        """The round at the median (the lower middle one for an even count)."""
        ordered = sorted(self.rounds, key=lambda each: each.rps)
        return ordered[(len(ordered) - 1) // 2]


def draft_cookie(port: int) -> str:
    """One answer post (``_q=q8&q8=yes``) as htmx sends it: the ``sb_draft`` cookie it sets."""
    reply = fetch(
        HOST,
        port,
        "POST",
        f"{SECTION}/answer",
        headers={**HTTP_HEADERS, "HX-Request": "true", "Cookie": guide_cookie()},
        form=[("_q", "q8"), ("q8", "yes")],
    )
    token = reply.cookies().get("sb_draft")
    if reply.status != 200 or not token:
        raise RuntimeError(f"the answer post made no draft: {reply.status} {reply.text[:300]}")
    return f"sb_draft={token}"


def _fresh_draft_cookies(first: dict[str, str], again: dict[str, str], same_body: bool) -> None:
    """Two first visits: the same shared body, each with a draft cookie of its own (a token, not a draft)."""
    if not same_body:
        raise RuntimeError("two first visits got different pages: the first-visit page is not shared")
    if not first.get("sb_draft") or not again.get("sb_draft") or first["sb_draft"] == again["sb_draft"]:
        raise RuntimeError(f"a first visit must get a draft cookie of its own: {first} / {again}")


def http_sanity(targets: list[Target]) -> dict[str, Wire]:
    """Each target answers 200 with what it should; the pages come gzipped. One reply per target."""
    replies = {}
    hello, first, draft = targets
    for target in targets:
        reply = fetch(HOST, target.port, "GET", target.path, headers=target.headers)
        if reply.status != 200:
            raise RuntimeError(f"{target.name}: GET {target.path} answered {reply.status}")
        replies[target.name] = reply
    if replies[hello.name].text != BODY:
        raise RuntimeError("the hello-world did not say hello")
    for target in (first, draft):
        if replies[target.name].header("content-encoding") != "gzip":
            raise RuntimeError(f"{target.name}: the page did not come gzipped")
    if CHECKED in replies[first.name].text:
        raise RuntimeError("a first visit got someone's answers")
    again = fetch(HOST, first.port, "GET", first.path, headers=first.headers)
    _fresh_draft_cookies(
        replies[first.name].cookies(), again.cookies(), again.text == replies[first.name].text
    )
    if SHOWN not in replies[first.name].text:
        raise RuntimeError("a first visit got the guide, not the form page (is the guide mark signed right?)")
    if CHECKED not in replies[draft.name].text:
        raise RuntimeError("the saved draft's answer (q8=yes) is not on the page")
    return replies


def measure_http(
    generator: LoadGenerator, rounds: int, seconds: float, warmup: float
) -> tuple[list[HttpSeries], dict[str, Wire]]:
    """Start both servers, check the targets, warm up, then interleaved rounds; the servers always stop."""
    with temp_dir() as directory, ExitStack() as servers:
        data = Path(directory)
        env = shenbao_env(data)
        migrate(env)
        hello_port = servers.enter_context(uvicorn("_hello:app", env, data / "hello.log"))
        form_port = servers.enter_context(
            uvicorn("shenbao.app:create_app", env, data / "form.log", factory=True)
        )
        cookie = draft_cookie(form_port)
        targets = [
            Target("hello-world (bare Litestar)", hello_port, "/", HTTP_HEADERS),
            Target(
                "form page, first visit (no draft)",
                form_port,
                SECTION,
                {**HTTP_HEADERS, "Cookie": guide_cookie()},
            ),
            Target("form page, saved draft (cookie)", form_port, SECTION, {**HTTP_HEADERS, "Cookie": cookie}),
        ]
        replies = http_sanity(targets)
        series = [HttpSeries(target) for target in targets]
        for each in series:  # warm up: Jinja compiles, the first-visit page is rendered, caches fill
            generator.run(each.target, warmup)
        for _ in range(rounds):
            for each in series:
                each.rounds.append(generator.run(each.target, seconds))
        return series, replies


def http_rows(series: list[HttpSeries]) -> list[Row]:
    hello, first, draft = series
    rows = []
    for each in series:
        middle = each.middle
        latency = f", p50 {middle.p50_ms:.1f} ms" if middle.p50_ms is not None else ""
        rows.append(Row(f"{each.name}, req/s", f"{each.rps:,.0f}/s{latency}"))
    ratio = first.rps / hello.rps
    rows.append(
        Row(
            f"ratio: {first.name} / hello",
            f"{ratio:.3f}",
            f"≥ {BUDGET_RATIO:g}",
            ratio >= BUDGET_RATIO,
        )
    )
    rows.append(Row(f"ratio: {draft.name} / hello (not budgeted)", f"{draft.rps / hello.rps:.3f}"))
    return rows


def http_notes(
    series: list[HttpSeries], generator: LoadGenerator, rounds: int, seconds: float, warmup: float
) -> list[str]:
    spread = "; ".join(
        f"{each.name}: {min(r.rps for r in each.rounds):,.0f}–{max(r.rps for r in each.rounds):,.0f}/s"
        for each in series
    )
    sizes = "; ".join(f"{each.name}: {each.middle.bytes_per_response:,.0f} B" for each in series)
    return [
        f"\nLoad: {generator.describe()}, all to {HOST}. Servers: uvicorn {version('uvicorn')}, 1 worker each, "
        f"--http {http_implementation()}, --loop asyncio, --no-access-log, log level warning; the platform "
        f"over a fresh SQLite file.",
        f"{rounds} interleaved rounds of {seconds:g} s per target after a {warmup:g} s warm-up each; "
        f"median of rounds. Spread: {spread}.",
        f"Read per response (headers + body as sent, gzip for the pages): {sizes}.",
        f"The saved draft: one answer post (_q=q8&q8=yes). {DRAFT_NOTE}",
    ]


# --- in-process: the secondary table -----------------------------------------------------------------------

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
    settings: Settings, rounds: int, seconds: float, explain: bool, profile: bool
) -> tuple[list[Series], list[str]]:
    """Interleaved in-process rounds (hello, first visit, saved draft, …); where the time goes if ``explain``."""
    form_app, bare_app = create_app(settings), hello_app()
    async with AsyncExitStack() as stack:
        form_state = await stack.enter_async_context(lifespan(form_app))
        bare_state = await stack.enter_async_context(lifespan(bare_app))
        cookies = await seed(form_app, form_state, ["method", "residence", "household"])

        series = [
            Series("hello-world (bare Litestar)", caller(bare_app, "/", PHONE_HEADERS, bare_state)),
            Series(
                "form page, first visit",
                caller(form_app, SECTION, PHONE_HEADERS + cookie_header(guide_read()), form_state),
            ),
            Series(
                "form page, saved draft (3 pages)",
                caller(form_app, SECTION, PHONE_HEADERS + cookie_header(cookies), form_state),
            ),
        ]
        await sanity(series)
        for each in series:  # warm up: Jinja compiles, caches fill
            for _ in range(50):
                await each.request()
        gc.collect()
        for _ in range(rounds):
            for each in series:
                each.rounds.append(await one_round(each.request, seconds))
        details = await where_the_time_goes(series, profile) if explain or profile else []
        return series, details


async def sanity(series: list[Series]) -> None:
    """The draft visitor sees their answers; the first-time visitor gets the shared page, with no cookie."""
    first, again = await series[1].request(), await series[1].request()
    if CHECKED in first.text:
        raise RuntimeError("a first visit got someone's draft")
    _fresh_draft_cookies(first.cookies(), again.cookies(), again.body == first.body)
    if SHOWN not in first.text:
        raise RuntimeError("a first visit got the guide, not the form page (is the guide mark signed right?)")
    draft = (await series[2].request()).text
    if CHECKED not in draft:
        raise RuntimeError("the saved draft's answers are not on the page")


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
            f"\nWhere the time goes, {each.name}, in-process (instrumented run; hello-world takes "
            f"{hello_us:.0f} µs):"
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


def in_process_rows(series: list[Series]) -> list[Row]:
    hello_rps = series[0].rps
    rows = [
        Row(f"in-process: {each.name}, req/s", f"{each.rps:,.0f}/s ({1e6 / each.rps:.0f} µs)")
        for each in series
    ]
    first, draft = series[1:]
    rows.append(Row(f"in-process: ratio {first.name} / hello", f"{first.rps / hello_rps:.3f}"))
    ratio = draft.rps / hello_rps
    rows.append(
        Row(
            f"in-process: ratio {draft.name} / hello",
            f"{ratio:.3f}",
            f"≥ {DRAFT_BUDGET_RATIO:g}",
            ratio >= DRAFT_BUDGET_RATIO,
        )
    )
    return rows


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="the HTTP load generator: wrk if installed (auto), wrk, or the Python asyncio fallback",
    )


def main() -> int:
    args = arguments(__doc__.splitlines()[0], options)
    exit_on_sigterm()
    http_rounds, http_seconds, warmup = (2, 1.0, 1.0) if args.quick else (5, 3.0, 1.0)
    rounds, seconds = (3, 0.3) if args.quick else (9, 0.6)

    generator = load_generator(CONNECTIONS, args.client)
    http_series, _ = measure_http(generator, http_rounds, http_seconds, warmup)
    rows = http_rows(http_series)
    notes = http_notes(http_series, generator, http_rounds, http_seconds, warmup)

    with temp_dir() as directory:
        settings = migrated_settings(Path(directory))
        series, details = asyncio.run(measure(settings, rounds, seconds, True, args.profile))
    spread = "; ".join(f"{each.name}: {min(each.rounds):,.0f}–{max(each.rounds):,.0f}/s" for each in series)
    secondary = Table(
        "In-process (ASGI calls, no network, one request at a time): the saved-draft page's budget",
        in_process_rows(series),
        [
            f"\n{rounds} interleaved rounds of {seconds:g} s each, median of rounds. Spread: {spread}. "
            "The draft here holds the first three pages' answers.",
            *details,
        ],
    )
    title = f"Render throughput — form page vs bare hello-world, over HTTP ({generator.label})"
    summary = [
        f"Render throughput over HTTP: {generator.describe()}, uvicorn with 1 worker and --http "
        f"{http_implementation()} for both apps, {http_rounds} interleaved rounds of {http_seconds:g} s, median. "
        f"Saved-draft page: {DRAFT_NOTE.removeprefix('Not budgeted: ')}"
    ]
    return report(title, rows, args, notes, [secondary], summary)


if __name__ == "__main__":
    raise SystemExit(main())
