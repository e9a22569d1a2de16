"""What staff do on their phones, step by step, for the browser tests."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import KEYS, Server
from e2e.farmer import (
    YIJIAN,
    choose,
    id_number,
    next_page,
    pick_region,
    sign_household,
    take_photo,
    tick,
    verify_phone,
)
from shenbao.store.sealing import open_text

PASSWORD = "e2e-staff-pass-1"
CHAIN_STAFF = {
    "chain-village": ("village", "620102001001", "13700000001"),
    "chain-township": ("township", "620102001", "13700000002"),
    "chain-county": ("county", "620102", "13700000003"),
}
"""The handlers of 畅家巷社区居委会 (兰州市城关区酒泉路街道), their township and their county."""


_STAFFED: set[str] = set()
"""The servers (by address) whose chain handlers are added already: several test files use them."""


def add_chain_staff(server: Server) -> None:
    """Add the chain's handlers with ``shenbao staff add``, once per server whichever test file asks first."""
    if server.url in _STAFFED:
        return
    _STAFFED.add(server.url)
    for username, (role, region, phone) in CHAIN_STAFF.items():
        server.shenbao(
            "staff",
            "add",
            username,
            "--role",
            role,
            "--region",
            region,
            "--phone",
            phone,
            "--password",
            PASSWORD,
        )


def outbox(server: Server) -> list[tuple[str, str, str]]:
    """Every queued or sent SMS: phone (decrypted), template, text."""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT phone, template, text FROM outbox ORDER BY id").fetchall()
    return [(open_text(phone, KEYS), template, text) for phone, template, text in rows]


def submit_one_click(page: Page, server: Server, name: str, phone: str, *hardships: str) -> str:
    """A farmer sends the 2023 one-click form from 畅家巷社区; returns the receipt number."""
    page.goto(YIJIAN)
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant$"))
    page.fill("#i-name", name)
    page.fill("#i-id_number", id_number(born="19700315"))
    page.fill("#i-phone", phone)
    verify_phone(page, server, "phone", phone)
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    if hardships:
        tick(page, "hardship", *hardships)
    choose(page, "consent", "同意")
    next_page(page, f"{YIJIAN}/review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    return page.locator("#receipt").inner_text().replace(" ", "")


def sign_in(page: Page, username: str) -> None:
    """Sign in on the staff page (signing out whoever was signed in on this phone)."""
    page.context.clear_cookies()
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def open_application(page: Page, receipt: str) -> None:
    """Find the application in the inbox by its receipt number and open it."""
    page.goto("/staff/")
    row = page.locator("a", has_text=re.compile(receipt[-4:])).first
    row.click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


def decide(page: Page, action: str, text: str = "") -> None:
    """Take one action on the open application, with its reason or note."""
    form = page.locator(f"#act-{action}")
    if text:
        form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


def record_household_check(page: Page) -> None:
    """The village handler's visit: location, a photo of the house, the sums, the documents, signatures, the conclusion."""
    page.click("#act-record_check")
    expect(page).to_have_url(re.compile(r"/check/s/look$"))
    page.click("#b-visit_place-locate")
    expect(page.locator("#s-visit_place")).to_contain_text("已获取")
    choose(page, "housing", "不安全（C级或D级危房）")
    tick(page, "seen", "有受灾损失")
    take_photo(page, "house_photo")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/count$"))
    page.fill("#i-members", "4")
    page.fill("#i-income", "6000")
    page.fill("#i-rigid_expenses", "15000")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/verify$"))
    tick(page, "documents", "居民户口簿", "家庭成员身份证")
    tick(page, "disqualifying", "以上都没有")
    sign_household(page, "authorisation", ["王五", "王小五"])
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/conclusion$"))
    choose(page, "meets_standard", "符合，上报评议")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/review$"))
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))
    expect(page.locator("#check")).to_contain_text("不安全（C级或D级危房）")
