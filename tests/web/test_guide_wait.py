"""The guide's 60-second wait of the 2021 form is kept by the server, counted from the browser's first visit."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator

import pytest
import time_machine
from httpx import Response
from itsdangerous.encoding import base64_encode, int_to_bytes
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.settings import Settings
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, mark_path, sign_mark

Client = TestClient[Litestar]
ZIZHU = "/f/gansu-zizhu-2021"
YIJIAN = "/f/gansu-yijian-2023"
START = dt.datetime(2026, 6, 1, 9, 0, 0, tzinfo=dt.UTC)
SECTION_PAGE = 'id="q-q1"'  # the first question of the 2021 form: the section itself, not the guide


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def waiting(page: str) -> int | None:
    """The seconds the refused page says are left, or ``None`` when it is not a refusal."""
    match = re.search(r"请先阅读申报指南。<span id=\"wait-left\">还需等待(\d+)秒才能开始申请。</span>", page)
    return int(match.group(1)) if match else None


def guide_cookie(response: Response) -> str | None:
    """The Set-Cookie header of the guide mark in ``response``, if it sets one."""
    headers = response.headers.get_list("set-cookie")
    return next((header for header in headers if header.startswith(f"{GUIDE_COOKIE}=")), None)


def drafts(settings: Settings) -> int:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM draft").fetchone()[0])


def test_the_guide_starts_the_wait_with_a_signed_cookie_for_the_form(
    new_phone: Client, clock: time_machine.Traveller
) -> None:
    response = new_phone.get(ZIZHU)
    cookie = guide_cookie(response)
    assert cookie is not None
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and f"Path={ZIZHU};" in cookie + ";"
    assert "Max-Age=259200" in cookie  # three days
    assert 'data-wait="60"' in response.text and waiting(response.text) is None


def test_a_section_opened_10_seconds_after_the_guide_is_refused_then_opens_after_61(
    new_phone: Client, clock: time_machine.Traveller
) -> None:
    new_phone.get(ZIZHU)
    clock.shift(10)
    refused = new_phone.get(f"{ZIZHU}/s/method")
    assert refused.status_code == 200 and waiting(refused.text) == 50
    assert SECTION_PAGE not in refused.text and refused.headers["cache-control"] == "no-store"
    assert re.search(rf'id="start" href="{ZIZHU}/s/method" data-wait="50"', refused.text)  # the countdown
    assert guide_cookie(refused) is None  # the first mark stays
    clock.shift(51)
    opened = new_phone.get(f"{ZIZHU}/s/method")
    assert SECTION_PAGE in opened.text and waiting(opened.text) is None


def test_a_direct_link_without_a_mark_is_refused_for_the_whole_wait_and_sets_the_mark(
    new_phone: Client, clock: time_machine.Traveller
) -> None:
    refused = new_phone.get(f"{ZIZHU}/s/method?region=620102001001")
    assert waiting(refused.text) == 60 and guide_cookie(refused) is not None
    assert f'href="{ZIZHU}/s/method?region=620102001001"' in refused.text  # the QR code's village is kept
    clock.shift(59)
    assert waiting(new_phone.get(f"{ZIZHU}/s/method").text) == 1
    clock.shift(2)
    assert SECTION_PAGE in new_phone.get(f"{ZIZHU}/s/method").text


def test_reopening_the_guide_keeps_the_first_mark(new_phone: Client, clock: time_machine.Traveller) -> None:
    new_phone.get(ZIZHU)
    clock.shift(30)
    again = new_phone.get(ZIZHU)
    assert guide_cookie(again) is None
    assert 'data-wait="30"' in again.text and again.headers["cache-control"] == "no-store"
    clock.shift(31)
    ready = new_phone.get(ZIZHU)
    assert 'data-wait="0"' in ready.text and "etag" in ready.headers  # shared again: nothing left to wait
    assert SECTION_PAGE in new_phone.get(f"{ZIZHU}/s/method").text


def test_a_revalidated_guide_still_sets_a_missing_mark(app: Litestar, clock: time_machine.Traveller) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as first:
        shown = first.get(ZIZHU)
        etag = shown.headers["etag"]
        assert shown.headers["cache-control"] == "private, no-cache"
        again = first.get(ZIZHU, headers={"if-none-match": etag})
        assert again.status_code == 304 and guide_cookie(again) is None  # it has its mark
    with TestClient(app, base_url="http://127.0.0.1") as cleared:  # the same cached page, cookies cleared
        revalidated = cleared.get(ZIZHU, headers={"if-none-match": etag})
        assert revalidated.status_code == 304 and guide_cookie(revalidated) is not None
        clock.shift(10)
        assert waiting(cleared.get(f"{ZIZHU}/s/method").text) == 50


def test_every_page_that_would_start_the_form_waits(
    new_phone: Client, settings: Settings, clock: time_machine.Traveller
) -> None:
    new_phone.get(ZIZHU)
    clock.shift(5)
    posted = new_phone.post(
        f"{ZIZHU}/s/household", data={"_q": ["q8"], "q8": "yes", "nav": "next"}, follow_redirects=False
    )
    assert posted.status_code == 200 and waiting(posted.text) == 55
    assert "刚才填写的内容没有保存" in posted.text
    swap = new_phone.post(f"{ZIZHU}/s/household/answer", data={"_q": ["q8"], "q8": "yes"})
    assert swap.headers["hx-redirect"] == f"{ZIZHU}/s/household"  # htmx reloads the page: the guide
    assert waiting(new_phone.get(f"{ZIZHU}/review").text) == 55
    assert waiting(new_phone.post(f"{ZIZHU}/submit", follow_redirects=False).text) == 55
    assert drafts(settings) == 0 and "sb_draft" not in new_phone.cookies
    clock.shift(55)
    swap = new_phone.post(f"{ZIZHU}/s/household/answer", data={"_q": ["q8"], "q8": "yes"})
    assert "hx-redirect" not in swap.headers and 'id="q-q9"' in swap.text
    assert drafts(settings) == 1


def test_a_swap_without_a_mark_sets_it(new_phone: Client, clock: time_machine.Traveller) -> None:
    swap = new_phone.post(f"{ZIZHU}/s/household/answer", data={"_q": ["q8"], "q8": "yes"})
    assert "hx-redirect" in swap.headers and guide_cookie(swap) is not None
    clock.shift(20)
    assert waiting(new_phone.get(f"{ZIZHU}/s/household").text) == 40


def test_a_browser_with_a_draft_is_past_the_guide(new_phone: Client, clock: time_machine.Traveller) -> None:
    new_phone.get(ZIZHU)
    clock.shift(61)
    new_phone.post(f"{ZIZHU}/s/household/answer", data={"_q": ["q8"], "q8": "yes"})
    clock.shift(dt.timedelta(days=4).total_seconds())  # the mark has expired; the draft is kept for weeks
    new_phone.cookies.delete(GUIDE_COOKIE)
    page = new_phone.get(f"{ZIZHU}/s/household").text
    assert waiting(page) is None and re.search(r'value="yes" checked', page)
    assert "继续填写上次的申请" in new_phone.get(ZIZHU).text


def test_a_mark_older_than_three_days_starts_the_wait_again(
    new_phone: Client, clock: time_machine.Traveller
) -> None:
    old = sign_mark("test", "gansu-zizhu-2021", opened=START.timestamp() - 3 * 86400 - 1)
    new_phone.cookies.set(GUIDE_COOKIE, old, domain="127.0.0.1", path=ZIZHU)
    refused = new_phone.get(f"{ZIZHU}/s/method")
    assert waiting(refused.text) == 60 and guide_cookie(refused) is not None


def test_the_2023_form_has_no_wait(new_phone: Client, clock: time_machine.Traveller) -> None:
    guide = new_phone.get(YIJIAN)
    assert guide_cookie(guide) is None and 'data-wait="0"' in guide.text
    page = new_phone.get(f"{YIJIAN}/s/applicant")
    assert waiting(page.text) is None and 'id="q-name"' in page.text
    swap = new_phone.post(f"{YIJIAN}/s/applicant/answer", data={"_q": ["name"], "name": "张三"})
    assert "hx-redirect" not in swap.headers


def _backdated() -> str:
    """A genuine mark of the moment, its date moved back ten minutes (its signature kept)."""
    form, _, signature = sign_mark("test", "gansu-zizhu-2021", opened=START.timestamp()).split(".")
    earlier = base64_encode(int_to_bytes(int(START.timestamp()) - 600)).decode()
    return f"{form}.{earlier}.{signature}"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(
            sign_mark("someone-else", "gansu-zizhu-2021", opened=START.timestamp() - 120), id="forged"
        ),
        pytest.param(_backdated(), id="backdated"),
        pytest.param(
            sign_mark("test", "gansu-yijian-2023", opened=START.timestamp() - 120), id="another-form's"
        ),
        pytest.param(
            sign_mark("test", "gansu-zizhu-2021", opened=START.timestamp() + 600), id="from-the-future"
        ),
        pytest.param("gansu-zizhu-2021.1700000000", id="unsigned"),
    ],
)
def test_a_forged_or_tampered_mark_counts_as_none(
    new_phone: Client, clock: time_machine.Traveller, value: str
) -> None:
    new_phone.cookies.set(GUIDE_COOKIE, value, domain="127.0.0.1", path=mark_path("", "gansu-zizhu-2021"))
    refused = new_phone.get(f"{ZIZHU}/s/method")
    assert waiting(refused.text) == 60
    cookie = guide_cookie(refused)
    assert cookie is not None and value not in cookie  # replaced by a genuine mark, dated now


def test_the_api_is_not_gated(new_phone: Client) -> None:
    response = new_phone.post("/api/v1/forms/gansu-zizhu-2021/evaluate", json={"answers": {"q1": "self"}})
    assert response.status_code == 200 and "visible" in response.json()
