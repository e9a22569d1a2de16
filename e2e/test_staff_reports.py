"""The statistics page on a phone: a county's numbers, the weekly chart, the table, and the Excel export."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from tests.reports.known_set import add_application, yijian, zizhu
from tests.support.applications import YIJIAN, ZIZHU

from e2e.support import KEYS, Server
from shenbao import store
from shenbao.china_time import CHINA

COUNTY = "623001"  # 合作市, where no other browser test files an application
PASSWORD = "reports-pass-9"


async def _seed(server: Server) -> int:
    """Applications over the last weeks in several townships of the county; returns how many are approved."""
    today = dt.datetime.now(CHINA).date()
    villages = ["623001001001", "623001001002", "623001100201", "623001101200", "623001200200"]
    database = await store.open_database(server.database_url, keys=KEYS)
    approved = 0
    try:
        for index in range(24):
            village = villages[index % len(villages)]
            day = today - dt.timedelta(days=(index * 37) % 80)
            finish = index % 4 == 0
            approved += finish
            if index % 3 == 0:
                answers = zizhu("马" + "一二三四五六七八九十"[index % 10], f"{index:03d}", f"139{index:08d}")
                form_id = ZIZHU
            else:
                hardship = ["disaster"] if index % 5 == 0 else ["illness"]
                answers = yijian("杨" + "一二三四五六七八九十"[index % 10], f"{index:03d}", f"138{index:08d}")
                answers = {**answers, "address": village, "hardship": hardship}
                form_id = YIJIAN
            await add_application(
                database,
                form_id=form_id,
                region=village,
                answers=answers,
                actions=0 if finish else index % 3,
                finish=finish,
                # The chain's dates run 40 days earlier, so every deadline stays in a year the calendar knows.
                submitted_on=day - dt.timedelta(days=40),
                created_at=dt.datetime.combine(day, dt.time(9, index), CHINA),
            )
    finally:
        await database.close()
    return approved


def test_a_county_reads_its_statistics_on_a_phone_and_exports(
    page: Page, server: Server, shot: Any, tmp_path: Any
) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API holds this thread's event loop
        approved = pool.submit(asyncio.run, _seed(server)).result()
    server.shenbao("staff", "add", "hezuo", "--role", "county", "--region", COUNTY, "--password", PASSWORD)
    page.goto("/staff/login")
    page.fill("input[name=username]", "hezuo")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#stats-link")).to_be_visible()
    shot("inbox")
    page.click("#stats-link")
    expect(page).to_have_url(f"{server.url}/staff/stats")
    expect(page.locator("#count-total b")).to_have_text("24")
    expect(page.locator("#count-approved b")).to_have_text(str(approved))
    chart = page.locator("#week-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 150
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    expect(page.locator("#sub-regions tbody tr")).to_have_count(10)  # every township of 合作市
    shot("stats")
    page.click("#weekly summary")
    expect(page.locator("#week-table tbody tr")).to_have_count(12)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("stats-weeks")
    with page.expect_download() as download:
        page.click("#export-link")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:4] == ("受理号", "姓名", "身份证号", "联系电话") and len(rows) == 1 + approved
    assert all(
        str(row[2]).isalnum() and str(row[8]) == COUNTY for row in rows[1:]
    )  # whole ID numbers, this county
