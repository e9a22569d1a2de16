"""Budgets of the form builder: an edit + preview under 30 ms, the first page under 100 KB, the region picker under 5 KB.

In-process, as ``swap_time.py``: ``create_app`` over a fresh, migrated SQLite file, its lifespan run, requests
sent straight into its ASGI interface. A province admin (seeded as the product adds accounts) signs in through
the login page, copies the 2021 questionnaire (47 questions) and opens the builder on question 12. (1) An edit:
the property panel of q12 posted as the browser serialises it, with its label alternating between two new
texts, with htmx's headers and the revision of the last answer (``id="panel-rev"``); then the preview page of
q12's section (``household``), as the builder's frame reloads after ``HX-Trigger: preview-changed``. Each answer
must be 200 and show the new label. (2) The builder's first page (``?q=q12``) with ``Accept-Encoding: gzip``, every
static file it references, the preview frame's page and its static files: bytes as the app sends them (status
line, headers, body as sent). (3) Opening q6 (the region question) from the outline: ``?q=q6`` with htmx's
headers, and its ``region-root`` fragment alone.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import gzip
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from litestar import Litestar

import _breakdown
from _asgi import Reply, call, cookie_header, form_body, lifespan
from _breakdown import breakdown_lines, instrument, profile_lines
from _common import FORM_ID, Row, arguments, median, migrated_settings, percentile, report, temp_dir
from _html import form_fields, scan
from shenbao import store
from shenbao.app import create_app
from shenbao.pack_runtime import Packs
from shenbao.settings import Settings
from shenbao.staff.accounts import StaffAccounts
from shenbao.web.staff.session import STAFF_COOKIE

EDIT_BUDGET_MS = 30.0
PAGE_BUDGET = 100 * 1024
PICKER_BUDGET = 5 * 1024
USERNAME, PASSWORD = "province", "bench-password-9"
QUESTION, SECTION, REGION_QUESTION = "q12", "household", "q6"
LABELS = ("请说明家庭困难的主要原因（一）", "请说明家庭困难的主要原因（二）")
Headers = Sequence[tuple[bytes, bytes]]
DESKTOP: list[tuple[bytes, bytes]] = [
    (b"host", b"127.0.0.1"),
    (
        b"user-agent",
        b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/156.0.0.0 Safari/537.36",
    ),
    (b"accept-encoding", b"gzip"),
    (b"accept-language", b"zh-CN,zh;q=0.9"),
]
ACCEPT_PAGE = (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
# Builder-side parts, timed with the common ones of _breakdown (wrapped in this process only).
_breakdown.PARTS += [
    ("shenbao.web.admin.builder", "posting_author", "session, CSRF, form body"),
    ("shenbao.web.admin.builder", "editable_form", "form read (SQLite)"),
    ("shenbao.web.admin.preview", "editable_form", "form read (SQLite)"),
    ("shenbao.cases.authoring", "apply_to_form", "apply + save revision"),
    ("shenbao.web.admin.builder", "builder_draft", "lint + compile (builder)"),
    ("shenbao.web.admin.preview", "draft_of", "lint + compile (preview)"),
    ("shenbao.web.admin.preview", "evaluate", "evaluate() (preview)"),
    ("shenbao.cases.authoring", "note_editor", "editors, undo/redo, history"),
    ("shenbao.cases.authoring", "can_undo_redo", "editors, undo/redo, history"),
    ("shenbao.store.authoring", "latest_revisions", "editors, undo/redo, history"),
    ("shenbao.web.admin.builder", "panel_fields", "panel fields, rule editors"),
    ("shenbao.web.admin.builder", "rule_editors", "panel fields, rule editors"),
]


@dataclass
class Measured:
    edit: list[float] = field(default_factory=list)
    preview: list[float] = field(default_factory=list)
    parts: dict[str, Reply] = field(default_factory=dict)  # name → reply, for the sizes
    region_root: str = ""
    breakdown: list[str] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)

    @property
    def rounds(self) -> list[float]:
        return [edit + preview for edit, preview in zip(self.edit, self.preview, strict=True)]


def wire_size(reply: Reply) -> int:
    """Status line, headers and body as the app sends them (HTTP/1.1 framing; the server's Date/Server not counted)."""
    head = len(f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}\r\n".encode()) + 2
    return head + sum(len(key) + len(value) + 4 for key, value in reply.headers) + len(reply.body)


def expect(reply: Reply, status: int, what: str, *needles: str) -> str:
    text = reply.text if reply.status != 303 else ""
    if reply.status != status or any(needle not in text for needle in needles):
        missing = [needle for needle in needles if needle not in text]
        raise RuntimeError(f"{what}: {reply.status}, missing {missing}: {text[:400]}")
    return text


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not found:
        raise RuntimeError(f"no CSRF token on the page: {html[:300]}")
    return found.group(1)


def element(html: str, tag: str, id_: str) -> str:
    """The outer HTML of the ``<tag ... id="id_">`` element (nested same tags balanced)."""
    start = html.find(f'id="{id_}"')
    start = html.rfind(f"<{tag}", 0, start)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[start : html.index(">", start + match.end()) + 1]
    raise RuntimeError(f"no <{tag} id={id_}> closed in the answer")


async def seed(settings: Settings) -> None:
    database = await store.open_database(settings.database_url, keys=settings.keys)
    try:
        await StaffAccounts(database).add(
            username=USERNAME,
            role="province",
            region_code="62",
            password=PASSWORD,
            divisions=Packs.load(["gansu"])["gansu"].divisions,
        )
    finally:
        await database.close()


class Browser:
    """An admin's browser on the app: cookies kept, every request through the minimal ASGI caller."""

    def __init__(self, app: Litestar, state: dict[str, object]) -> None:
        self.app, self.state = app, state
        self.cookies: dict[str, str] = {}
        self.fetched: dict[str, Reply] = {}

    async def get(self, path: str, extra: Headers = ()) -> Reply:
        reply = await call(
            self.app, "GET", path, [*DESKTOP, *extra, *cookie_header(self.cookies)], state=self.state
        )
        self.cookies.update(reply.cookies())
        return reply

    async def post(self, path: str, fields: list[tuple[str, str]], extra: Headers = ()) -> Reply:
        headers, body = form_body(fields)
        every = [*DESKTOP, *extra, *headers, *cookie_header(self.cookies)]
        reply = await call(self.app, "POST", path, every, body, self.state)
        self.cookies.update(reply.cookies())
        return reply

    async def visit(self, page: Reply, seen: set[str]) -> None:
        """Fetch what the page makes a browser fetch, each URL once (the cache); a frame's page and its own."""
        for reference in dict.fromkeys(scan(page.text).subresources):
            url = urlsplit(reference)
            if url.scheme == "data":
                continue  # inline (the page's <link rel="icon" href="data:,">): nothing fetched
            if url.netloc:
                raise RuntimeError(f"a subresource on another host: {reference}")
            target = url.path + (f"?{url.query}" if url.query else "")
            if target in seen:
                continue
            seen.add(target)
            framed = target.startswith("/admin/preview/")
            reply = await self.get(target, [ACCEPT_PAGE if framed else (b"accept", b"*/*")])
            expect(reply, 200, target)
            self.fetched[("preview frame " if framed else "") + url.path] = reply
            if framed:
                await self.visit(reply, seen)


async def measure(app: Litestar, rounds: int, warmup: int, profile: bool) -> Measured:
    measured = Measured()
    async with lifespan(app) as state:
        browser = Browser(app, state)
        login = await browser.get("/staff/login", [ACCEPT_PAGE])
        token = csrf(expect(login, 200, "login page"))
        fields = [("_csrf", token), ("username", USERNAME), ("password", PASSWORD)]
        expect(await browser.post("/staff/login", fields), 303, "sign-in")
        if STAFF_COOKIE not in browser.cookies:
            raise RuntimeError(f"no {STAFF_COOKIE} cookie after signing in")
        forms = await browser.get("/admin/", [ACCEPT_PAGE])
        copied = await browser.post(
            "/admin/forms/copy", [("_csrf", csrf(expect(forms, 200, "/admin/"))), ("form_id", FORM_ID)]
        )
        expect(copied, 303, "copy")
        builder = copied.header("location").rstrip("/")

        # (2) The first page of the builder and everything it makes the browser fetch, the preview frame's too.
        page = await browser.get(f"{builder}/?q={QUESTION}", [ACCEPT_PAGE])
        html = expect(page, 200, "builder page", 'id="panel-form"', 'id="preview"')
        measured.parts["builder page"] = page
        await browser.visit(page, set())
        if not any(name.startswith("preview frame") for name in browser.fetched):
            raise RuntimeError("no preview frame on the builder page")
        measured.parts.update(browser.fetched)

        # (3) The region question opened from the outline (hx-get with hx-select="#builder").
        hx = [
            (b"hx-request", b"true"),
            (b"hx-current-url", f"http://127.0.0.1{builder}/?q={QUESTION}".encode()),
        ]
        opened = await browser.get(f"{builder}/?q={REGION_QUESTION}", [(b"accept", b"*/*"), *hx])
        measured.parts["open q6 (hx-get)"] = opened
        measured.region_root = element(
            expect(opened, 200, "q6 panel", 'id="region-root"'), "div", "region-root"
        )

        # (1) Edits of q12's label, each followed by the preview's reload.
        panel = element(html, "form", "panel-form")
        posted = [(name, value) for name, value in form_fields(panel) if name not in ("label",)]
        rev = next(value for name, value in posted if name == "rev")
        edit_headers = [
            (b"accept", b"*/*"),
            *hx,
            (b"hx-trigger", b"panel-form"),
            (b"hx-target", b"panel-form"),
        ]
        preview_path = f"/admin/preview/{builder.rsplit('/', 1)[1]}/s/{SECTION}"

        async def one_round(index: int, timed: bool) -> None:
            nonlocal rev
            label = LABELS[int(rev) % 2]  # each revision's label differs from the last one's
            fields = [(name, rev if name == "rev" else value) for name, value in posted] + [("label", label)]
            begin = time.perf_counter_ns()
            saved = await browser.post(f"{builder}/question/{QUESTION}", fields, edit_headers)
            middle = time.perf_counter_ns()
            shown = await browser.get(preview_path, [ACCEPT_PAGE])
            end = time.perf_counter_ns()
            text = expect(saved, 200, f"edit {index}", label, 'id="panel-rev"')
            if saved.header("hx-trigger") != "preview-changed":
                raise RuntimeError(f"edit {index} saved nothing (no HX-Trigger): {text[:400]}")
            found = re.search(r'id="panel-rev" value="(\d+)"', text)
            if found is None or int(found.group(1)) <= int(rev):
                raise RuntimeError(f"edit {index}: no new revision in the answer (was {rev})")
            rev = found.group(1)
            expect(shown, 200, f"preview {index}", label)
            if timed:
                measured.edit.append(middle - begin)
                measured.preview.append(end - middle)
                measured.parts["edit answer (htmx)"], measured.parts["preview reload"] = saved, shown

        gc.collect()
        for index in range(warmup + rounds):
            await one_round(index, index >= warmup)
        if profile or median(measured.rounds) / 1e6 >= EDIT_BUDGET_MS:
            count = max(rounds // 2, 10)
            with instrument() as timings:
                begin = time.perf_counter_ns()
                for index in range(count):
                    await one_round(index, False)
                total = time.perf_counter_ns() - begin
            measured.breakdown = breakdown_lines(timings, total, count)
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for index in range(count):
                    await one_round(index, False)
                profiler.disable()
                measured.profile = profile_lines(profiler, 30)
    return measured


def timing_rows(name: str, samples: list[float], budget: bool = False) -> list[Row]:
    med = median(samples) / 1e6
    verdict = (f"< {EDIT_BUDGET_MS:g} ms", med < EDIT_BUDGET_MS) if budget else ("", None)
    return [
        Row(f"{name}, median", f"{med:.2f} ms", *verdict),
        Row(f"{name}, p90", f"{percentile(samples, 0.90) / 1e6:.2f} ms"),
    ]


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    rounds, warmup = (10, 2) if args.quick else (30, 5)
    with temp_dir() as directory:
        settings = migrated_settings(Path(directory))
        asyncio.run(seed(settings))
        measured = asyncio.run(measure(create_app(settings), rounds, warmup, args.profile))

    parts = measured.parts
    first = [name for name in parts if not name.startswith(("open q6", "edit answer", "preview reload"))]
    weight = sum(wire_size(parts[name]) for name in first)
    opened = parts["open q6 (hx-get)"]
    root_raw = measured.region_root.encode()
    root_gzip = len(gzip.compress(root_raw, 6))
    rows = [
        *timing_rows("edit q12 label + preview reload, server time", measured.rounds, budget=True),
        *timing_rows("  edit alone (POST question/q12, htmx)", measured.edit),
        *timing_rows("  preview alone (GET preview s/household)", measured.preview),
        Row(
            f"builder first page (?q={QUESTION}) + static + preview frame, transferred",
            f"{weight / 1024:.1f} KB / {len(first)} req",
            f"< {PAGE_BUDGET // 1024} KB",
            weight < PAGE_BUDGET,
        ),
        Row(
            "open q6 picker: region-root fragment, gzip alone",
            f"{root_gzip:,} B",
            f"< {PICKER_BUDGET // 1024} KB",
            root_gzip < PICKER_BUDGET,
        ),
        Row("open q6 picker: region-root fragment, raw", f"{len(root_raw):,} B"),
        Row("open q6 picker: whole answer (hx-get ?q=q6), transferred", f"{wire_size(opened):,} B"),
    ]
    notes = [
        f"\n{rounds} rounds after {warmup} warm-up ones; each round: POST the q12 panel (label alternating, "
        "HX-Request) then GET the preview page of 'household', both checked for the new label.",
        "Sizes: status line + headers + body as the app sends them (in-process; uvicorn's own Date/Server "
        "headers, about 60 B a response, not counted). Parts:",
    ]
    for name, reply in parts.items():
        encoding = reply.header("content-encoding") or "identity"
        counted = "" if name in first else " (not in the first page's sum)"
        notes.append(f"  {name}: {wire_size(reply):,} B ({len(reply.body):,} B body {encoding}){counted}")
    if measured.breakdown:
        notes += [
            "\nWhere a round's time goes (edit + preview; 'per request' = per round):",
            *measured.breakdown,
        ]
    if measured.profile:
        notes += ["\ncProfile, by cumulative time:", *measured.profile]
    return report("Form builder — edit + preview, page weight, region picker (in-process)", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
