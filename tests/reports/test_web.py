"""The statistics page and the xlsx export over HTTP, per role, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from shenbao import store
from shenbao.app import create_app
from shenbao.exports import HEADERS, XLSX_MEDIA_TYPE
from shenbao.settings import Settings
from tests.reports.known_set import TODAY, add_known_set
from tests.support.applications import Built
from tests.support.keys import TEST_KEYS
from tests.support.samples import id_number
from tests.support.staff import insert_accounts
from tests.support.web import sign_in

Client = TestClient[Litestar]
HEADER_NAMES = [header for header, _ in HEADERS]


@pytest.fixture
def seeded(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, dict[str, Built]]:
    monkeypatch.setattr("shenbao.web.staff.reports._today", lambda: TODAY)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> dict[str, Built]:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            await insert_accounts(database)
            return await add_known_set(database)
        finally:
            await database.close()

    return settings, asyncio.run(seed())


@pytest.fixture
def client(seeded: tuple[Settings, dict[str, Built]]) -> Iterator[Client]:
    with TestClient(create_app(seeded[0]), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _tile(html: str, name: str) -> int:
    match = re.search(rf'id="count-{name}"><b>(\d+)</b>', html)
    assert match, name
    return int(match.group(1))


def _answers_sheet(client: Client) -> list[dict[str, Any]]:
    """The second sheet: every answer, each application read in its own form version."""
    response = client.get("/staff/export.xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames[1] == "全部回答"
    rows = [list(row) for row in workbook["全部回答"].iter_rows(values_only=True)]
    workbook.close()
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]  # trailing blank cells are not read


def _sheet(client: Client) -> list[dict[str, Any]]:
    response = client.get("/staff/export.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
    assert "attachment" in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert rows[0] == HEADER_NAMES
    return [dict(zip(HEADER_NAMES, row, strict=True)) for row in rows[1:]]


def test_the_stats_page_needs_a_session(client: Client) -> None:
    for path in ("/staff/stats", "/staff/export.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/staff/login"


def test_the_inbox_links_to_the_stats_page(client: Client) -> None:
    sign_in(client, "village")
    assert 'href="/staff/stats"' in client.get("/staff/").text


def test_a_county_sees_its_numbers_by_township_and_a_chart(client: Client) -> None:
    sign_in(client, "county")
    page = client.get("/staff/stats")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert _tile(html, "total") == 7  # another county's and another province's applications are not counted
    assert (_tile(html, "submitted"), _tile(html, "in_progress")) == (2, 2)
    assert (_tile(html, "approved"), _tile(html, "refused")) == (2, 1)
    assert (_tile(html, "overdue"), _tile(html, "green")) == (1, 1)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<rect") == 12 and "6月1日起的一周4份" in svg
    assert re.search(r"<td>2026-06-01</td><td>4</td>", html)  # the same numbers in the table beneath
    townships = re.findall(r'<tr data-code="(\d+)"><td>([^<]+)</td><td>(\d+)</td>', html)
    assert ("620102001", "酒泉路街道", "5") in townships and ("620102002", townships[1][1], "2") in townships
    assert all(code.startswith("620102") and len(code) == 9 for code, _, _ in townships)
    assert 'href="/staff/export.xlsx"' in html and "完整的身份证号" in html


def test_a_village_sees_only_its_village(client: Client) -> None:
    sign_in(client, "village")
    html = client.get("/staff/stats").text
    assert _tile(html, "total") == 2 and _tile(html, "approved") == 0 and _tile(html, "overdue") == 1
    assert 'id="sub-regions"' not in html and "已隐去中间几位" in html


def test_a_township_sees_its_villages_and_the_answers_without_one(client: Client) -> None:
    sign_in(client, "township")
    html = client.get("/staff/stats").text
    assert _tile(html, "total") == 5
    assert re.search(r'<tr data-code="620102001"><td>未选到村（居）</td><td>1</td>', html)
    assert re.search(r'<tr data-code="620102001002"><td>[^<]+</td><td>2</td><td>0</td><td>2</td>', html)


def test_the_county_exports_its_approved_applications_whole(
    client: Client, seeded: tuple[Settings, dict[str, Built]]
) -> None:
    applications = seeded[1]
    sign_in(client, "county")
    rows = _sheet(client)
    assert [row["受理号"] for row in rows] == [applications[key].receipt for key in "cde"]
    c, d, e = rows
    assert (c["姓名"], c["身份证号"], c["联系电话"]) == ("丙", id_number(serial="103"), "13900000003")
    assert c["风险类型"] == "因灾（遭受自然灾害）" and c["当前环节"] == "已办结"
    assert c["家庭人口数"] == 5  # a 2023 form asks none: the household check's count
    assert c["村（居）代码"] == "620102001002" and c["区县"] == "城关区"
    assert (d["姓名"], d["家庭人口数"], d["风险类型"]) == ("丁", 3, "家庭成员患重病、子女上学负担重")
    assert (
        d["审批日期"].date().isoformat() == "2026-06-12" and d["申请日期"].date().isoformat() == "2026-06-01"
    )
    assert e["当前环节"] == "录入国家系统" and e["审批日期"].date().isoformat() == "2026-06-11"
    answers = {row["受理号"]: row for row in _answers_sheet(client)}
    assert set(answers) == {applications[key].receipt for key in "cde"}
    first = answers[applications["c"].receipt]
    assert first["版本"] == 1 and first["申请日期"] is not None
    assert id_number(serial="103") in [str(value) for value in first.values()]  # whole, for the county
    assert (
        asyncio.run(_audited(seeded[0].database_url))
        == [("county", "620102", "已审批通过的申请3条，身份证号和手机号完整")] * 2
    )  # the second export: the one whose answers sheet was read


async def _audited(url: str) -> list[tuple[str, str, str]]:
    """The export rows of the audit log: who exported which region, and what."""
    database = await store.open_database(url, keys=TEST_KEYS)
    try:
        rows = await database.fetch("SELECT username, target, detail FROM audit_log WHERE action = 'export'")
    finally:
        await database.close()
    return [(row["username"], row["target"], row["detail"]) for row in rows]


@pytest.mark.parametrize(("role", "expected"), [("township", "cd"), ("province", "cdeh"), ("village", "")])
def test_other_roles_export_their_region_masked(
    client: Client, seeded: tuple[Settings, dict[str, Built]], role: str, expected: str
) -> None:
    applications = seeded[1]
    sign_in(client, role)
    rows = _sheet(client)
    assert sorted(row["受理号"] for row in rows) == sorted(applications[key].receipt for key in expected)
    for row in rows:
        assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", row["身份证号"]), row["身份证号"]
        assert re.fullmatch(r"1\d{2}\*{4}\d{4}", row["联系电话"]), row["联系电话"]
        assert row["姓名"]
    for row in _answers_sheet(client):  # every answer too: no identity number or phone whole
        cells = " ".join(str(value) for value in row.values() if value is not None)
        assert not re.search(r"\d{17}[\dX]", cells) and not re.search(r"1\d{10}", cells), cells


def test_the_temporary_workbook_is_deleted_after_it_is_sent(client: Client) -> None:
    sign_in(client, "county")
    before = set(Path(tempfile.gettempdir()).glob("shenbao-export-*.xlsx"))
    _sheet(client)
    assert set(Path(tempfile.gettempdir()).glob("shenbao-export-*.xlsx")) <= before
