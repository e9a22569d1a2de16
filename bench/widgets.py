"""Budgets of the widgets: the biggest region cascade swap under 4 KB and 5 ms; camera and signature scripts under 20 KB.

(i) The region picker's cascade (``GET /widgets/region/levels``, an htmx swap) for the county of Gansu with the
most townships (found in the installed divisions, not assumed): choosing that county swaps in the picker with
all its townships as options. Server time: in-process, requests straight into the ASGI interface of
``create_app`` (no client in the timing, as ``swap_time.py``), gzip accepted, many times, median. Size: over
the real server (uvicorn, as ``render_rps.py`` starts it), with ``Accept-Encoding: gzip``, counted off the
socket: headers plus the body as sent, as DevTools' "transferred".

(ii) What the photo and signature widgets make a phone download: the scripts of their ``<script src>`` tags on
the page that holds them (``/f/gansu-zizhu-2021/s/pledge``, first visit), each fetched from the real server
with gzip; the budget is the sum of their bodies as sent. Their CSS is inlined in the page: reported
separately, raw and as the bytes it adds to the gzipped page.
"""

from __future__ import annotations

import asyncio
import cProfile
import gzip
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from _asgi import PHONE_HEADERS, Reply, call, lifespan
from _breakdown import breakdown_lines, instrument, profile_lines
from _common import BASE, Row, arguments, guide_read, median, migrated_settings, percentile, report, temp_dir
from _html import scan
from _server import HOST, exit_on_sigterm, migrate, shenbao_env, uvicorn
from _wire import Wire, request
from shenbao.app import create_app
from shenbao.pack_runtime import Packs
from shenbao.regions import Division, Divisions
from shenbao.settings import Settings

CASCADE_BYTES = 4 * 1024
CASCADE_MS = 5.0
SCRIPTS_BYTES = 20 * 1024
PROVINCE = "62"  # Gansu
QUESTION = "q6"  # the 2021 form's address: 市州 → 区县 → 乡镇 → 村
PLEDGE = f"{BASE}/s/pledge"
WIDGETS = ("photo", "signature")
BROWSER = {key.decode().title(): value.decode() for key, value in PHONE_HEADERS if key != b"host"}
HTMX = {"HX-Request": "true", "HX-Target": f"rg-{QUESTION}", "HX-Trigger": f"i-{QUESTION}-county"}


# --- (i) the region cascade --------------------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    city: Division
    county: Division
    townships: int

    @property
    def label(self) -> str:
        return f"{self.city.name}{self.county.name} ({self.county.code})"

    @property
    def path(self) -> str:
        query = urlencode(
            [
                ("name", QUESTION),
                ("root", PROVINCE),
                ("depth", "village"),  # what q6 asks for: the picker goes on to the village
                (f"{QUESTION}.city", self.city.code),
                (f"{QUESTION}.county", self.county.code),
            ]
        )
        return f"/widgets/region/levels?{query}"


def busiest_county(divisions: Divisions) -> County:
    """The county of the province with the most township children (the largest cascade swap)."""
    counties = [
        County(city, county, len(divisions.children(county.code)))
        for city in divisions.children(PROVINCE)
        for county in divisions.children(city.code)
    ]
    if not counties:
        raise RuntimeError(f"no counties under {PROVINCE} in the installed divisions")
    return max(counties, key=lambda each: (each.townships, each.county.code))


def check_cascade(text: str, county: County) -> None:
    """The swap carries the township drop-down with every township of the county (and the placeholder)."""
    start = text.find(f'name="{QUESTION}.township"')
    if start < 0:
        raise RuntimeError(f"the cascade has no township drop-down: {text[:300]}")
    options = text[start : text.find("</select>", start)].count("<option")
    if options != county.townships + 1:
        raise RuntimeError(f"the cascade lists {options - 1} townships, not {county.townships}")


@dataclass
class CascadeTime:
    samples: list[float] = field(default_factory=list)  # nanoseconds
    reply: Reply | None = None
    details: list[str] = field(default_factory=list)  # where the time goes, when asked or over budget


async def time_cascade(
    settings: Settings, runs: int, warmup: int, profile: bool
) -> tuple[County, CascadeTime]:
    """Find the county with the app's own divisions, then time the swap in-process."""
    measured = CascadeTime()
    app = create_app(settings)
    async with lifespan(app) as state:
        county = busiest_county(Packs.load(["gansu"])["gansu"].divisions)
        headers = [
            *PHONE_HEADERS,
            *((key.lower().encode(), value.encode()) for key, value in HTMX.items()),
        ]
        for index in range(warmup + runs):
            begin = time.perf_counter_ns()
            reply = await call(app, "GET", county.path, headers, state=state)
            elapsed = time.perf_counter_ns() - begin
            if index == 0:
                if reply.status != 200:
                    raise RuntimeError(f"GET {county.path}: {reply.status} {reply.text[:300]}")
                check_cascade(reply.text, county)
                measured.reply = reply
            if index >= warmup:
                measured.samples.append(elapsed)
        if profile or median(measured.samples) / 1e6 >= CASCADE_MS:
            count = 300
            with instrument() as timings:
                begin = time.perf_counter_ns()
                for _ in range(count):
                    await call(app, "GET", county.path, headers, state=state)
                total = time.perf_counter_ns() - begin
            measured.details = [
                "\nWhere a cascade swap's time goes (wall clock per part, instrumented run):",
                *breakdown_lines(timings, total, count),
            ]
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(count):
                    await call(app, "GET", county.path, headers, state=state)
                profiler.disable()
                measured.details += ["\ncProfile, by cumulative time:", *profile_lines(profiler, 30)]
    return county, measured


# --- (ii) the camera and signature scripts ---------------------------------------------------------------


@dataclass
class Scripts:
    page: Wire
    scripts: list[Wire]
    others: list[str]  # the page's other scripts (not the photo's or the signature's)
    css: str  # the photo's and signature's inline CSS, as it is in the page
    css_gzip_alone: int
    css_in_page: int  # what the CSS adds to the page gzipped as the server does (level 6)

    @property
    def total(self) -> int:
        return sum(script.body_bytes for script in self.scripts)


def widget_css(html: str) -> list[str]:
    """The photo's and signature's stylesheets as the page inlines them (each must be in the page)."""
    registry = Packs.load(["gansu"])["gansu"].widgets
    parts = []
    for name in WIDGETS:
        widget = registry.get(name)
        if widget is None:
            raise RuntimeError(f"no {name} widget installed")
        for style in widget.styles:
            css = (widget.folder / style).read_text("utf-8").replace("</", "<\\/")
            if css not in html:
                raise RuntimeError(f"{name}/{style} is not inlined in {PLEDGE}")
            parts.append(css)
    return parts


def fetch_scripts(port: int) -> Scripts:
    """The pledge page (first visit, gzip), then every photo and signature script it references."""
    page_url = f"http://{HOST}:{port}{PLEDGE}"
    page = request(HOST, port, "GET", PLEDGE, headers={**BROWSER}, cookies=guide_read())
    if page.status != 200 or page.header("content-encoding") != "gzip":
        raise RuntimeError(f"GET {PLEDGE}: {page.status} {page.header('content-encoding') or 'not gzipped'}")
    html = page.text
    found = [src for src in scan(html).subresources if src.split("?")[0].endswith(".js")]
    ours, others = [], []
    for src in found:
        parts = urlsplit(urljoin(page_url, src))
        widget = parts.path.removeprefix("/widgets/_assets/").split("/")[0]
        if parts.path.startswith("/widgets/_assets/") and widget in WIDGETS:
            ours.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        else:
            others.append(src)
    for name in WIDGETS:
        if not any(f"/_assets/{name}/" in path for path in ours):
            raise RuntimeError(f"{PLEDGE} loads no script of the {name} widget")
    scripts = []
    for path in ours:
        wire = request(HOST, port, "GET", path, headers={**BROWSER, "Accept": "*/*"}, cookies=page.cookies())
        if wire.status != 200:
            raise RuntimeError(f"GET {path}: {wire.status}")
        scripts.append(wire)
    styles = widget_css(html)
    css, without = "".join(styles), html
    for style in styles:
        without = without.replace(style, "", 1)
    return Scripts(
        page=page,
        scripts=scripts,
        others=others,
        css=css,
        css_gzip_alone=len(gzip.compress(css.encode(), 6)),
        css_in_page=len(gzip.compress(html.encode(), 6)) - len(gzip.compress(without.encode(), 6)),
    )


def fetch_cascade(port: int, county: County) -> Wire:
    wire = request(HOST, port, "GET", county.path, headers={**BROWSER, "Accept": "*/*", **HTMX})
    if wire.status != 200:
        raise RuntimeError(f"GET {county.path}: {wire.status}")
    check_cascade(wire.text, county)
    return wire


# --- the report ----------------------------------------------------------------------------------------------


def name_of(wire: Wire) -> str:
    return wire.url.split("?")[0].removeprefix("/widgets/_assets/")


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    exit_on_sigterm()
    runs, warmup = (200, 20) if args.quick else (2000, 200)
    with temp_dir() as directory:
        settings = migrated_settings(Path(directory))
        county, timed = asyncio.run(time_cascade(settings, runs, warmup, args.profile))
    print(
        f"County of Gansu with the most townships: {county.label}, {county.townships} townships", flush=True
    )

    with temp_dir() as directory:
        data = Path(directory)
        env = shenbao_env(data)
        migrate(env)
        with uvicorn("shenbao.app:create_app", env, data / "server.log", factory=True) as port:
            cascade = fetch_cascade(port, county)
            found = fetch_scripts(port)

    med = median(timed.samples) / 1e6
    encoding = cascade.header("content-encoding") or "identity"
    rows = [
        Row(
            f"cascade swap, {county.label}, {county.townships} townships, transferred",
            f"{cascade.total:,} B",
            f"< {CASCADE_BYTES // 1024} KB",
            cascade.total < CASCADE_BYTES,
        ),
        Row(
            "cascade swap, server time, median",
            f"{med:.2f} ms",
            f"< {CASCADE_MS:g} ms",
            med < CASCADE_MS,
        ),
        Row("cascade swap, server time, p95", f"{percentile(timed.samples, 0.95) / 1e6:.2f} ms"),
        Row(
            "photo + signature scripts, gzip bodies",
            f"{found.total:,} B in {len(found.scripts)} files",
            f"< {SCRIPTS_BYTES // 1024} KB",
            found.total < SCRIPTS_BYTES,
        ),
    ]
    rows += [
        Row(
            f"  script {name_of(script)}",
            f"{script.body_bytes:,} B {script.header('content-encoding') or 'identity'}",
        )
        for script in found.scripts
    ]
    rows.append(
        Row(
            "photo + signature inline CSS (in the page)",
            f"{len(found.css.encode()):,} B raw, +{found.css_in_page:,} B to the gzipped page",
        )
    )
    notes = [
        f"\ncascade: GET {county.path}",
        f"  {cascade.total:,} B on the wire (headers {cascade.head_bytes} B, body {cascade.body_bytes:,} B "
        f"{encoding}; {len(cascade.body):,} B decoded); Cache-Control: {cascade.header('cache-control')}",
        f"  server time: {len(timed.samples)} in-process requests after {warmup} warm-up ones, median "
        f"{med:.3f} ms, min {min(timed.samples) / 1e6:.3f} ms.",
        f"\nscripts of the photo and signature widgets on {PLEDGE} (first visit, gzip accepted):",
        *(
            f"  {script.url}: body {script.body_bytes:,} B {script.header('content-encoding') or 'identity'} "
            f"({len(script.body):,} B decoded), headers {script.head_bytes} B, "
            f"Cache-Control: {script.header('cache-control')}"
            for script in found.scripts
        ),
        f"  total {found.total:,} B of bodies (+ {sum(s.head_bytes for s in found.scripts):,} B of headers); "
        f"the page itself: {found.page.total:,} B on the wire.",
        f"  inline CSS: {len(found.css.encode()):,} B raw, {found.css_gzip_alone:,} B gzipped alone, "
        f"+{found.css_in_page:,} B to the page gzipped with it (level 6). Not counted in the scripts' budget.",
        f"  other scripts on the page, not the widgets': {', '.join(found.others) or 'none'}",
        *timed.details,
    ]
    return report("Widgets — region cascade swap, camera and signature scripts", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
