"""The staff-account pages on a phone: the province admin adds a village handler, who then signs in."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from e2e.farmer import pick_region
from e2e.support import ARTIFACTS, PHONE, Server

PASSWORD = "province-pass-1"


def _province_admin(server: Server, username: str) -> None:
    server.shenbao(
        "staff",
        "add",
        username,
        "--role",
        "province",
        "--region",
        "62",
        "--name",
        "省级管理员",
        "--password",
        PASSWORD,
    )


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_a_province_admin_adds_a_village_account_that_signs_in(
    page: Page, browser: Browser, server: Server, shot: Any
) -> None:
    _province_admin(server, "e2e-province")
    _sign_in(page, "e2e-province", PASSWORD)
    shot("inbox")
    page.click("#people-link")
    expect(page.locator("h1")).to_have_text("工作人员账号")
    shot("list")
    page.click("#add-person")
    expect(page.locator("h1")).to_have_text("添加账号")

    page.fill("#display_name", "王小红")
    page.fill("#username", "wangxiaohong")
    page.fill("#phone", "1391234567")  # one digit short
    page.select_option("#role", label="乡镇账号")
    expect(page.locator("#i-region-village")).to_have_count(0)  # a township account stops at the township
    page.select_option("#role", label="村级账号")
    expect(page.locator("#i-region-village")).to_have_count(1)
    pick_region(page, "region", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    shot("form")
    page.click("#add")
    expect(page.locator("#error-phone")).to_contain_text("请填写11位手机号码")
    expect(page.locator("#display_name")).to_have_value("王小红")  # what was typed is kept
    expect(page.locator("#i-region-village")).to_have_value("620102001001")
    page.locator("#error-phone").scroll_into_view_if_needed()
    shot("error")

    page.fill("#phone", "13912345678")
    page.click("#add")
    expect(page.locator("#done")).to_contain_text("已为王小红添加村级账号")
    password = page.locator("#one-time-password").inner_text()
    shot("added")

    phone = browser.new_context(**PHONE, base_url=server.url)
    handler = phone.new_page()
    _sign_in(handler, "wangxiaohong", password)
    expect(handler.locator("h1")).to_contain_text("畅家巷社区居委会")
    expect(handler.locator("#people-link")).to_have_count(0)  # a village handler manages no one
    phone.close()

    page.click("text=查看这个账号")
    expect(page.locator("#person-username")).to_have_text("wangxiaohong")
    shot("person")
    page.click("#deactivate")
    expect(page.locator("#message")).to_contain_text("账号已停用")
    page.click("text=返回账号列表")
    page.fill("#f-region", "酒泉路")
    page.click("#filters button[type=submit]")
    expect(page.locator("#people")).to_contain_text("王小红")
    expect(page.locator("#people")).to_contain_text("已停用")
    shot("list-filtered")


def test_a_county_admin_adds_a_township_account_without_javascript(browser: Browser, server: Server) -> None:
    server.shenbao(
        "staff", "add", "e2e-county", "--role", "county", "--region", "620102", "--password", PASSWORD
    )
    context = browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, "e2e-county", PASSWORD)
    page.goto("/staff/people/new")
    page.fill("#display_name", "李乡长")
    page.fill("#username", "lixiang")
    page.fill("#phone", "13900002222")
    page.select_option("#role", label="乡镇账号")
    page.click("#role-stay")  # no script to redraw the drop-downs: the page comes back
    expect(page.locator("#i-region-village")).to_have_count(0)
    expect(page.locator("#display_name")).to_have_value("李乡长")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-people-no-script-form.png"), full_page=True)
    page.select_option("#i-region-township", label="酒泉路街道")
    page.click("#add")
    expect(page.locator("#done")).to_contain_text("已为李乡长添加乡镇账号")
    expect(page.locator("#one-time-password")).to_have_text(
        re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$")
    )
    page.screenshot(path=str(ARTIFACTS / "staff-people-no-script-added.png"), full_page=True)
    page.goto("/staff/people?role=township")
    expect(page.locator("#people")).to_contain_text("李乡长")
    context.close()
