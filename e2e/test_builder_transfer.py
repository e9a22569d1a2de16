"""A form as a file in Chromium on a 1366×768 office screen: export a copy of a pack's form from the builder, import
the file as a new form under another code, and open it from the list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import at_desk
from e2e.support import ARTIFACTS, Server

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.fixture
def desk(browser: Browser, server: Server) -> Iterator[Page]:
    """A province admin at an office PC, signed in (an account of its own: the server is shared)."""
    with at_desk(browser, server, "transfer-admin", accept_downloads=True) as page:
        yield page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"transfer-{name}.png"))


def test_an_admin_exports_a_copy_and_imports_it_as_a_new_form(desk: Page, tmp_path: Path) -> None:
    page = desk
    page.goto("/admin/")
    page.locator("#pack-gansu-yijian-2023").get_by_role("button", name="复制一份来修改").click()
    expect(page.locator("#form-title")).to_have_text("甘肃一键报贫")
    copy_id = page.locator("#bar code").first.inner_text()
    assert copy_id.startswith("gansu-yijian-2023-copy")

    page.locator("#transfer summary").click()
    _shot(page, "bar")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出文件").click()
    assert download.value.suggested_filename == f"{copy_id}.json"
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.read_text(encoding="utf-8").startswith('{\n  "$schema": "../../schema.json"')

    page.goto("/admin/")
    _shot(page, "list")
    page.locator("#import-file").set_input_files(exported)
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("#import-taken")).to_contain_text(f"代号“{copy_id}”已被这里制作的另一张表单使用")
    _shot(page, "taken")
    page.get_by_label(re.compile("新的代号")).fill("yijian-e2e-import")
    page.get_by_role("button", name="用这个代号导入").click()

    expect(page.locator("#form-title")).to_have_text("甘肃一键报贫")
    expect(page.locator("#bar code").first).to_have_text("yijian-e2e-import")
    expect(page.locator("#outline li[data-q]")).to_have_count(6)

    page.goto("/admin/")
    row = page.locator("#authored tr", has_text="yijian-e2e-import")
    expect(row).to_contain_text("从文件导入")
    row.get_by_role("link", name="甘肃一键报贫").click()
    expect(page.locator("#bar code").first).to_have_text("yijian-e2e-import")
    expect(page.locator("#scenario-badge")).to_contain_text("全部通过")
    _shot(page, "imported")
