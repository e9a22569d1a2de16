"""The inbox page on SQLite and PostgreSQL: tabs and filters as plain links with counts, rows, keyset pages."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from shenbao.store.inbox import FILTERS
from shenbao.store.receipts import format_receipt
from tests.staff.inbox_cases import FORM_2021, TODAY, Case, add_case, random_cases
from tests.support.keys import TEST_KEYS
from tests.support.staff import ACCOUNTS, INSIDE, PLACES, add_accounts
from tests.support.web import sign_in

Client = TestClient[Litestar]
MakeClient = Callable[[list[Case]], tuple[Client, list[str]]]
VILLAGE = PLACES["village"]
DAY = dt.timedelta(days=1)


def _seed(database_url: str, cases: list[Case]) -> list[str]:
    """Migrate, add the accounts and ``cases``; return the cases' receipt numbers, in order."""

    async def seed() -> list[str]:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            await add_accounts(database)
            ids = [await add_case(database, case) for case in cases]
            rows = await database.fetch("SELECT id, receipt_number FROM application")
            receipts = {row["id"]: row["receipt_number"] for row in rows}
            return [receipts[number] for number in ids]
        finally:
            await database.close()

    return asyncio.run(seed())


@pytest.fixture
def make_client(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeClient]:
    monkeypatch.setattr("shenbao.web.staff.home._today", lambda: TODAY)
    clients: list[Client] = []

    def make(cases: list[Case]) -> tuple[Client, list[str]]:
        receipts = _seed(database_url, cases)
        settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)
        client = TestClient(create_app(settings), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client, receipts

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _rows(html: str) -> list[str]:
    """The receipt numbers the page lists, in order."""
    return re.findall(r'<span class="receipt-no">([\d ]+)</span>', html)


def _link(html: str, rel: str) -> str:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")


def test_a_village_handler_sees_their_turn_first_with_counts_on_every_link(make_client: MakeClient) -> None:
    client, receipts = make_client(
        [
            Case(place=VILLAGE, name="王秀英", deadline=TODAY + 2 * DAY),
            Case(
                place=VILLAGE,
                name="李建国",
                status="in_progress",
                step="township_review",
                deadline=TODAY + DAY,
            ),
            Case(place=VILLAGE, name="张桂兰", status="approved", step="national_entry"),
        ]
    )
    sign_in(client, "village")
    page = client.get("/staff/").text
    assert _rows(page) == [format_receipt(receipts[0])]  # 轮到我办: the township's case waits higher up
    assert re.search(r'<a href="/staff/\?view=mine" aria-current="page">轮到我办 <b>1</b></a>', page)
    assert '<a href="/staff/?view=all">本辖区全部 <b>3</b></a>' in page
    for label, count in (
        ("全部", 1),
        ("待受理", 1),
        ("办理中", 0),
        ("已超期", 0),
        ("有标记", 0),
        ("绿色通道", 0),
    ):
        assert re.search(rf">{label} <b>{count}</b></a>", page), label
    assert "已审批通过" not in page  # a finished case is nobody's turn: no such filter here
    everything = client.get("/staff/?view=all").text
    assert _rows(everything) == [
        format_receipt(receipt) for receipt in (receipts[1], receipts[0], receipts[2])
    ]
    assert re.search(r">已审批通过 <b>1</b></a>", everything)


def test_a_row_shows_name_village_step_working_days_and_flags(make_client: MakeClient) -> None:
    client, receipts = make_client(
        [
            Case(place=VILLAGE, name="王秀英", deadline=TODAY + 2 * DAY, flagged=True),
            Case(place=VILLAGE, name="李建国", form_id=FORM_2021, deadline=TODAY - 3 * DAY, green=True),
            Case(place=VILLAGE, name="赵玉兰", step=None),
        ]
    )
    sign_in(client, "village")
    page = client.get("/staff/").text
    assert _rows(page) == [format_receipt(receipts[index]) for index in (1, 0, 2)]
    items = re.split(r"<li[ >]", page)[1:]
    assert (
        "<strong>李建国</strong> · 畅家巷社区居委会" in items[0]
        and '<span class="tag green">绿色通道</span>' in items[0]
    )
    assert '家庭经济状况核查 · <span class="overdue">已超期1个工作日</span>' in items[0]  # Friday 29 May
    assert 'class="late"' in items[0]
    assert '村级入户核查 · <span class="due">还剩2个工作日</span>' in items[1]
    assert (
        '<span class="tag flag">需核实</span>' in items[1] and '<span class="tag">待受理</span>' in items[1]
    )
    assert (
        '村级入户核查 · <span class="due">期限待定</span>' in items[2]
    )  # stored before its deadline was known
    assert re.search(r">已超期 <b>1</b></a>", page) and re.search(r">有标记 <b>1</b></a>", page)


def test_filters_are_get_links_that_work_without_javascript(make_client: MakeClient) -> None:
    cases = random_cases([VILLAGE], 25, seed=8)
    client, receipts = make_client(cases)
    sign_in(client, "village")
    for show, keep in (
        ("overdue", lambda case: not case.finished and case.deadline is not None and case.deadline < TODAY),
        ("flagged", lambda case: case.flagged),
        ("green", lambda case: case.green),
        ("refused", lambda case: case.status == "refused"),
    ):
        page = client.get(f"/staff/?view=all&show={show}").text
        want = {format_receipt(receipt) for receipt, case in zip(receipts, cases, strict=True) if keep(case)}
        assert set(_rows(page)) == want, show
        assert re.search(
            rf'href="/staff/\?view=all&amp;show={show}" class="f-{show}( alert)?" aria-current', page
        )


def test_pages_of_fifty_follow_the_order_without_repeats(make_client: MakeClient) -> None:
    cases = [
        Case(place=VILLAGE, deadline=TODAY + (index % 7) * DAY, name=f"户{index}") for index in range(53)
    ]
    client, receipts = make_client(cases)
    sign_in(client, "village")
    first = client.get("/staff/").text
    assert len(_rows(first)) == 50 and 'rel="prev"' not in first
    second = client.get(_link(first, "next")).text
    assert len(_rows(second)) == 3 and 'rel="next"' not in second
    shown = _rows(first) + _rows(second)
    assert sorted(shown) == sorted(format_receipt(receipt) for receipt in receipts)
    back = client.get(_link(second, "prev")).text
    assert _rows(back) == _rows(first)


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_no_view_or_filter_shows_a_case_outside_the_region(make_client: MakeClient, role: str) -> None:
    cases = random_cases(list(PLACES.values()), 40, seed=4)
    client, receipts = make_client(cases)
    inside = {PLACES[place] for place in INSIDE[role]}
    outside = {format_receipt(r) for r, case in zip(receipts, cases, strict=True) if case.place not in inside}
    sign_in(client, role)
    for view in ("mine", "all"):
        for show in FILTERS:
            page = client.get(f"/staff/?view={view}&show={show}")
            assert page.status_code == 200
            assert not set(_rows(page.text)) & outside, (role, view, show)


def test_unknown_parameters_fall_back_to_the_first_page(make_client: MakeClient) -> None:
    client, receipts = make_client([Case(place=VILLAGE)])
    sign_in(client, "village")
    for query in (
        "view=everything",
        "show=drop+table",
        "after=1.2026-99-01.3",
        "before=x",
        "view=all&show=x",
    ):
        page = client.get(f"/staff/?{query}")
        assert page.status_code == 200, query
        assert _rows(page.text) == [format_receipt(receipts[0])], query
    forged = client.get("/staff/?before=%00")  # no page links a control character: refused before the query
    assert forged.status_code == 400 and "这个链接里有不能识别的字符" in forged.text


def test_counts_past_the_cap_read_as_a_badge(
    make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shenbao.store.inbox_sql.COUNT_CAP", 3)
    monkeypatch.setattr("shenbao.web.staff.inbox.COUNT_CAP", 3)
    client, _ = make_client([Case(place=VILLAGE) for _ in range(5)])
    sign_in(client, "village")
    page = client.get("/staff/").text
    assert "轮到我办 <b>3+</b>" in page and len(_rows(page)) == 5
