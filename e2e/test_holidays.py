"""Adding 2027's holidays in Chromium on a 1366×768 office screen, as a new province admin would: by visible text.

This test runs its own server: saving a year changes the calendar of every deadline the server computes, and the
other browser tests share theirs. One application waits for 2027 before the server starts (submitted on 28 December
2026, its deadline falls in 2027): the save computes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import at_desk, serving_alone
from e2e.support import ARTIFACTS, Server
from shenbao.workflow.calendar import CHINA

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
# Test data only, not the State Council's arrangement for 2027 (its Spring Festival is Saturday 6 February).
HOLIDAYS = "元旦：2027-01-01\n春节：2027-02-05 至 2027-02-11\n国庆节：2027-10-01 至 2027-10-07"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this test's own, with one application waiting for 2027."""
    with serving_alone(
        tmp_path_factory.mktemp("shenbao-holidays"),
        submitted_at=dt.datetime(2026, 12, 28, 10, 0, tzinfo=CHINA),
    ) as server:
        yield server


@pytest.fixture
def desk(browser: Browser, own_server: Server) -> Iterator[Page]:
    """The province admin at an office PC, signed in."""
    with at_desk(browser, own_server, "holiday-admin") as page:
        yield page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"holidays-{name}.png"))


def test_a_province_admin_adds_2027_and_the_waiting_deadline_is_computed(desk: Page) -> None:
    desk.get_by_role("link", name="表单管理").click()
    desk.get_by_role("link", name="节假日安排").click()
    expect(desk.get_by_text("2027年的节假日安排还没有。")).to_be_visible()
    expect(desk.get_by_text("现在有 1 件在等", exact=False)).to_be_visible()
    expect(desk.get_by_text("chinesecalendar 自带")).to_be_visible()
    _shot(desk, "missing")

    desk.get_by_role("link", name="添加2027年").click()
    desk.get_by_label("放假日期").fill(HOLIDAYS)
    desk.get_by_label("调休上班日期").fill("2027-02-20、2027-10-07")  # 7 October is also a day off: refused
    desk.get_by_label("依据").fill("国办发明电〔2026〕测试号")
    desk.get_by_role("button", name="保存2027年").click()

    expect(desk.get_by_text("2027-10-07 既写在放假日期里，又写在调休上班日期里")).to_be_visible()
    expect(desk.get_by_label("放假日期")).to_have_value(HOLIDAYS)  # nothing typed is lost
    _shot(desk, "overlap")
    desk.get_by_label("调休上班日期").fill("2027-02-20、2027-10-09")
    desk.get_by_role("button", name="保存2027年").click()

    expect(desk.get_by_text("已保存2027年的节假日安排，1 个待定的期限已算出")).to_be_visible()
    row = desk.locator("tr", has_text="2027年")
    expect(row).to_contain_text("在这里保存")
    expect(row).to_contain_text("2月5日至11日")
    expect(row).to_contain_text("国办发明电〔2026〕测试号")
    expect(desk.get_by_text("2028年的节假日安排还没有。")).to_be_visible()
    _shot(desk, "saved")
