"""The builder with script off (an old intranet browser, a locked-down PC): every change is a form posted and answered
with the page, tried as a new admin would, by visible text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import PASSWORD
from e2e.support import ARTIFACTS, Server


@pytest.fixture
def desk_without_script(browser: Browser, server: Server) -> Iterator[Page]:
    server.shenbao(
        "staff", "add", "form-admin-ns", "--role", "province", "--region", "62", "--password", PASSWORD
    )
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1366, "height": 768},
        locale="zh-CN",
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#username", "form-admin-ns")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    yield page
    context.close()


def test_a_form_is_built_without_script(desk_without_script: Page) -> None:
    page = desk_without_script
    page.goto("/admin/")
    page.get_by_role("link", name="＋ 新建表单").click()
    page.get_by_label("表单名称").fill("无脚本试做")
    page.get_by_label(re.compile("代号")).fill("noscript-form")
    page.get_by_role("button", name="建好，开始添加题目").click()
    expect(page.locator("#form-title")).to_have_text("无脚本试做")

    page.locator("form.add select[name=kind]").select_option(label="单选题")
    page.locator("form.add").get_by_role("button", name="＋ 添加题目").click()
    expect(page.locator("#o-q2")).to_have_class(re.compile("selected"))
    page.locator("#f-label").fill("家里有没有人生病")
    page.locator("input[name='option.opt1']").fill("有")
    page.locator("input[name='option.opt2']").fill("没有")
    page.locator("#panel-form").get_by_role("button", name="保存").click()
    expect(page.locator("#o-q2")).to_contain_text("家里有没有人生病")

    page.locator("form.add select[name=kind]").select_option(label="填空题")
    page.locator("form.add").get_by_role("button", name="＋ 添加题目").click()
    page.get_by_role("button", name="＋ 设置显示条件").click()
    rule = page.locator("#rule-visible_if-0")
    rule.locator("select[name='v.r']").select_option(label="有")
    rule.get_by_role("button", name="保存条件").click()
    expect(page.locator("#sentence-visible_if-0")).to_have_text("第2题选“有”时显示")

    preview = page.frame_locator("#preview")
    expect(preview.get_by_text("家里有没有人生病")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "builder-noscript.png"))

    page.locator("#undo").click()
    expect(page.locator("#always-shown")).to_be_visible()
    page.locator("#redo").click()
    expect(page.locator("#sentence-visible_if-0")).to_have_text("第2题选“有”时显示")
