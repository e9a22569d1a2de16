"""Publishing in Chromium, tried as a new admin would at a 1366×768 office screen, with farmers on phones and the
village handler: the first version published and filled; a label changed and an optional question added, shown as
safe with its impact, republished; the farmer mid-form carried over and told what is new; a breaking change shown
as breaking; the handler reading the first application in its own version's words."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.farmer import choose, id_number, next_page, pick_region, verify_phone
from e2e.staff import add_chain_staff, at_desk, open_application, sign_in
from e2e.support import ARTIFACTS, PHONE, Server
from shenbao.paths import form_defs_dir

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
FORM = "yijian-publish"
URL = f"/f/{FORM}"


@pytest.fixture
def desk(browser: Browser, server: Server) -> Iterator[Page]:
    """A province admin at an office PC, signed in (an account of its own: the server is shared)."""
    with at_desk(browser, server, "publish-admin") as page:
        yield page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"publish-{name}.png"), full_page=True)


def _form_file(tmp_path: Path) -> Path:
    """The 2023 one-click form as a file under a code of its own (the server's pack forms are shared by all tests)."""
    data = json.loads(
        (form_defs_dir() / "gansu" / "forms" / "gansu-yijian-2023.json").read_text(encoding="utf-8")
    )
    data["id"] = FORM
    path = tmp_path / f"{FORM}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _settle(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def _publish(page: Page, reason: str, version: int) -> None:
    page.get_by_role("link", name="发布…").click()
    expect(page.locator("#checks")).to_contain_text("检查通过")
    page.get_by_label("为什么发布（记入操作日志）").fill(reason)
    page.get_by_role("button", name=f"发布为第{version}版").click()
    expect(page.locator("#published")).to_contain_text(f"农户从现在起用第{version}版")


def _fill_until_consent(page: Page, server: Server, name: str, phone: str) -> None:
    page.goto(URL)
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{URL}/s/applicant$"))
    page.fill("#i-name", name)
    page.fill("#i-id_number", id_number(born="19700315"))
    page.fill("#i-phone", phone)
    verify_phone(page, server, "phone", phone)
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")


def test_an_admin_publishes_changes_safely_and_farmers_and_staff_each_keep_their_version(
    desk: Page, browser: Browser, server: Server, tmp_path: Path
) -> None:
    add_chain_staff(server)
    admin = desk
    admin.goto("/admin/")
    admin.locator("#import-file").set_input_files(_form_file(tmp_path))
    admin.get_by_role("button", name="导入", exact=True).click()
    expect(admin.locator("#bar code").first).to_have_text(FORM)
    builder = admin.url
    _publish(admin, "一键报贫表单上线", 1)
    _shot(admin, "versions-1")

    phone = browser.new_context(base_url=server.url, **PHONE)
    farmer = phone.new_page()
    _fill_until_consent(farmer, server, "张一", "13800001111")
    choose(farmer, "consent", "同意")
    next_page(farmer, f"{URL}/review")
    farmer.click("#submit")
    expect(farmer).to_have_url(re.compile(r"/r/\d{12}$"))
    receipt = farmer.locator("#receipt").inner_text().replace(" ", "")

    second = browser.new_context(base_url=server.url, **PHONE)
    midway = second.new_page()
    _fill_until_consent(midway, server, "李二", "13800002222")  # leaves before the last question

    admin.goto(builder)
    admin.locator("#o-name a").click()
    _settle(admin)
    label = admin.locator("#f-label")
    label.fill("户主姓名")
    with admin.expect_response(lambda response: response.request.method == "POST"):
        label.blur()
    _settle(admin)
    admin.locator("form.add").last.locator("select[name=kind]").select_option(label="填空题")
    with admin.expect_response(lambda response: response.request.method == "POST"):
        admin.locator("form.add").last.get_by_role("button", name="＋ 添加题目").click()
    _settle(admin)
    added = admin.locator("#f-label")
    added.fill("还有什么想告诉村里的")
    with admin.expect_response(lambda response: response.request.method == "POST"):
        added.blur()
    _settle(admin)
    with admin.expect_response(lambda response: response.request.method == "POST"):
        admin.get_by_label("必须回答").uncheck()  # an optional question
    _settle(admin)

    admin.get_by_role("link", name="发布…").click()
    expect(admin.locator("#changes-safe")).to_contain_text("安全的改动（2）")
    expect(admin.locator("#changes")).to_contain_text("户主姓名")
    expect(admin.locator("#changes")).to_contain_text("还有什么想告诉村里的")
    expect(admin.locator("#changes-breaking")).to_have_count(0)
    expect(admin.locator("#impact tr", has_text="第1版")).to_contain_text("1")
    expect(admin.locator("#impact")).to_contain_text("已填的答案全部保留")
    _shot(admin, "safe")
    admin.get_by_label("为什么发布（记入操作日志）").fill("题目文字更清楚，加一道可选题")
    admin.get_by_role("button", name="发布为第2版").click()
    expect(admin.locator("#published")).to_contain_text("农户从现在起用第2版")

    midway.goto(f"{URL}/s/applicant")
    notice = midway.locator("#updated")
    expect(notice).to_contain_text("这张表有了新版本，你填过的答案已经带过来了")
    expect(notice).to_contain_text("新加的题目")
    expect(notice).to_contain_text("还有什么想告诉村里的")
    expect(midway.locator("#i-name")).to_have_value("李二")
    expect(midway.get_by_text("户主姓名")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    midway.screenshot(path=str(ARTIFACTS / "publish-farmer-told.png"))
    midway.reload()
    expect(midway.locator("#updated")).to_have_count(0)  # told once

    admin.goto(builder)
    admin.locator("#o-hardship a").click()
    _settle(admin)
    with admin.expect_response(lambda response: response.request.method == "POST"):
        admin.locator(".opt-row").first.get_by_title("删除这个选项").click()
    _settle(admin)
    admin.get_by_role("link", name="发布…").click()
    expect(admin.locator("#changes-breaking")).to_contain_text("会影响正在填写的农户")
    expect(admin.locator("#impact")).to_contain_text("要重新回答")
    _shot(admin, "breaking")

    staff = browser.new_context(base_url=server.url, **PHONE)
    handler = staff.new_page()
    sign_in(handler, "chain-village")
    open_application(handler, receipt)
    expect(
        handler.get_by_text("申请人姓名")
    ).to_be_visible()  # the words of version 1, which it was filled on
    expect(handler.get_by_text("户主姓名")).to_have_count(0)
    for context in (phone, second, staff):
        context.close()
