"""The form builder in Chromium on a 1366×768 office screen, tried as a new admin would: by visible text, with
the mouse, the phone preview beside the outline."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import at_desk
from e2e.support import ARTIFACTS, Server

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
_ADMINS = itertools.count(1)
"""The server lives for the session: each test's admin is a new account."""


@pytest.fixture
def desk(browser: Browser, server: Server) -> Iterator[Page]:
    """A province admin at an office PC, signed in."""
    with at_desk(browser, server, f"form-admin{next(_ADMINS)}") as page:
        yield page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"builder-{name}.png"))


def _saving(page: Page, action: Callable[[], object]) -> None:
    """Do ``action``, which posts one change, and wait until its answer is on the page."""
    with page.expect_response(lambda response: response.request.method == "POST"):
        action()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def _open(page: Page, question_id: str) -> None:
    """Click a question in the outline: it opens in the panel."""
    with page.expect_response(lambda response: f"q={question_id}" in response.url):
        page.locator(f"#o-{question_id} a").click()
    _settle(page)
    expect(page.locator(f"#o-{question_id}")).to_have_class(re.compile("selected"))


def _settle(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def _add(page: Page, kind: str) -> None:
    page.locator("form.add").last.locator("select[name=kind]").select_option(label=kind)
    _saving(page, page.locator("form.add").last.get_by_role("button", name="＋ 添加题目").click)
    expect(page.locator("#panel h2")).to_contain_text(kind)


def _type(page: Page, selector: str, text: str) -> None:
    """Type into a field of the panel and leave it: the panel saves it."""
    field = page.locator(selector)
    field.fill(text)
    _saving(page, field.blur)


def _label(page: Page, text: str) -> None:
    _type(page, "#f-label", text)


def test_an_admin_builds_a_form_and_tries_it_on_the_phone(desk: Page) -> None:
    page = desk
    page.goto("/admin/")
    page.get_by_role("link", name="＋ 新建表单").click()
    page.get_by_label("表单名称").fill("临时救助申请")
    page.get_by_label(re.compile("代号")).fill("relief-e2e")
    page.get_by_role("button", name="建好，开始添加题目").click()
    expect(page.locator("#form-title")).to_have_text("临时救助申请")

    _add(page, "单选题")
    _label(page, "家里有没有人生病")
    _type(page, "input[name='option.opt1']", "有")
    _type(page, "input[name='option.opt2']", "没有")
    expect(page.locator("#o-q2")).to_contain_text("家里有没有人生病")

    _add(page, "多选题")
    _label(page, "家里有哪些困难")
    _saving(page, page.get_by_role("button", name="＋ 添加选项").click)
    _type(page, "input[name='option.opt1']", "看病花钱多")
    _type(page, "input[name='option.opt2']", "孩子上学")
    _type(page, "input[name='option.opt3']", "以上都没有")
    _saving(page, page.locator("input[name='exclusive.opt3']").check)

    _add(page, "数字题")
    _label(page, "家里几口人")
    _type(page, "#f-max", "二十")
    expect(page.locator("#e-max")).to_have_text("“最大值”请填整数，例如 10")
    _type(page, "#f-max", "20")
    expect(page.locator("#e-max")).to_be_empty()

    _add(page, "填空题")
    _label(page, "说说您家的情况")
    _add(page, "地区选择")
    _label(page, "您家住在哪里")
    _saving(page, lambda: page.locator("#f-depth").select_option(label="村（社区）"))
    _add(page, "手机号码")
    _label(page, "联系电话")
    expect(page.locator("ol[data-section] li")).to_have_count(7)
    expect(page.locator("#o-q3")).to_contain_text("多选题")
    expect(page.locator("#problem-count")).to_have_text("没有问题")
    _shot(page, "six-questions")

    preview = page.frame_locator("#preview")
    expect(preview.get_by_text("家里有没有人生病")).to_be_visible()
    preview.get_by_text("看病花钱多", exact=True).click()
    preview.get_by_text("以上都没有").click()
    expect(
        preview.get_by_text("选了“以上都没有”就不能再选其他项")
    ).to_be_visible()  # the exclusive flag, working
    preview.get_by_text("看病花钱多", exact=True).click()
    expect(preview.get_by_text("选了“以上都没有”就不能再选其他项")).to_be_hidden()

    _saving(page, page.locator("#undo").click)
    expect(page.locator("#o-q7")).to_contain_text("新的手机号码")  # the label undone
    _saving(page, page.locator("#undo").click)
    expect(page.locator("#o-q7")).to_have_count(0)  # the question undone
    _saving(page, page.locator("#redo").click)
    _saving(page, page.locator("#redo").click)
    expect(page.locator("#o-q7")).to_contain_text("联系电话")
    expect(page.locator("#redo")).to_be_disabled()

    # 说说您家的情况 shows only when both hold: 家里有哪些困难 ticks 看病花钱多, and someone is ill
    _open(page, "q5")
    _saving(page, page.get_by_role("button", name="＋ 设置显示条件").click)
    _saving(page, page.get_by_role("button", name="＋ 并且").click)
    second = page.locator("#rule-visible_if-0 .cond").nth(1)
    _saving(
        page, lambda: second.locator("select[name='q.r.1']").select_option(label="第2题：家里有没有人生病")
    )
    expect(page.locator("#sentence-visible_if-0")).to_have_text(
        "第3题选了“看病花钱多”，并且第2题选“有”时显示"
    )
    _shot(page, "two-conditions")

    # 家里有没有人生病 选“没有” ends the form: a jump to a 不能申请 page
    _open(page, "q2")
    _saving(page, page.get_by_role("button", name="＋ 跳转到结果页").click)
    _saving(page, lambda: page.locator("#rule-jump-0 select[name='v.r']").select_option(label="没有"))
    expect(page.locator("#sentence-jump-0")).to_contain_text("第2题选“没有”时转到结束页")

    preview = page.frame_locator("#preview")
    preview.get_by_role("link", name=re.compile("清空答案")).click()
    hidden_q5 = preview.locator("#why-hidden")
    expect(preview.locator("legend", has_text="说说您家的情况")).to_be_hidden()
    hidden_q5.get_by_text("第5题“说说您家的情况”为什么没显示").click()
    expect(hidden_q5).to_contain_text("第3题选了“看病花钱多”，并且第2题选“有”时显示；现在第2题还没有回答")
    preview.get_by_text("有", exact=True).click()
    preview.get_by_text("看病花钱多", exact=True).click()
    expect(preview.locator("legend", has_text="说说您家的情况")).to_be_visible()
    expect(hidden_q5).to_contain_text("本页的题目都显示了")
    preview.get_by_text("没有", exact=True).click()
    expect(preview.locator("strong", has_text="您不能申请")).to_be_visible()
    expect(hidden_q5).to_contain_text("第2题选“没有”时转到结束页")
    _shot(page, "blocked-in-preview")

    # the answers that end the form become a scenario, which passes
    with page.expect_response(lambda response: "panel=scenarios" in response.url):
        page.locator("#scenario-badge").click()
    _settle(page)
    page.get_by_label("场景名称").fill("没人生病不能申请")
    _saving(page, page.get_by_role("button", name="把预览里的回答存为场景").click)
    expect(page.locator("#scenario-badge")).to_have_text("1个场景全部通过")

    # deleting the option 有 breaks both rules that name it: the error is at 说说您家的情况
    _open(page, "q2")
    _saving(page, page.locator("#opt-1").get_by_role("button", name="删").click)
    expect(page.locator("#o-q5")).to_contain_text("处问题")
    _open(page, "q5")
    expect(page.locator("#panel-problems")).to_contain_text("选项“opt1”已不存在")
    _shot(page, "broken-rule")
    _saving(page, page.locator("#undo").click)
    expect(page.locator("#problem-count")).to_have_text("没有问题")
    expect(page.locator("#scenario-badge")).to_have_text("1个场景全部通过")


def test_an_admin_edits_the_blanks_of_a_fields_question(desk: Page) -> None:
    page = desk
    page.goto("/admin/")
    page.get_by_role("link", name="＋ 新建表单").click()
    page.get_by_label("表单名称").fill("联系方式登记")
    page.get_by_label(re.compile("代号")).fill("blanks-e2e")
    page.get_by_role("button", name="建好，开始添加题目").click()
    expect(page.locator("#form-title")).to_have_text("联系方式登记")

    _add(page, "多项填空")
    _saving(page, page.get_by_role("button", name="＋ 添加填空").click)
    expect(page.locator("#blanks .blank")).to_have_count(2)
    _type(page, "#blank-f2-label", "联系电话")
    expect(page.locator("#blank-f2-verify")).to_be_hidden()
    _saving(page, lambda: page.locator("#blank-f2-kind").select_option(label="手机号码"))
    expect(page.locator("#blank-f2-verify")).to_be_visible()  # shown as soon as it is a phone blank
    _saving(page, page.locator("#blank-f2-verify").check)
    _type(page, "#blank-f2-max_chars", "十一")
    expect(page.locator("#e-blank-f2")).to_contain_text("“联系电话”的最多字数请填整数")
    _type(page, "#blank-f2-max_chars", "11")
    expect(page.locator("#e-blank-f2")).to_be_empty()
    _saving(page, page.locator("#blank-2").get_by_role("button", name="↑").click)
    expect(page.locator("#blank-1 input[name='field.f2.label']")).to_have_value("联系电话")
    expect(page.locator("#blank-f2-verify")).to_be_checked()
    expect(page.frame_locator("#preview").get_by_text("联系电话")).to_be_visible()
    _shot(page, "blanks")
    _saving(page, page.locator("#blank-2").get_by_role("button", name="删").click)
    expect(page.locator("#blanks .blank")).to_have_count(1)
    expect(page.locator("#blank-1").get_by_role("button", name="删")).to_be_disabled()
