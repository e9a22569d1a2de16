"""The applicant's status page in a phone-sized Chromium: a refusal with its reason, the appeal, the township again."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from e2e.farmer import (
    YIJIAN,
    applications,
    choose,
    id_number,
    newest_sms,
    next_page,
    pick_region,
    sms_code,
    tick,
    verify_phone,
)
from e2e.staff import outbox, record_household_check
from e2e.support import ARTIFACTS, Server

PHONE = "13912340077"
TOWNSHIP_PHONE = "13900000903"
PASSWORD = "e2e-appeal-pass-9"
REASON = "家庭人均纯收入高于监测标准"
APPEAL = "我家今年看病花了六万元，收入没有算对"


def _outbox(server: Server) -> list[tuple[str, str]]:
    return [(phone, template) for phone, template, _ in _texts(server)]


def _texts(server: Server) -> list[tuple[str, str, str]]:
    return outbox(server)


def _submit_2023(page: Page, server: Server) -> str:
    """The farmer applies with the one-click form; returns the receipt number."""
    page.goto(YIJIAN)
    page.click("#start")
    page.fill("#i-name", "赵六")
    page.fill("#i-id_number", id_number(born="19700315", serial="456"))
    page.fill("#i-phone", PHONE)
    verify_phone(page, server, "phone", PHONE)
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    tick(page, "hardship", "因病（家里有人生病）")
    tick(page, "hardship", "因灾（遭受自然灾害）")  # a green-channel case
    choose(page, "consent", "同意")
    next_page(page, f"{YIJIAN}/review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    return page.locator("#receipt").inner_text().replace(" ", "")


def _sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_a_refused_farmer_sees_the_reason_appeals_and_the_township_has_it_again(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], server: Server, shot: Any
) -> None:
    server.shenbao("staff", "add", "appeal-village", "--role", "village", "--region", "620102001001",
                   "--password", PASSWORD)  # fmt: skip
    server.shenbao("staff", "add", "appeal-township", "--role", "township", "--region", "620102001",
                   "--phone", TOWNSHIP_PHONE, "--password", PASSWORD)  # fmt: skip
    receipt = _submit_2023(page, server)
    application_id = applications(server)[-1]["id"]

    # The village handler, on a phone of their own, records the visit and refuses with the reason.
    staff = browser.new_context(**browser_context_args).new_page()
    _sign_in(staff, "appeal-village")
    staff.goto(f"/staff/a/{application_id}")
    record_household_check(staff)
    staff.fill("#refuse-reason", REASON)
    staff.click("#act-refuse button[type=submit]")
    expect(staff.locator("#status")).to_have_text("不予纳入")  # the inbox's word too (shenbao.statuses)

    # The farmer opens the status page from the receipt page, gets a code and sees why.
    page.click("#status-link")
    expect(page).to_have_url(re.compile(r"/status\?r=\d{12}$"))
    expect(page.locator("#receipt")).to_have_value(" ".join([receipt[:4], receipt[4:8], receipt[8:]]))
    page.fill("#phone", PHONE)
    shot("lookup")
    # The code is sent once the page has answered: wait for it, not for an older message.
    before = newest_sms(server, PHONE)
    page.click("#send")
    if page.locator("#error-phone").count():
        # The phone got its submission code less than a minute ago: the page says how long to wait.
        message = page.locator("#error-phone").inner_text()
        wait = re.search(r"请(\d+)秒后", message)
        assert wait, message
        page.wait_for_timeout((int(wait.group(1)) + 1) * 1000)
        page.click("#send")
    expect(page.locator("#sent")).to_contain_text("马上会收到一条验证码短信")
    shot("code")
    page.fill("#code", sms_code(server, PHONE, newer_than=before[0] if before else 0))
    page.click("#open")
    expect(page).to_have_url(re.compile(f"/status/{receipt}$"))
    expect(page.locator("#status")).to_have_text("没有通过")
    expect(page.locator("#reason")).to_contain_text(REASON)
    expect(page.locator("#appeal-note")).to_contain_text("前申请复核")
    expect(page.locator("#summary")).to_contain_text("经村里答复，您家不符合认定标准。")
    expect(page.locator("#steps li.refused")).to_contain_text("村里答复")
    expect(page.locator("#steps")).not_to_contain_text("答复农户")  # the staff's name of that step
    expect(page.locator("#green")).to_have_count(0)  # a refused case: no promise of help first
    [refused] = [text for phone, template, text in _texts(server) if (phone, template) == (PHONE, "refused")]
    assert "经村里答复不符合认定标准" in refused and "答复农户" not in refused
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot("refused")

    # The appeal, then the case is back at the township.
    page.fill("#reason-text", APPEAL)
    page.click("#appeal")
    expect(page.locator("#message")).to_contain_text("复核申请已提交")
    expect(page.locator("#status")).to_have_text("正在办理")
    expect(page.locator("#steps li.current")).to_contain_text("乡镇复核")
    expect(page.locator("#steps li.current .deadline")).to_contain_text("个工作日")
    expect(page.locator("#appealed")).to_contain_text(APPEAL)
    expect(page.locator("#appeal-form")).to_have_count(0)
    expect(page.locator("#green")).to_contain_text("可以先救助、后补手续")  # open again, green again
    shot("appealed")
    assert (TOWNSHIP_PHONE, "appeal") in _outbox(server)

    township = browser.new_context(**browser_context_args).new_page()
    _sign_in(township, "appeal-township")
    township.goto(f"/staff/a/{application_id}")
    expect(township.locator("#status")).to_have_text("办理中")
    expect(township.locator("#step")).to_contain_text("乡镇复核")
    expect(township.locator("#appeal")).to_contain_text(APPEAL)
    expect(township.locator("#history tr.appeal")).to_contain_text("申请人")
    expect(township.locator("#act-pass_up")).to_be_visible()
    township.screenshot(path=str(ARTIFACTS / "appeal-township.png"), full_page=True)
