"""``/admin/holidays`` in the browser's shoes: the years listed, a year added, each bad input refused at its box with
what was typed kept, two saves of one year, a deletion, and accounts other than the province admin's refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from types import SimpleNamespace
from typing import cast

import pytest
import time_machine
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.cases import submit_evaluated
from shenbao.forms import evaluate
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.settings import Settings
from shenbao.store import holidays as stored
from shenbao.web.services import Services
from shenbao.workflow.calendar import CHINA
from tests.support.beside import fetch
from tests.support.samples import one_click_2023
from tests.support.web import csrf_of, sign_in

Client = TestClient[Litestar]
YEAR_URL = "/admin/holidays/gansu/2027"
# Test data only, not the State Council's arrangement for 2027 (its Spring Festival is Saturday 6 February).
HOLIDAYS = "元旦：2027-01-01\n春节：2027-02-05 至 2027-02-11\n国庆节：2027-10-01 至 2027-10-07"
WORKDAYS = "2027-02-20、2027-10-09"


def _submit_pending(settings: Settings) -> None:
    """An application submitted on Monday 28 December 2026: its deadline falls in 2027, so it waits (期限待定)."""

    async def submit() -> None:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            form = FormRegistry.from_packs(["gansu"]).get("gansu-yijian-2023")
            assert form is not None
            services = cast(
                Services, SimpleNamespace(database=database, chains=ChainRegistry.from_packs(["gansu"]))
            )
            with time_machine.travel(dt.datetime(2026, 12, 28, 10, 0, tzinfo=CHINA), tick=False):
                await submit_evaluated(
                    services, form, evaluate(form, one_click_2023()), idempotency_key="k1", draft_token=None
                )
        finally:
            await database.close()

    asyncio.run(submit())


@pytest.fixture
def waiting(admin_settings: Settings) -> Iterator[Client]:
    """The province admin, with one application whose deadline waits for 2027."""
    _submit_pending(admin_settings)
    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "province").status_code == 303  # type: ignore[attr-defined]
        yield client


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _save(client: Client, holidays: str = HOLIDAYS, workdays: str = WORKDAYS, **fields: str) -> object:
    page = client.get(YEAR_URL)
    rev = re.search(r'name="rev" value="(\d+)"', page.text)
    assert rev, page.text
    data = {"_csrf": csrf_of(page.text), "rev": rev.group(1), "holidays": holidays, "workdays": workdays}
    return client.post(YEAR_URL, data={**data, "note": "测试通知", **fields}, follow_redirects=False)


def _saved_years(settings: Settings) -> list[tuple[object, ...]]:
    return fetch(settings.database_url, "SELECT pack, year, revision, note FROM holiday_year ORDER BY year")


def test_the_page_lists_the_years_and_names_the_missing_one(waiting: Client) -> None:
    page = waiting.get("/admin/holidays")
    assert page.status_code == 200
    text = _text(page.text)
    assert "2004–2026年 chinesecalendar 自带 国务院已公布的安排，随程序安装，只读" in text
    assert (
        "2027年的节假日安排还没有。 期限落在2027年的申请显示“期限待定”，保存这一年后立即算出（现在有 1 件在等）"
        in text
    )
    assert f'href="{YEAR_URL}"' in page.text


def test_a_good_year_is_saved_and_the_waiting_deadline_computed(
    waiting: Client, admin_settings: Settings
) -> None:
    saved = _save(waiting)
    assert saved.status_code == 303  # type: ignore[attr-defined]

    page = waiting.get(saved.headers["location"])  # type: ignore[attr-defined]

    text = _text(page.text)
    assert "已保存2027年的节假日安排，1 个待定的期限已算出" in text
    assert "2027年 在这里保存 第1版 1月1日；2月5日至11日；10月1日至7日 2月20日；10月9日 测试通知" in text
    assert "2028年的节假日安排还没有" in text and "（现在没有申请在等）" in text
    assert _saved_years(admin_settings) == [("gansu", 2027, 1, "测试通知")]
    [(deadline,)] = fetch(admin_settings.database_url, "SELECT deadline FROM application")
    assert str(deadline) == "2027-01-05"  # 29, 30, 31 December; 1 January is off; 4 and 5 January
    again = waiting.get(YEAR_URL)
    assert "2027-02-05 至 2027-02-11" in again.text and 'name="rev" value="1"' in again.text


@pytest.mark.parametrize(
    ("holidays", "workdays", "box", "message"),
    [
        pytest.param(
            HOLIDAYS, "2027-02-20、2027-10-07", "workdays",
            "2027-10-07 既写在放假日期里，又写在调休上班日期里：一天只能是其中一种，请按通知从一边删掉",
            id="overlap",
        ),
        pytest.param(
            HOLIDAYS, "2027-02-20、2027-02-17", "workdays",
            "2027-02-17（星期三） 本来就是工作日，不是调休上班日：调休上班日只能是周六或周日，请按通知改正或删掉",
            id="weekday adjusted working day",
        ),
        pytest.param(
            "2027-01-01\n2027-10-01 至 2027-10-07", "2027-10-09", "holidays",
            "2027年的春节（农历正月初一，2027-02-06（星期六））不在放假日期里：每年都放春节假，请按通知把春节假期补上",
            id="no Spring Festival",
        ),
        pytest.param(
            HOLIDAYS + "\n2027-13-01", WORKDAYS, "holidays", "第4行“2027-13-01”这一天不存在：请核对月份和日子",
            id="a line that is not a date",
        ),
    ],
)  # fmt: skip
def test_a_bad_year_is_refused_at_its_box_with_what_was_typed_kept(
    admin: Client, admin_settings: Settings, holidays: str, workdays: str, box: str, message: str
) -> None:
    refused = _save(admin, holidays, workdays, note="国办发明电〔2026〕测试号")

    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    errors = re.search(rf'<div class="field-error" id="e-{box}" role="alert">(.*?)</div>', html, re.S)
    assert errors and message in unescape(errors.group(1))
    assert f'aria-describedby="e-{box}"' in html
    assert f">{holidays}</textarea>" in unescape(html) and f">{workdays}</textarea>" in unescape(html)
    assert 'value="国办发明电〔2026〕测试号"' in html
    assert _saved_years(admin_settings) == []


def test_a_year_chinesecalendar_has_is_read_only(admin: Client) -> None:
    page = admin.get("/admin/holidays/gansu/2026")
    assert "2026年的放假安排 chinesecalendar 已经有了" in page.text and 'id="save-year"' not in page.text
    other = admin.get("/admin/holidays/gansu/year", params={"year": "二〇二八"}, follow_redirects=False)
    assert other.status_code == 422 and "请填写四位数的年份，例如 2028" in other.text
    assert 'value="二〇二八"' in other.text
    opened = admin.get("/admin/holidays/gansu/year", params={"year": "2028"}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/admin/holidays/gansu/2028"


def test_a_save_made_on_an_older_revision_is_told_and_keeps_what_was_typed(
    admin: Client, admin_settings: Settings
) -> None:
    page = admin.get(YEAR_URL)
    token = csrf_of(page.text)
    first = {"_csrf": token, "rev": "0", "holidays": HOLIDAYS, "workdays": WORKDAYS, "note": "先保存的"}
    assert admin.post(YEAR_URL, data=first, follow_redirects=False).status_code == 303

    late = admin.post(YEAR_URL, data={**first, "note": "晚了一步"}, follow_redirects=False)

    assert late.status_code == 409
    assert "另一位管理员刚刚保存了2027年的安排（第1版" in late.text and 'value="晚了一步"' in late.text
    assert 'name="rev" value="1"' in late.text  # saving again now overrides knowingly
    assert _saved_years(admin_settings) == [("gansu", 2027, 1, "先保存的")]


def test_a_saved_year_is_deleted_from_its_page(admin: Client, admin_settings: Settings) -> None:
    assert _save(admin).status_code == 303  # type: ignore[attr-defined]
    page = admin.get(YEAR_URL)
    deleted = admin.post(
        f"{YEAR_URL}/delete", data={"_csrf": csrf_of(page.text), "rev": "1"}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert "已删除2027年的节假日安排" in admin.get(deleted.headers["location"]).text
    assert _saved_years(admin_settings) == []


@pytest.mark.parametrize(
    ("username", "message"),
    [
        pytest.param("county", "省级管理员可以维护本省配置包的节假日安排", id="county with the form grant"),
        pytest.param("village", "只有省级账号可以制作和修改表单", id="village"),
    ],
)
def test_an_account_other_than_the_province_admins_is_refused(
    admin: Client, admin_settings: Settings, username: str, message: str
) -> None:
    fetch(admin_settings.database_url, "UPDATE staff SET form_admin = TRUE WHERE username = 'county'")
    admin.cookies.clear()
    assert sign_in(admin, username).status_code == 303  # type: ignore[attr-defined]
    token = csrf_of(
        admin.get("/staff/").text
    )  # their own session's token: the refusal is not the CSRF check's

    for response in (
        admin.get("/admin/holidays/"),
        admin.get(YEAR_URL),
        admin.post(YEAR_URL, data={"_csrf": token, "rev": "0", "holidays": HOLIDAYS, "workdays": WORKDAYS}),
    ):
        assert response.status_code == 403 and message in response.text
    assert _saved_years(admin_settings) == []


def test_only_the_province_admin_sees_the_link_to_the_page(admin: Client, admin_settings: Settings) -> None:
    assert 'id="holidays-link"' in admin.get("/admin/").text
    fetch(admin_settings.database_url, "UPDATE staff SET form_admin = TRUE WHERE username = 'county'")
    admin.cookies.clear()
    assert sign_in(admin, "county").status_code == 303  # type: ignore[attr-defined]
    listed = admin.get("/admin/")
    assert listed.status_code == 200 and 'id="holidays-link"' not in listed.text


def test_a_year_saved_before_a_start_fills_the_waiting_deadline_at_that_start(
    admin_settings: Settings,
) -> None:
    _submit_pending(admin_settings)

    async def saved_while_stopped() -> None:
        database = await store.open_database(admin_settings.database_url, keys=admin_settings.keys)
        try:
            await stored.save_holiday_year(
                database, pack="gansu", year=2027, holidays=[dt.date(2027, 1, 1), dt.date(2027, 2, 6)], workdays=[],
                note="", expected=0, staff_id=1, now=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        finally:
            await database.close()

    asyncio.run(saved_while_stopped())
    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1"):
        [(deadline,)] = fetch(admin_settings.database_url, "SELECT deadline FROM application")
    assert (
        str(deadline) == "2027-01-05"
    )  # the saved year is installed before the pending deadlines are filled
