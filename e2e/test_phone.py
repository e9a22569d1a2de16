"""The phone's one-time code in the browser: five wrong codes lock it, and an unverified phone stops the form."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from e2e.farmer import YIJIAN, sms_code
from e2e.support import Server


def test_five_wrong_codes_lock_the_code_and_the_form_waits(page: Page, server: Server, shot: Any) -> None:
    page.goto(f"{YIJIAN}/s/applicant")
    page.fill("#i-phone", "13800138020")
    page.click("#b-phone-send")
    status = page.locator("#s-phone-otp")
    expect(status).to_contain_text("验证码已发到138****8020")
    expect(page).to_have_url(
        re.compile(f"{YIJIAN}/s/applicant$")
    )  # swapped by htmx: no page post (#otp-phone)
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


def test_enter_in_a_field_moves_on_and_sends_no_code(page: Page, server: Server) -> None:
    """The keyboard's Enter presses the form's first submit button: "下一步", never "发送验证码"."""
    page.goto(f"{YIJIAN}/s/applicant")
    page.fill("#i-phone", "13800138021")
    page.fill("#i-name", "李四")
    page.press("#i-name", "Enter")
    expect(page.locator("#e-id_number")).to_contain_text("还没有回答")  # the section was posted as "下一步"
    with sqlite3.connect(Path(server.database_url.removeprefix("sqlite:///"))) as connection:
        sent = connection.execute("SELECT count(*) FROM sms_message WHERE phone = '13800138021'").fetchone()[
            0
        ]
    assert sent == 0
