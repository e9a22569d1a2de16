"""Both Gansu forms to the receipt on a phone whose browser runs no script (old phones, WeChat with script
blocked, a page whose htmx never arrived on 3G), by what the farmer reads on the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.noscript import context_without_script, small_jpeg, snap, submit, yijian_applicant, zizhu_to_review
from e2e.support import Server


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    """A phone-sized page with script off."""
    context = context_without_script(browser, server)
    page = context.new_page()
    yield page
    context.close()


def test_the_2023_one_click_form_without_script(phone: Page, server: Server) -> None:
    page = phone
    yijian_applicant(page, server, "王五", "456", "13912340061", shot=partial(snap, page))
    application = submit(page, server, "确定并申请")
    snap(page, "2023-receipt")
    assert application["form_id"] == "gansu-yijian-2023" and application["region_code"] == "620102001001"
    answers = application["answers"]
    assert isinstance(answers, dict)
    assert (
        answers["name"] == "王五"
        and answers["phone"] == "13912340061"
        and answers["hardship"] == ["disaster"]
    )


def test_the_2021_questionnaire_without_script(phone: Page, server: Server, tmp_path: Path) -> None:
    page = phone
    zizhu_to_review(page, server, "13912340062", small_jpeg(tmp_path / "face.jpg"), shot=partial(snap, page))
    answers = page.locator("#answers")
    expect(answers).to_contain_text("赵六（共1人）：未在手机上手写签名，入户核查时须当面签字")
    expect(page.locator("#t-q46")).to_be_visible()  # the photo, kept and shown
    page.locator("#t-q45").scroll_into_view_if_needed()
    snap(page, "2021-review")
    application = submit(page, server, "确定并申请")
    stored = application["answers"]
    assert isinstance(stored, dict)
    assert stored["q45"] == [{"name": "赵六", "role": "applicant", "sign_at_visit": True}]
    assert stored["q46"]["type"] == "image/jpeg" and re.fullmatch(r"[0-9a-f]{64}", stored["q46"]["file"])
    assert stored["q4"]["phone"] == "13912340062" and application["flags"] == []
