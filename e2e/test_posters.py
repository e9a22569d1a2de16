"""A township prints a village's poster; a farmer scans its QR code on a phone and finds that village chosen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from playwright.sync_api import Browser, Page, expect

from e2e.farmer import start_from_guide
from e2e.support import ARTIFACTS, PHONE, Server

FORM = "gansu-yijian-2023"
TOWNSHIP = "620102001"  # 酒泉路街道
VILLAGE = "620102001002"  # 张家园社区居委会
PASSWORD = "posters-pass-9"


def test_a_township_prints_a_village_poster_and_its_qr_opens_that_village(
    page: Page, browser: Browser, server: Server, shot: Any, tmp_path: Path
) -> None:
    server.shenbao(
        "staff", "add", "jiuquanlu", "--role", "township", "--region", TOWNSHIP, "--password", PASSWORD
    )
    page.goto("/staff/login")
    page.fill("input[name=username]", "jiuquanlu")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="二维码和海报").click()
    expect(page).to_have_url(f"{server.url}/staff/posters")
    expect(page.locator("#region-posters h2")).to_have_text("甘肃省兰州市城关区酒泉路街道")
    expect(page.get_by_role("link", name="下载全部5个村的海报（一个 PDF，每村一页）")).to_be_visible()
    shot("page")

    row = page.locator(f"#sub-regions tr[data-code='{VILLAGE}']")
    expect(row).to_contain_text("张家园社区居委会")
    with page.expect_download() as download:
        row.get_by_role("link", name="海报").click()
    path = tmp_path / "poster.pdf"
    download.value.save_as(path)
    document = pdfium.PdfDocument(path)
    assert len(document) == 1
    image = document[0].render(scale=150 / 72).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "test_posters-village-poster.png")
    assert "甘肃省兰州市城关区酒泉路街道张家园社区居委会" in document[0].get_textpage().get_text_range()
    document.close()
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == f"{server.url}/f/{FORM}?region={VILLAGE}"

    phone = browser.new_context(**PHONE, base_url=server.url)
    try:
        farmer = phone.new_page()
        start_from_guide(farmer, server, found.text)
        expect(farmer).to_have_url(re.compile(re.escape(f"/f/{FORM}/s/applicant?region={VILLAGE}") + "$"))
        expect(farmer.locator("#p-address")).to_contain_text("已按您扫的二维码选好了地址")
        expect(farmer.locator("#i-address-township")).to_have_value(TOWNSHIP)
        village = farmer.locator("#i-address-village")
        expect(village).to_have_value(VILLAGE)
        expect(village.locator("option:checked")).to_have_text("张家园社区居委会")
        farmer.screenshot(path=str(ARTIFACTS / "test_posters-phone-preset.png"), full_page=True)
    finally:
        phone.close()
