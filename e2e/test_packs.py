"""A whole pack as files in Chromium on a 1366×768 office screen, tried as a new province admin would: download the
pack, change a form in the file as one would in git, upload it, read the check, confirm, and farmers get the new
version. Its own server: an import publishes for every farmer of the server."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.staff import at_desk, serving_alone
from e2e.support import ARTIFACTS, PHONE, Server
from shenbao.workflow.calendar import CHINA


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this test's own."""
    moment = dt.datetime(2026, 11, 2, 10, 0, tzinfo=CHINA)
    with serving_alone(tmp_path_factory.mktemp("shenbao-packs"), submitted_at=moment) as server:
        yield server


@pytest.fixture
def desk(browser: Browser, own_server: Server) -> Iterator[Page]:
    with at_desk(browser, own_server, "pack-admin", accept_downloads=True) as page:
        yield page


def _changed(archive: Path, target: Path) -> None:
    """The downloaded pack with the 2023 form's first label changed and its version moved on, as in a git commit."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as changed:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.endswith("forms/gansu-yijian-2023.json") and "/chains/" not in entry.filename:
                form = json.loads(data)
                form["version"] = 2
                form["sections"][0]["questions"][0]["label"] = "户主姓名"
                data = json.dumps(form, ensure_ascii=False, indent=2).encode()
            changed.writestr(entry, data)


def test_a_pack_is_downloaded_changed_and_imported_back(
    desk: Page, browser: Browser, own_server: Server, tmp_path: Path
) -> None:
    desk.goto("/admin/")
    desk.get_by_role("link", name="配置包").click()
    expect(desk.locator("#pack-gansu")).to_contain_text("gansu-yijian-2023")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="下载整个配置包").click()
    archive = tmp_path / "gansu.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as pack:
        assert any(name.endswith("chains/gansu-yijian-2023.json") for name in pack.namelist())
    changed = tmp_path / "gansu-changed.zip"
    _changed(archive, changed)

    desk.locator("#pack-file").set_input_files(changed)
    desk.get_by_role("button", name="检查", exact=True).click()
    expect(desk.locator("#pack-checked")).to_contain_text("检查通过，还没有导入")
    expect(desk.locator("#pack-report tr.new")).to_contain_text("gansu-yijian-2023 第2版")
    ARTIFACTS.mkdir(exist_ok=True)
    desk.screenshot(path=str(ARTIFACTS / "packs-checked.png"), full_page=True)
    desk.locator("#confirm-file").set_input_files(changed)
    desk.get_by_role("button", name="确认导入", exact=True).click()
    expect(desk.locator("#pack-imported")).to_contain_text("已经生效")

    farmer = browser.new_context(base_url=own_server.url, **PHONE).new_page()
    farmer.goto("/f/gansu-yijian-2023/s/applicant")
    expect(farmer.get_by_text("户主姓名")).to_be_visible()
    farmer.context.close()
