"""``/admin/packs`` in the browser's shoes: the packs listed, the whole pack downloaded as a zip whose folder loads, a
zip uploaded and checked (nothing stored), then confirmed with the same file; a refused upload, another file at the
confirmation, and accounts other than the province admin's refused."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.packs import ChainRegistry, PackForms
from shenbao.settings import Settings
from tests.support.beside import fetch
from tests.support.web import csrf_of, sign_in

Client = TestClient[Litestar]
FORM = "gansu-yijian-2023"
FORM_FILE = f"gansu/forms/{FORM}.json"


def _download(client: Client) -> bytes:
    response = client.get("/admin/packs/archive", params={"pack": "gansu"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert re.fullmatch(r'attachment; filename="gansu-\d{8}\.zip"', response.headers["content-disposition"])
    return response.content


def _changed(archive: bytes, name: str, **changes: object) -> bytes:
    """The zip with one JSON file changed."""
    source, out = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == name:
                content = json.dumps({**json.loads(content), **changes}, ensure_ascii=False).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def _zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _upload(client: Client, content: bytes, **fields: str) -> object:
    token = csrf_of(client.get("/admin/packs/").text)
    return client.post(
        "/admin/packs/import",
        data={"_csrf": token, **fields},
        files={"file": ("gansu.zip", content, "application/zip")},
    )


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _current(settings: Settings) -> int:
    [row] = fetch(
        settings.database_url,
        f"SELECT version FROM published_current WHERE kind = 'form' AND item_id = '{FORM}'",
    )
    return int(row[0])


def test_the_page_lists_each_pack_with_its_versions_and_is_linked_from_the_forms_list(admin: Client) -> None:
    assert 'id="packs-link"' in admin.get("/admin/").text

    page = admin.get("/admin/packs/")

    assert page.status_code == 200
    text = _text(page.text)
    assert f"{FORM} 第1版" in text and "gansu-zizhu-2021 第1版" in text
    assert 'id="download-gansu"' in page.text


def test_the_download_is_a_zip_whose_pack_folder_loads(admin: Client, tmp_path: Path) -> None:
    archive = zipfile.ZipFile(io.BytesIO(_download(admin)))
    archive.extractall(tmp_path)

    assert {FORM_FILE, "gansu/chains/gansu-zizhu-2021.json", "gansu/holidays.json"} <= set(archive.namelist())
    loaded = PackForms.from_packs(["gansu"], tmp_path)
    assert {form.id: form.version for form in loaded.forms} == {FORM: 1, "gansu-zizhu-2021": 1}
    assert [chain.id for chain in ChainRegistry.from_packs(["gansu"], tmp_path)] == [
        "gansu-yijian-2023",
        "gansu-zizhu-2021",
    ]


def test_an_upload_is_checked_first_then_imported_with_the_same_file(
    admin: Client, admin_settings: Settings
) -> None:
    changed = _changed(_download(admin), FORM_FILE, version=2, title="一键报贫（第二版）")

    checked = _upload(admin, changed)

    assert checked.status_code == 200  # type: ignore[attr-defined]
    html = checked.text  # type: ignore[attr-defined]
    assert "检查通过，还没有导入" in _text(html) and "将发布为第2版（现在用的是第1版）" in _text(html)
    assert _current(admin_settings) == 1
    digest = re.search(r'name="checked" value="([0-9a-f]{64})"', html)
    assert digest and 'id="confirm-button"' in html

    other = _changed(changed, "gansu/chains/gansu-zizhu-2021.json", version=2)
    mixed_up = _upload(admin, other, confirm="1", checked=digest.group(1))
    assert "不是同一个，所以没有导入" in _text(mixed_up.text)  # type: ignore[attr-defined]
    assert _current(admin_settings) == 1

    imported = _upload(admin, changed, confirm="1", checked=digest.group(1))

    assert imported.status_code == 200 and "已导入" in _text(imported.text)  # type: ignore[attr-defined]
    assert _current(admin_settings) == 2
    served = admin.app.state["shenbao"].forms.get(FORM)
    assert (served.version, served.title()) == (2, "一键报贫（第二版）")
    assert f"{FORM} 第2版" in _text(admin.get("/admin/packs/").text)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "第1版已在", id="changed-under-a-published-number"),
        pytest.param(b"not a zip", "不是 zip 压缩包", id="not-a-zip"),
        pytest.param(
            _zipped({"../gansu/holidays.json": "{}"}), "指向压缩包以外的位置", id="an-entry-outside"
        ),
        pytest.param(_zipped({"forms/x.json": "{}"}), "要先有配置包的文件夹", id="no-pack-folder"),
        pytest.param(
            _zipped({"qinghai/holidays.json": "{}"}), "配置包“qinghai”没有在这个平台上使用", id="another-pack"
        ),
    ],
)
def test_a_refused_upload_stores_nothing_and_says_why(
    admin: Client, admin_settings: Settings, content: bytes | None, expected: str
) -> None:
    upload = content if content is not None else _changed(_download(admin), FORM_FILE, title="没改版本号")

    response = _upload(admin, upload, confirm="1", checked="0" * 64)

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert expected in _text(response.text)  # type: ignore[attr-defined]
    assert 'id="confirm-button"' not in response.text  # type: ignore[attr-defined]
    assert _current(admin_settings) == 1


def test_an_account_other_than_the_province_admins_is_refused(
    admin: Client, admin_settings: Settings
) -> None:
    archive = _download(admin)
    fetch(admin_settings.database_url, "UPDATE staff SET form_admin = TRUE WHERE username = 'county'")
    admin.cookies.clear()
    assert sign_in(admin, "county").status_code == 303  # type: ignore[attr-defined]
    token = csrf_of(
        admin.get("/staff/").text
    )  # their own session's token: the refusal is not the CSRF check's

    for response in (
        admin.get("/admin/packs/"),
        admin.get("/admin/packs/archive", params={"pack": "gansu"}),
        admin.post(
            "/admin/packs/import",
            data={"_csrf": token},
            files={"file": ("gansu.zip", archive, "application/zip")},
        ),
    ):
        assert response.status_code == 403 and "只有省级管理员可以导出和导入整个配置包" in response.text
    assert 'id="packs-link"' not in admin.get("/admin/").text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(admin: Client) -> None:
    response = _upload(admin, b"0" * (21 * 1024 * 1024))

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "文件太大：最多可以上传20 MB" in _text(response.text)  # type: ignore[attr-defined]
