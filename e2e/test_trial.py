"""试填 in Chromium: an admin makes a trial link of a form being built, and a phone (no account) fills the draft
through it up to the review page, which says that a trial stores nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import at_desk
from e2e.support import ARTIFACTS, Server

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.fixture
def desk(browser: Browser, server: Server) -> Iterator[Page]:
    """A province admin at an office PC, signed in."""
    with at_desk(browser, server, "trial-admin") as page:
        yield page


def test_a_phone_tries_a_draft_through_its_trial_link(desk: Page, page: Page) -> None:
    desk.goto("/admin/")
    desk.get_by_role("link", name="＋ 新建表单").click()
    desk.get_by_label("表单名称").fill("临时救助试填")
    desk.get_by_label(re.compile("代号")).fill("relief-trial-e2e")
    desk.get_by_role("button", name="建好，开始添加题目").click()
    expect(desk.locator("#form-title")).to_have_text("临时救助试填")
    builder = desk.url.rstrip("/")

    with desk.expect_response(lambda response: response.request.method == "POST"):
        desk.locator("form.add").last.get_by_role("button", name="＋ 添加题目").click()  # a single choice
    expect(desk.locator("#o-q2")).to_be_visible()

    desk.goto(f"{builder}/trial")
    desk.get_by_role("button", name="生成试填链接和二维码").click()
    expect(desk.locator("#trial-expires")).to_contain_text("有效至")
    expect(desk.locator("#trial-qr")).to_be_visible()
    link = desk.locator("#trial-url").input_value()
    assert "/try/" in link

    page.goto(link)  # the phone: no account, no session
    expect(page.get_by_text("这是试填，答案不会提交")).to_be_visible()
    expect(page.get_by_text("申请人姓名")).to_be_visible()
    page.locator("#i-q1").fill("张三")
    page.get_by_text("选项1").click()
    page.get_by_role("button", name="核对并提交").click()  # the one page: next is the review

    expect(page).to_have_url(re.compile(r"/try/[^/]+/review$"))
    expect(page.locator("#preview-end")).to_contain_text("试填到此为止")
    expect(page.locator("#preview-end")).to_contain_text("不会保存任何申请")
    expect(page.locator("#submit")).to_have_count(0)
    expect(page.locator("#answers")).to_contain_text("张三")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trial-review.png"), full_page=True)
