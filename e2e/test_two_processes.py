"""Two app processes sharing one database, as a province runs them behind a proxy: a form published on one is
served by the other within a second or two, and so is its next version; nothing lives in one process's memory."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import PASSWORD
from e2e.support import PHONE, Server, free_port, serving

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two servers of their own on one SQLite database (each its own folder for pictures and its log)."""
    first_dir, second_dir = tmp_path_factory.mktemp("shenbao-a"), tmp_path_factory.mktemp("shenbao-b")
    database = f"sqlite:///{first_dir / 'e2e.db'}"
    first = Server(f"http://127.0.0.1:{free_port()}", database, first_dir)
    second = Server(f"http://127.0.0.1:{free_port()}", database, second_dir)
    first.shenbao("migrate")
    first.shenbao(
        "staff", "add", "pair-admin", "--role", "province", "--region", "62", "--password", PASSWORD
    )
    with serving(first), serving(second):
        yield first, second


def _served(page: Page, path: str, text: str, *, within: float = 5.0) -> float:
    """Seconds until ``path`` shows ``text`` on this (other) server."""
    started = time.monotonic()
    while True:
        response = page.goto(path)
        if response is not None and response.ok and text in page.content():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"{path} did not show {text!r} within {within} s")
        time.sleep(0.2)


def test_a_publication_on_one_process_is_served_by_the_other(
    browser: Browser, pair: tuple[Server, Server]
) -> None:
    first, second = pair
    admin = browser.new_context(base_url=first.url, **DESKTOP).new_page()
    admin.goto("/staff/login")
    admin.fill("#username", "pair-admin")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto("/admin/forms/new")
    admin.get_by_label("表单名称").fill("两个进程的表")
    admin.get_by_label("代号", exact=False).fill("two-processes")
    admin.get_by_role("button", name="建好，开始添加题目").click()
    expect(admin.locator("#form-title")).to_have_text("两个进程的表")
    builder = admin.url
    admin.get_by_role("link", name="发布…").click()
    admin.get_by_label("为什么发布（记入操作日志）").fill("上线")
    admin.get_by_role("button", name="发布为第1版").click()
    expect(admin.locator("#published")).to_contain_text("第1版")

    farmer = browser.new_context(base_url=second.url, **PHONE).new_page()
    assert _served(farmer, "/f/two-processes/s/s1", "申请人姓名") < 5

    admin.goto(builder)
    admin.locator("#o-q1 a").click()
    admin.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    label = admin.locator("#f-label")
    label.fill("户主姓名")
    with admin.expect_response(lambda response: response.request.method == "POST"):
        label.blur()
    admin.goto(f"{builder.rstrip('/')}/publish")
    admin.get_by_label("为什么发布（记入操作日志）").fill("改题目文字")
    admin.get_by_role("button", name="发布为第2版").click()
    expect(admin.locator("#published")).to_contain_text("第2版")

    assert _served(farmer, "/f/two-processes/s/s1", "户主姓名") < 5
    admin.context.close()
    farmer.context.close()
