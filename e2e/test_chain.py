"""The approval chain in phone-sized Chromium: the farmer's application through village, township and county."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.farmer import codes_sent_a_minute_ago, open_status
from e2e.staff import (
    CHAIN_STAFF,
    add_chain_staff,
    decide,
    open_application,
    outbox,
    record_household_check,
    sign_in,
    submit_one_click,
)
from e2e.support import Server


@pytest.fixture(scope="module")
def chain_staff(server: Server) -> None:
    add_chain_staff(server)


def _phone(username: str) -> str:
    return CHAIN_STAFF[username][2]


def test_an_application_goes_from_the_farmer_to_the_county(
    page: Page, server: Server, chain_staff: None, shot: Any
) -> None:
    receipt = submit_one_click(page, server, "王五", "13912340001")
    # The village handler's SMS is queued with the application.
    assert any(
        phone == _phone("chain-village") and receipt in text.replace(" ", "")
        for phone, _, text in outbox(server)
    )

    sign_in(page, "chain-village")
    shot("inbox")
    open_application(page, receipt)
    expect(page.locator("#summary")).to_contain_text("村级入户核查")
    decide(page, "accept")
    expect(page.locator("#history")).to_contain_text("受理")
    record_household_check(page)
    shot("checked")
    expect(page.locator("#step")).to_contain_text("答复农户")
    decide(page, "pass_up")
    expect(page.locator("#step")).to_contain_text("村内民主评议和公示")
    decide(page, "pass_up", "已公示7天无异议")

    sign_in(page, "chain-township")
    open_application(page, receipt)
    expect(page.locator("#step")).to_contain_text("乡镇复核")
    decide(page, "pass_up", "复核无误")

    sign_in(page, "chain-county")
    open_application(page, receipt)
    expect(page.locator("#step")).to_contain_text("县级审批")
    decide(page, "approve")
    expect(page.locator("#step")).to_contain_text("录入国家系统")
    decide(page, "pass_up", "已录入")
    expect(page.locator("#status")).to_contain_text("已审批通过")
    shot("approved")
    codes_sent_a_minute_ago(server, "13912340001")  # the farmer looks a minute later at least
    open_status(page, server, receipt, "13912340001")
    expect(page.locator("#status")).to_have_text("已经通过")
    shot("status-approved")
    approved = [
        text for phone, template, text in outbox(server) if phone == "13912340001" and template == "approved"
    ]
    assert len(approved) == 1 and receipt in approved[0].replace(" ", "")


def test_a_disaster_case_is_first_in_the_village_inbox(
    page: Page, server: Server, chain_staff: None, shot: Any
) -> None:
    plain = submit_one_click(page, server, "赵六", "13912340002")
    green = submit_one_click(page, server, "钱七", "13912340003", "因灾（遭受自然灾害）")
    sign_in(page, "chain-village")
    rows = page.locator(".inbox a[href^='/staff/a/']")
    expect(rows.filter(has_text="钱七").filter(has_text=green[-4:])).to_have_count(1)
    texts = rows.all_inner_texts()
    cases = {"赵六": plain, "钱七": green}
    at = {
        name: next(i for i, text in enumerate(texts) if name in text and receipt[-4:] in text)
        for name, receipt in cases.items()
    }
    # submitted later, listed first (other tests' green cases may come before both)
    assert at["钱七"] < at["赵六"]
    expect(page.locator(".inbox")).to_contain_text("绿色通道")
    shot("green-first")
