"""The chain editor in Chromium on a 1366×768 office screen, tried as a new province admin would, by visible text:
a step's deadline changed, the dated timeline across National Day 2026 following it, the chain published, a new
case started on the new version while the case already open keeps its own.

This test runs its own server: publishing a chain changes the deadlines of every new case, and the other browser
tests share theirs. One case is open before the server starts (submitted on 28 September 2026).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.farmer import applications
from e2e.staff import at_desk, serving_alone, submit_one_click
from e2e.support import ARTIFACTS, PHONE, Server
from shenbao.workflow.calendar import CHINA

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this test's own, with one case open on the chain's first version."""
    with serving_alone(
        tmp_path_factory.mktemp("shenbao-chains"), submitted_at=dt.datetime(2026, 9, 28, 10, 0, tzinfo=CHINA)
    ) as server:
        yield server


@pytest.fixture
def desk(browser: Browser, own_server: Server) -> Iterator[Page]:
    with at_desk(browser, own_server, "chain-admin") as page:
        yield page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chain-{name}.png"))


def test_a_deadline_changed_in_the_editor_reaches_new_cases_and_not_the_open_one(
    desk: Page, browser: Browser, own_server: Server
) -> None:
    desk.get_by_role("link", name="表单管理").click()
    desk.get_by_role("link", name="审批流程").click()
    desk.locator("#chain-gansu-yijian-2023").get_by_role("link", name="编辑").click()
    desk.get_by_label("如果在").fill("2026-09-28")
    desk.get_by_role("button", name="看期限").click()
    timeline = desk.locator("#timeline")
    expect(desk.locator("#due-household_check")).to_contain_text("10月10日 周六")  # a 调休 working Saturday
    expect(timeline).to_contain_text("国庆节")
    expect(timeline).to_contain_text("调休上班")
    _shot(desk, "before")

    step = desk.locator("#step-household_check")
    step.get_by_label("期限").fill("7")
    step.get_by_role("button", name="保存这一步").click()
    desk.get_by_label("如果在").fill("2026-09-28")
    desk.get_by_role("button", name="看期限").click()
    expect(desk.locator("#due-household_check")).to_contain_text("10月13日 周二")
    expect(desk.locator(".chain-head")).to_contain_text("期限改为提交后7个工作日")
    _shot(desk, "after")
    green = desk.locator("#green-rule")
    expect(green).to_contain_text("第5题选了“因灾（遭受自然灾害）”“因意外事故”中任一项")
    green.get_by_label("因病（家里有人生病）").check()
    green.get_by_role("button", name="保存条件").click()
    expect(desk.locator("#green-sentence")).to_contain_text(
        "“因病（家里有人生病）”“因灾（遭受自然灾害）”“因意外事故”中任一项"
    )
    desk.locator("#chain-settings").screenshot(path=str(ARTIFACTS / "chain-settings.png"))

    desk.get_by_label("为什么发布（记入操作日志）").fill("入户核查放宽到7个工作日")
    desk.get_by_role("button", name="发布新版本").click()
    expect(desk.locator("#published")).to_contain_text("已发布为第2版")
    expect(desk.locator(".chain-head")).to_contain_text("新申请现用第2版")

    phone = browser.new_context(base_url=own_server.url, **PHONE)
    submit_one_click(phone.new_page(), own_server, "王五", "13800005555")
    phone.close()
    open_case, new_case = applications(own_server)[-2:]
    assert (open_case["chain_version"], open_case["deadline"]) == (1, "2026-10-10")  # kept its own
    assert new_case["chain_version"] == 2
    assert json.loads(new_case["workflow_state"])["chain_version"] == 2
