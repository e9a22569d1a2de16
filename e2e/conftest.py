"""Browser tests: a real ``shenbao`` server, Debian's Chromium, a phone-sized touch screen.

The server runs as its own process (``python -m shenbao serve``) on a free port with a fresh SQLite database,
so these tests see exactly what a farmer's phone sees. Screenshots go to ``e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError

from shenbao.privacy.keyring import Keyring, key_file_lines

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
LANZHOU = {"latitude": 36.0611, "longitude": 103.8343}
SECRET = "e2e-secret-key-of-at-least-32-characters"
"""The server's ``SHENBAO_SECRET_KEY``: tests sign the cookies a phone would have been given with it."""


@dataclass(frozen=True)
class Server:
    """A running platform: its address and its database, for tests that check what was stored."""

    url: str
    database_url: str
    data_dir: Path

    def shenbao(self, *args: str) -> str:
        """Run a ``shenbao`` command against this server's database and return its output."""
        return subprocess.run(
            [sys.executable, "-m", "shenbao", *args],
            env=_environment(self),
            capture_output=True,
            text=True,
            check=True,
        ).stdout


_KEYS = dict(line.split("=", 1) for line in key_file_lines("e2e").splitlines())
"""The keys the server encrypts ID numbers and phones with (fresh for each run), as environment variables."""
KEYS = Keyring.parse(_KEYS["SHENBAO_DATA_KEY"], _KEYS["SHENBAO_LOOKUP_KEY"])
"""The same keys, for tests that read what the server stored."""


def _environment(server: Server) -> dict[str, str]:
    return {
        **os.environ,
        **_KEYS,
        "SHENBAO_DATABASE_URL": server.database_url,
        "SHENBAO_DATA_DIR": str(server.data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_SMS_GATEWAY": "database",  # the tests read the codes the phones were sent
        "SHENBAO_OTP_PER_ADDRESS_PER_HOUR": "1000",  # every test phone shares 127.0.0.1
        "SHENBAO_HTTPS": "0",  # plain http on loopback: no Secure cookies, no HSTS
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("shenbao-data")
    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}", f"sqlite:///{data_dir / 'e2e.db'}", data_dir)
    server.shenbao("migrate")
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shenbao", "serve", "--port", str(port)],
        env=_environment(server),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(server.url + "/", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"the server did not start:\n{(data_dir / 'server.log').read_text()}"
                ) from None
            time.sleep(0.2)
    yield server
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], server: Server) -> dict[str, Any]:
    return {
        **browser_context_args,
        **PHONE,
        "base_url": server.url,
        "geolocation": LANZHOU,
        "permissions": ["geolocation"],
    }


_CSP = ("Content Security Policy", "unsafe-eval", "unsafe-inline")
"""What Chromium's console says when the Content-Security-Policy blocks a script, a handler or an eval."""


@pytest.fixture(autouse=True)
def no_csp_violations(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test when any page of any of its browser contexts breaks the Content-Security-Policy.

    Chromium reports a blocked inline script, inline handler or ``eval`` (htmx's trigger filters) as a console
    error, or as an uncaught ``EvalError``: both are watched on every context the test opens.
    """
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and any(word in message.text for word in _CSP):
            violations.append(f"{message.location.get('url', '')}: {message.text}")

    def on_error(error: WebError) -> None:
        if any(word in str(error.error) for word in _CSP):
            violations.append(str(error.error))

    def watched(context: BrowserContext) -> BrowserContext:
        context.on("console", on_console)
        context.on("weberror", on_error)
        return context

    new_context = browser.new_context

    def new_watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
        return watched(new_context(*args, **kwargs))

    def new_watched_page(*args: Any, **kwargs: Any) -> Page:
        return new_watched_context(*args, **kwargs).new_page()

    monkeypatch.setattr(browser, "new_context", new_watched_context)
    monkeypatch.setattr(browser, "new_page", new_watched_page)
    yield violations
    assert not violations, "the Content-Security-Policy blocked something:\n" + "\n".join(violations)


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Any:
    """``shot("review")`` saves a full-page screenshot of the phone screen under e2e/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        # A full-page picture would paint the sticky progress bar and the fixed buttons over the middle.
        unstick = page.add_style_tag(content=".progress, nav.actions { position: static !important; }")
        page.screenshot(path=str(path), full_page=True)
        unstick.evaluate("style => style.remove()")
        return path

    return take
