"""Budget: the first form page under 30 KB transferred with gzip, no request to another host; one swap under 3 KB.

Starts the real server (``python -m shenbao serve`` over a fresh, migrated SQLite file) and visits it like a
phone with an empty cache: the page with ``Accept-Encoding: gzip``, then every subresource the page references
(script src, fetched link href, img src/srcset, CSS url()). Bytes are counted off the socket: headers plus the
body as sent (compressed). Any absolute URL in the page to another host counts as a request to another host.
Then one conditional swap: the household page's form as the browser would post it (the ``_q`` markers of
the enabled question blocks), with ``q8=yes`` and the draft cookie from the GET, to the htmx answer endpoint.
The form's pages are fetched as a phone that read the guide a minute ago (its guide mark, no draft): without
it the server shows the guide, whose 60-second wait it keeps.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from _common import BASE, SECRET, Row, arguments, guide_read, report, temp_dir
from _html import form_fields, other_hosts, scan
from _server import bench_keys
from _wire import Wire, request

HOST = "127.0.0.1"
PAGE_BUDGET = 30 * 1024
SWAP_BUDGET = 3 * 1024
BROWSER = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36",
    "Accept-Encoding": "gzip",
    "Accept-Language": "zh-CN,zh;q=0.9",
}
ACCEPT_PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(data_dir: Path) -> Iterator[int]:
    """Migrate, then run ``python -m shenbao serve`` on a free port until the block ends."""
    env = {
        **os.environ,
        "SHENBAO_DATABASE_URL": f"sqlite:///{data_dir / 'b.db'}",
        "SHENBAO_DATA_DIR": str(data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_SMS_GATEWAY": "database",
        **bench_keys(),
    }
    subprocess.run(
        [sys.executable, "-m", "shenbao", "migrate"], env=env, check=True, capture_output=True, timeout=60
    )
    port = free_port()
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "shenbao", "serve", "--host", HOST, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("server exited:\n" + (data_dir / "server.log").read_text())
            try:
                if request(HOST, port, "GET", "/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer within 30 s")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class Visit:
    """A first visit: the page, then its subresources; what left the host."""

    page: Wire
    resources: list[Wire]
    foreign: list[str]
    favicon: Wire | None

    @property
    def total(self) -> int:
        return self.page.total + sum(resource.total for resource in self.resources)


def first_visit(port: int, path: str, cookies: dict[str, str] | None = None) -> Visit:
    """Fetch ``path`` with an empty cache and ``cookies`` only, then what the page makes the browser fetch."""
    page_url = f"http://{HOST}:{port}{path}"
    page = request(HOST, port, "GET", path, headers={**BROWSER, "Accept": ACCEPT_PAGE}, cookies=cookies)
    if page.status != 200:
        raise RuntimeError(f"GET {path}: {page.status}")
    found = scan(page.text)
    cookies = {**(cookies or {}), **page.cookies()}
    resources, seen = [], set()
    for reference in found.subresources:
        url = urljoin(page_url, reference)
        parts = urlsplit(url)
        if parts.netloc != f"{HOST}:{port}" or url in seen:
            continue  # counted among the foreign URLs; fetched once
        seen.add(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        resources.append(
            request(HOST, port, "GET", target, headers={**BROWSER, "Accept": "*/*"}, cookies=cookies)
        )
    foreign = sorted(set(other_hosts(page_url, found.urls + found.subresources)))
    favicon = None
    if not found.icon:
        # Without <link rel="icon">, browsers ask for /favicon.ico on the first visit.
        favicon = request(
            HOST, port, "GET", "/favicon.ico", headers={**BROWSER, "Accept": "image/*"}, cookies=cookies
        )
    return Visit(page, resources, foreign, favicon)


def swap(port: int) -> tuple[Wire, list[tuple[str, str]]]:
    """GET the household page (draft cookie), then post its form with q8=yes to the answer endpoint."""
    section = f"{BASE}/s/household"
    guide = guide_read()
    page = request(HOST, port, "GET", section, headers={**BROWSER, "Accept": ACCEPT_PAGE}, cookies=guide)
    cookies = {**guide, **page.cookies()}
    fields = [(name, value) for name, value in form_fields(page.text) if name != "q8"]
    fields.insert(fields.index(("_q", "q8")) + 1, ("q8", "yes"))
    response = request(
        HOST,
        port,
        "POST",
        f"{section}/answer",
        headers={
            **BROWSER,
            "Accept": "*/*",
            "HX-Request": "true",
            "HX-Current-URL": f"http://{HOST}:{port}{section}",
            "HX-Trigger": "q8",
        },
        form=fields,
        cookies=cookies,
    )
    if response.status != 200 or 'id="q-q9"' not in response.text:
        raise RuntimeError(f"swap did not show question 9: {response.status} {response.text[:500]}")
    return response, fields


def kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def describe(name: str, visit: Visit) -> list[str]:
    lines = [f"\n{name}: {kb(visit.total)} in {1 + len(visit.resources)} request(s)"]
    for wire in [visit.page, *visit.resources]:
        encoding = wire.header("content-encoding") or "identity"
        lines.append(
            f"  {wire.url}: {wire.total} B on the wire (headers {wire.head_bytes} B, body {wire.body_bytes} B "
            f"{encoding}; {len(wire.body)} B decoded)"
        )
    if visit.favicon is not None:
        lines.append(
            f"  (+ the browser's own /favicon.ico: {visit.favicon.status}, {visit.favicon.total} B, not counted)"
        )
    for url in visit.foreign:
        lines.append(f"  URL to another host: {url}")
    return lines


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    with temp_dir() as directory, server(Path(directory)) as port:
        pages = {
            "first form page": f"{BASE}/s/method",
            "guide page": BASE,
            "landing page": "/",
        }
        visits = {
            name: first_visit(port, path, guide_read() if path.startswith(f"{BASE}/") else None)
            for name, path in pages.items()
        }
        swapped, posted = swap(port)

    rows: list[Row] = []
    notes: list[str] = []
    for name, visit in visits.items():
        requests = 1 + len(visit.resources)
        rows.append(
            Row(
                f"{name} ({pages[name]}), transferred",
                f"{kb(visit.total)} / {requests} req",
                f"< {PAGE_BUDGET // 1024} KB",
                visit.total < PAGE_BUDGET,
            )
        )
        rows.append(Row(f"{name}, requests to other hosts", str(len(visit.foreign)), "0", not visit.foreign))
        notes += describe(name, visit)
    rows.append(
        Row(
            "swap q8=yes (household/answer), transferred",
            f"{swapped.total} B",
            f"< {SWAP_BUDGET // 1024} KB",
            swapped.total < SWAP_BUDGET,
        )
    )
    encoding = swapped.header("content-encoding") or "identity"
    notes.append(
        f"\nswap: {swapped.total} B on the wire (headers {swapped.head_bytes} B, body {swapped.body_bytes} B "
        f"{encoding}; {len(swapped.body)} B decoded); posted {posted}"
    )
    notes.append(
        "Sizes include the response headers (status line, Set-Cookie, …) as DevTools' 'transferred' does."
    )
    return report("Page weight — first visit, gzip, real server", rows, args, notes)


if __name__ == "__main__":
    raise SystemExit(main())
