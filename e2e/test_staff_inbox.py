"""The staff inbox on a 390px phone: a village handler's turn and the region, filters as links, no sideways scroll."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.staff.inbox_cases import FORM_2021, Case, add_case
from tests.support.packs import gansu_divisions

from e2e.support import KEYS, Server
from shenbao import china_time, store
from shenbao.staff.accounts import StaffAccounts

PASSWORD = "phone-inbox-9"
VILLAGE = "620102003001"  # 雁宁路社区居委会: no other browser test applies from this township
NEIGHBOUR = "620102003002"


@pytest.fixture(scope="module")
def seeded(server: Server) -> Server:
    """A mix of cases around today in the server's database, and a village and a township account."""
    today = china_time.today()
    day = dt.timedelta(days=1)
    cases = [
        Case(place=VILLAGE, name="王秀英", deadline=today + 2 * day),
        Case(place=VILLAGE, name="李建国", deadline=today - 3 * day, flagged=True),
        Case(place=VILLAGE, name="马玉兰", form_id=FORM_2021, deadline=today + 4 * day, green=True),
        Case(place=VILLAGE, name="张德明", status="in_progress", step="check_answer", deadline=today),
        Case(
            place=VILLAGE, name="赵桂英", status="in_progress", step="township_review", deadline=today + day
        ),
        Case(
            place=NEIGHBOUR,
            name="孙志强",
            status="in_progress",
            step="village_review",
            deadline=today + 6 * day,
        ),
        Case(place=VILLAGE, name="陈淑珍", status="approved", step="national_entry"),
        Case(place=VILLAGE, name="刘彩霞", status="refused", step="check_answer", flagged=True),
    ]

    async def seed() -> None:
        database = await store.open_database(server.database_url, keys=KEYS)
        try:
            accounts = StaffAccounts(database)
            await accounts.add(
                username="inbox-village",
                role="village",
                region_code=VILLAGE,
                password=PASSWORD,
                divisions=gansu_divisions(),
            )
            await accounts.add(
                username="inbox-township",
                role="township",
                region_code=VILLAGE[:9],
                password=PASSWORD,
                divisions=gansu_divisions(),
            )
            for case in cases:
                await add_case(database, case)
        finally:
            await database.close()

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, seed()).result()
    return server


def _sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_inbox_on_a_phone(page: Page, seeded: Server, shot: Any) -> None:
    _sign_in(page, "inbox-village")
    rows = page.locator("#inbox > li")
    expect(rows).to_have_count(4)  # 轮到我办: the township's case and the finished ones are not
    expect(rows.first).to_contain_text("马玉兰")  # the green channel first
    expect(rows.first).to_contain_text("绿色通道")
    expect(rows.nth(1)).to_contain_text("已超期")
    expect(rows.nth(1).locator(".overdue")).to_have_css("color", "rgb(176, 0, 32)")
    _fits_the_phone(page)
    shot("village-mine")

    page.click("nav.views >> text=本辖区全部")
    expect(page).to_have_url(re.compile(r"view=all"))
    expect(rows).to_have_count(7)
    expect(page.locator("#inbox")).to_contain_text("乡镇复核")
    _fits_the_phone(page)
    shot("village-all")

    page.click("nav.filters >> text=有标记")
    expect(page).to_have_url(re.compile(r"show=flagged"))
    expect(rows).to_have_count(2)
    expect(page.locator("nav.filters a[aria-current=page]")).to_contain_text("有标记 2")
    shot("village-flagged")

    rows.first.click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


def test_a_township_sees_its_villages_by_name(page: Page, seeded: Server, shot: Any) -> None:
    _sign_in(page, "inbox-township")
    page.click("nav.views >> text=本辖区全部")
    expect(page.locator("#inbox")).to_contain_text("孙志强")
    expect(page.locator("#inbox")).to_contain_text("雁宁路社区居委会")
    _fits_the_phone(page)
    shot("township-all")
