"""Whole declarations in a phone-sized Chromium, from the first page to the receipt."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from e2e.farmer import (
    VILLAGE,
    YIJIAN,
    ZIZHU,
    applications,
    choose,
    draw_signature,
    fill_zizhu_property_and_income,
    fill_zizhu_until_property,
    id_number,
    next_page,
    pick_region,
    take_photo,
    tick,
    verify_phone,
)
from e2e.support import Server


def test_a_complete_2021_declaration_reaches_the_receipt(page: Page, server: Server, shot: Any) -> None:
    before = len(applications(server))
    fill_zizhu_until_property(page, server, "13800138001")
    fill_zizhu_property_and_income(page)
    expect(page.locator("#pledge")).to_contain_text("诚信承诺书")
    draw_signature(page, "q45")
    take_photo(page, "q46")
    shot("pledge")
    next_page(page, f"{ZIZHU}/review")
    answers = page.locator("#answers")
    expect(answers).to_contain_text("张三")
    expect(answers).to_contain_text("甘肃省兰州市城关区酒泉路街道畅家巷社区居委会")
    expect(page.locator("#t-q45")).to_be_visible()
    expect(page.locator("#t-q46")).to_be_visible()
    shot("review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    receipt = page.locator("#receipt").inner_text().replace(" ", "")
    shot("receipt")

    stored = applications(server)
    assert len(stored) == before + 1
    application = stored[-1]
    assert application["receipt_number"] == receipt and application["flags"] == []
    assert application["region_code"] == VILLAGE  # the village's handler gets it
    assert application["answers"]["q7"]["source"] == "gps"
    assert application["answers"]["q46"]["type"] == "image/jpeg"
    assert "q10" not in application["answers"]  # hidden for a household with other members


def test_a_civil_servant_relative_reaches_q49_then_signs_and_is_stored_flagged(
    page: Page, server: Server, shot: Any
) -> None:
    fill_zizhu_until_property(page, server, "13800138002")
    choose(page, "q23", "没有")
    choose(page, "q24", "没有")
    choose(page, "q25", "B级")
    choose(page, "q26", "有")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("我们仍然记录您的申请")
    expect(outcome).to_contain_text("请点“下一步”接着填写")
    expect(page.locator("#q-q27")).to_be_hidden()
    expect(page.locator("button[value=next]")).to_have_text("下一步")
    shot("flagged")
    next_page(page, f"{ZIZHU}/s/pledge")  # the income questions are skipped, the pledge is not
    expect(page.locator("#outcome")).to_contain_text("不符合纳入监测对象的情况")
    expect(page.locator("#pledge")).to_contain_text("诚信承诺书")
    draw_signature(page, "q45")
    take_photo(page, "q46")
    shot("flagged-pledge")
    next_page(page, f"{ZIZHU}/review")
    expect(page.locator("#outcome")).to_contain_text("不符合纳入监测对象的情况")
    expect(page.locator("#t-q45")).to_be_visible()
    expect(page.locator("#t-q46")).to_be_visible()
    shot("flagged-review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    expect(page.locator(".outcome.flagged")).to_contain_text("我们仍然记录您的申请")
    shot("flagged-receipt")
    application = applications(server)[-1]
    assert application["flags"] == ["policy_mismatch"] and application["outcome_id"] == "q49"
    answers = application["answers"]
    assert answers["q45"][0]["name"] == "张三" and answers["q46"]["type"] == "image/jpeg"
    assert "q27" not in answers and "q32" not in answers  # skipped after the jump, not stored


def test_the_2023_one_click_form_reaches_the_receipt(page: Page, server: Server, shot: Any) -> None:
    page.goto(YIJIAN)
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant$"))
    page.fill("#i-name", "李四")
    page.fill("#i-id_number", id_number(born="19751231"))
    page.fill("#i-phone", "13912345678")
    verify_phone(page, server, "phone", "13912345678")
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    tick(page, "hardship", "因灾（遭受自然灾害）")
    choose(page, "consent", "同意")
    shot("form")
    next_page(page, f"{YIJIAN}/review")
    expect(page.locator("#answers")).to_contain_text("畅家巷社区居委会")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    expect(page.locator("#receipt")).to_be_visible()
    application = applications(server)[-1]
    assert application["form_id"] == "gansu-yijian-2023" and application["region_code"] == "620102001001"
    assert application["answers"]["hardship"] == ["disaster"]
