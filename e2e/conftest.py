"""Browser tests: a real ``shenbao`` server, Debian's Chromium, a phone-sized touch screen.

The server runs as its own process (``python -m shenbao serve``) on a free port with a fresh SQLite database,
so these tests see exactly what a farmer's phone sees. Screenshots go to ``e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError

from e2e.support import ARTIFACTS, CHROMIUM, LANZHOU, PHONE, Server, free_port, serving


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("shenbao-data")
    server = Server(f"http://127.0.0.1:{free_port()}", f"sqlite:///{data_dir / 'e2e.db'}", data_dir)
    server.shenbao("migrate")
    with serving(server):
        yield server


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
