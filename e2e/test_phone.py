"""The phone's one-time code in the browser: five wrong codes lock it, and an unverified phone stops the form."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import Server
from e2e.farmer import YIJIAN, sms_code


def test_five_wrong_codes_lock_the_code_and_the_form_waits(page: Page, server: Server, shot: Any) -> None:
    page.goto(f"{YIJIAN}/s/applicant")
    page.fill("#i-phone", "13800138020")
    page.click("#b-phone-send")
    status = page.locator("#s-phone-otp")
    expect(status).to_contain_text("验证码已发到138****8020")
    right = sms_code(server, "13800138020")
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page.fill("#i-phone-otp", wrong)
        page.click("#b-phone-verify")
        expect(status).to_have_text(f"验证码不对，还可以再试{left}次")
    page.fill("#i-phone-otp", wrong)
    page.click("#b-phone-verify")
    expect(status).to_contain_text("错了5次")
    page.fill("#i-phone-otp", right)
    page.click("#b-phone-verify")
    expect(status).to_contain_text("错了5次")  # locked: even the right code no longer counts
    shot("locked")
    page.click("button[value=next]")
    expect(page.locator("#e-phone")).to_contain_text("还没有验证")
