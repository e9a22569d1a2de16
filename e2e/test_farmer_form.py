"""The 2021 questionnaire in a phone-sized Chromium, as a farmer uses it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.farmer import read_guide, verify_phone
from e2e.support import ARTIFACTS, PHONE, Server

FORM = "/f/gansu-zizhu-2021"


def applications(server: Server) -> list[tuple[Any, ...]]:
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT receipt_number, flags, outcome_id, answers FROM application"
        ).fetchall()


def choose(page: Page, question: str, label: str) -> None:
    """Tap an option of a question by the text the farmer reads."""
    page.locator(f"#q-{question} label.choice", has_text=re.compile(f"^{re.escape(label)}$")).click()


def fill_method(page: Page, server: Server, phone: str) -> None:
    choose(page, "q1", "本人办理")
    page.fill("#i-q4-name", "张三")
    page.fill("#i-q4-id_number", "620102198001011239")
    page.fill("#i-q4-phone", phone)
    verify_phone(page, server, "q4-phone", phone)


def seconds_left(page: Page) -> int:
    """The seconds the guide's notice says are left: "请先阅读申报指南。还需等待N秒才能开始申请。"."""
    notice = page.locator("#wait-notice")
    expect(notice).to_have_text(re.compile(r"^请先阅读申报指南。还需等待\d+秒才能开始申请。$"))
    return int(re.sub(r"\D", "", notice.inner_text()))


def test_the_guide_waits_sixty_seconds(page: Page, server: Server, shot: Any) -> None:
    """The countdown runs in the browser; the server keeps the wait whatever the browser's clock says."""
    page.clock.install()
    page.goto(FORM)
    start = page.locator("#start")
    expect(start).to_have_attribute("aria-disabled", "true")
    expect(start).to_contain_text("60秒")
    shot("guide")
    page.clock.run_for(61_000)  # the phone's clock runs ahead: for the server, a second or two went by
    expect(start).not_to_have_attribute("aria-disabled", "true")
    expect(start).to_have_text("开始申请")
    start.click()
    expect(page).to_have_url(re.compile(f"{FORM}/s/method$"))
    assert 55 <= seconds_left(page) <= 60
    expect(page.locator("#q-q1")).to_have_count(0)
    read_guide(page.context, server)  # now the guide really was opened a minute ago
    page.clock.run_for(61_000)
    expect(page.locator("#wait-notice")).to_contain_text("现在可以开始申请了")
    page.locator("#start").click()
    expect(page.locator("#q-q1")).to_be_visible()
    expect(page.locator("#wait-notice")).to_have_count(0)


def test_a_direct_link_to_the_first_section_shows_the_guide_with_the_seconds_left(
    page: Page, server: Server, shot: Any
) -> None:
    read_guide(page.context, server, seconds_ago=20)
    page.clock.install()
    page.goto(f"{FORM}/s/method")
    left, start = seconds_left(page), page.locator("#start")
    assert 38 <= left <= 41
    expect(start).to_have_attribute("aria-disabled", "true")
    expect(start).to_have_text(re.compile(r"^请先阅读指南，\d+秒后可开始申请$"))
    shown = int(re.sub(r"\D", "", start.inner_text()))
    assert left - 2 <= shown <= left  # counted from the server's seconds, not from 60
    shot("refused")
    page.clock.run_for(10_000)  # the page's clock also keeps running in real time
    later = int(re.sub(r"\D", "", start.inner_text()))
    assert shown - 13 <= later <= shown - 10
    assert later - 1 <= seconds_left(page) <= later


def test_without_javascript_the_guide_says_how_long_to_wait(
    browser: Browser, server: Server, request: Any
) -> None:
    context = browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{FORM}/s/method")  # no mark yet: the whole wait, from now
    assert seconds_left(page) == 60
    expect(page.locator("#wait-rule")).to_have_text("本页停留60秒，方可开始申请。")
    start = page.locator("#start")
    expect(start).to_have_text("开始申请")  # a plain link: tapped too early, the guide says so again
    start.click()
    assert 55 <= seconds_left(page) <= 60
    read_guide(context, server, seconds_ago=45)
    page.reload()
    assert 14 <= seconds_left(page) <= 16
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-refused.png"))  # the phone's screen
    read_guide(context, server)
    start.click()  # once the time has passed
    expect(page.locator("#q-q1")).to_be_visible()
    context.close()


def test_a_conditional_question_appears_without_reloading(page: Page, server: Server, shot: Any) -> None:
    read_guide(page.context, server)
    page.goto(f"{FORM}/s/household")
    page.evaluate("window.__same_document = true")
    expect(page.locator("#q-q9")).to_be_hidden()
    choose(page, "q8", "有")
    expect(page.locator("#q-q9")).to_be_visible()
    expect(page.locator("#q-q10")).to_be_hidden()
    choose(page, "q8", "没有")
    expect(page.locator("#q-q10")).to_be_visible()
    expect(page.locator("#q-q9")).to_be_hidden()
    assert page.evaluate("window.__same_document") is True  # no full page load happened
    shot("form-page")


def test_non_agricultural_household_is_refused_and_nothing_stored(
    page: Page, server: Server, shot: Any
) -> None:
    before = len(applications(server))
    read_guide(page.context, server)
    page.goto(f"{FORM}/s/method")
    fill_method(page, server, "13800138010")
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(f"{FORM}/s/residence$"))
    choose(page, "q5", "非农户籍")
    expect(page.locator("#outcome")).to_contain_text("非农业户籍不能申请")
    expect(page.locator("#q-q6")).to_be_hidden()
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(f"{FORM}/review$"))
    expect(page.locator("#outcome")).to_contain_text("非农业户籍不能申请")
    expect(page.locator("#submit")).to_have_count(0)
    shot("refused")
    assert len(applications(server)) == before


def test_household_size_mismatch_is_shown_at_question_13(page: Page, server: Server, shot: Any) -> None:
    read_guide(page.context, server)
    page.goto(f"{FORM}/s/members")
    choose(page, "q13", "5人")
    page.locator("#q-q14 label.choice", has_text="18-60周岁成年人").click()
    expect(page.locator("#q-q16")).to_be_visible()
    choose(page, "q16", "3人")
    error = page.locator("#e-q13")
    expect(error).to_contain_text("第13题")
    expect(error).to_contain_text("选了5人，但第15到19题各年龄段人数加起来是3人")  # both numbers compared
    shot("error")
    choose(page, "q16", "5人")
    expect(error).to_be_empty()


WRONG_CHECK_DIGIT = "620102198001011230"
"""A resident ID number whose 18th character is not the one its first 17 digits call for (9)."""


def test_a_wrong_id_number_is_outlined_with_its_message_under_it(
    page: Page, server: Server, shot: Any
) -> None:
    read_guide(page.context, server)
    page.goto(f"{FORM}/s/method")
    choose(page, "q1", "本人办理")
    page.fill("#i-q4-name", "张三")
    page.fill("#i-q4-phone", "13800138000")
    page.fill("#i-q4-id_number", WRONG_CHECK_DIGIT)
    page.locator("#i-q4-name").click()  # leaving the ID blank posts it: the swap comes back
    blank, message = page.locator("#i-q4-id_number"), page.locator("#e-q4-id_number")
    expect(message).to_contain_text("身份证号码第18位校验码不对")
    expect(blank).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-q4")).to_be_empty()
    expect(page.locator("#i-q4-phone")).not_to_have_attribute("aria-invalid", "true")
    below, box, phone_label = (
        blank.bounding_box(),
        message.bounding_box(),
        page.locator("label[for=i-q4-phone]"),
    )
    assert below and box and (label := phone_label.bounding_box())
    assert below["y"] + below["height"] <= box["y"] < label["y"]  # right under the ID blank, above the phone
    assert blank.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(176, 0, 32)"  # the error red
    shot("outlined")
    page.fill("#i-q4-id_number", "620102198001011239")
    page.locator("#i-q4-name").click()
    expect(message).to_be_empty()
    expect(blank).not_to_have_attribute("aria-invalid", "true")


def test_a_wrong_2023_id_number_is_outlined_by_the_swap(page: Page, shot: Any) -> None:
    page.goto("/f/gansu-yijian-2023/s/applicant")
    page.fill("#i-name", "张三")
    page.fill("#i-id_number", WRONG_CHECK_DIGIT)
    page.locator("#i-name").click()
    expect(page.locator("#e-id_number")).to_contain_text("第2题：身份证号码第18位校验码不对")
    expect(page.locator("#i-id_number")).to_have_attribute("aria-invalid", "true")
    shot("outlined")


def test_a_wrong_2023_id_number_is_outlined_after_next_without_script(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/f/gansu-yijian-2023/s/applicant")
    page.fill("#i-name", "张三")
    page.fill("#i-id_number", WRONG_CHECK_DIGIT)
    page.click("button[value=next]")
    expect(page.locator("#i-id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-id_number")).to_contain_text("第2题：身份证号码第18位校验码不对")
    context.close()


def test_a_closed_tab_resumes_its_draft(context: BrowserContext, page: Page, server: Server) -> None:
    read_guide(context, server)
    page.goto(f"{FORM}/s/method")
    fill_method(page, server, "13800138011")
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(f"{FORM}/s/residence$"))
    page.close()
    reopened = context.new_page()
    reopened.goto(FORM)
    resume = reopened.locator("#resume")
    expect(resume).to_have_text("继续填写上次的申请")
    resume.click()
    expect(reopened).to_have_url(re.compile(f"{FORM}/s/residence$"))
    reopened.click("button[value=prev]")
    expect(reopened.locator("#i-q4-name")).to_have_value("张三")


def test_the_form_works_without_javascript(browser: Browser, server: Server) -> None:
    """A phone with scripts off gets the same questions through full page loads."""
    context = browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)
    read_guide(context, server)
    page = context.new_page()
    page.goto(f"{FORM}/s/household")
    expect(page.locator("#q-q9")).to_be_hidden()
    choose(page, "q8", "有")
    expect(page.locator("#q-q9")).to_be_hidden()  # nothing changes until the page is sent
    page.click("button[value=next]")
    expect(page.locator("#q-q9")).to_be_visible()
    expect(page.locator("#e-q9")).to_contain_text("第9题还没有回答")
    context.close()


def test_a_resumed_draft_can_be_cleared_after_asking_without_script(browser: Browser, server: Server) -> None:
    context = browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)
    read_guide(context, server)
    page = context.new_page()
    page.goto(f"{FORM}/s/method")
    choose(page, "q1", "本人办理")
    page.fill("#i-q4-name", "王五")
    page.click("button[value=next]")  # the phone is not verified: the page comes back, the draft is kept
    page.goto(FORM)
    expect(page.locator("#resume")).to_have_text("继续填写上次的申请")
    page.screenshot(path=str(ARTIFACTS / "restart-guide.png"))
    page.click("#restart")
    expect(page.locator("#restart-warning")).to_contain_text("不能恢复")
    page.screenshot(path=str(ARTIFACTS / "restart-confirm.png"))
    page.click("#restart-cancel")
    expect(page.locator("#i-q4-name")).to_have_value("王五")  # going back keeps everything
    page.goto(f"{FORM}/restart")
    page.click("#restart-confirm")
    expect(page).to_have_url(re.compile(f"{FORM}/s/method$"))
    expect(page.locator("#i-q4-name")).to_have_value("")
    page.goto(FORM)
    expect(page.locator("#start")).to_be_visible()
    expect(page.locator("#restart")).to_have_count(0)
    context.close()
