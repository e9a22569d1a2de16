"""A form as a file through the admin pages: export in the ``form_defs/`` format, import as a new form (checked
first, every problem reported in Chinese at its question, nothing stored), and import over a draft as one undoable
revision under the same stale rule as any edit."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.cli import commands
from shenbao.forms.model import FormDef
from shenbao.forms.transfer import MAX_FILE_BYTES
from shenbao.paths import form_defs_dir
from shenbao.web.staff.session import STAFF_COOKIE
from tests.support.web import csrf_of, sign_in

PACK = form_defs_dir() / "gansu" / "forms"
YIJIAN = json.loads((PACK / "gansu-yijian-2023.json").read_text(encoding="utf-8"))

Client = TestClient[Litestar]


def _file(change: Callable[[dict[str, Any]], object] | None = None, form_id: str = "yijian-import") -> bytes:
    """The 2023 one-click form as an admin's file, with its own id and ``change`` made to it."""
    data = json.loads(json.dumps(YIJIAN))
    data["id"] = form_id
    if change is not None:
        change(data)
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == question_id)


def _import(admin: Client, content: bytes, name: str = "form.json", **fields: str) -> Any:
    page = admin.get("/admin/")
    return admin.post(
        "/admin/forms/import",
        data={"_csrf": csrf_of(page.text), **fields},
        files={"file": (name, content, "application/json")},
        follow_redirects=False,
    )


def _new_form(admin: Client, content: bytes | None = None) -> str:
    made = _import(admin, content or _file())
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rstrip("/")


def _rev(html: str) -> str:
    found = re.search(r'name="rev" value="(\d+)"', html)
    assert found, html
    return found.group(1)


def _replace(admin: Client, url: str, content: bytes, *, page_html: str | None = None) -> Any:
    html = page_html or admin.get(f"{url}/").text
    return admin.post(
        f"{url}/import",
        data={"_csrf": csrf_of(html), "rev": _rev(html)},
        files={"file": ("changed.json", content, "application/json")},
        follow_redirects=False,
    )


def _definition(admin: Client, url: str) -> FormDef:
    exported = admin.get(f"{url}/export")
    assert exported.status_code == 200, exported.text
    return msgspec.json.decode(exported.content, type=FormDef)


def _missing_label(data: dict[str, Any]) -> None:
    del data["sections"][0]["questions"][1]["label"]


def _duplicate_option(data: dict[str, Any]) -> None:
    _question(data, "consent")["options"][1]["value"] = "agree"


def _later_question(data: dict[str, Any]) -> None:
    _question(data, "hardship")["visible_if"] = {
        "kind": "condition", "question": "consent", "op": "is", "value": "agree",
    }  # fmt: skip


def _deleted_question(data: dict[str, Any]) -> None:
    _question(data, "consent")["visible_if"] = "q99 == 'yes'"


def _failing_scenario(data: dict[str, Any]) -> None:
    data["scenarios"][0]["expect"]["hidden"] = ["hardship"]


BAD_FILES: list[tuple[str, bytes, list[str]]] = [
    ("not json", b"this is not json", ["文件不是有效的 JSON：第1行第5列附近有一个不该出现的字符"]),
    ("truncated", _file()[:200], ["文件不完整"]),
    ("not an object", b"[1, 2, 3]", ["文件最外层应当是一个表单定义（对象 {…}），现在是列表 […]"]),
    (
        "unknown field",
        _file(lambda d: _question(d, "phone").update(colour="red")),
        ["第1页第3题“手机号码”（$.sections[0].questions[2]）", "有不认识的字段 colour"],
    ),
    (
        "missing label",
        _file(_missing_label),
        ["第1页第2题（$.sections[0].questions[1]）", "缺少题目文字 label"],
    ),
    (
        "unknown widget",
        _file(lambda d: _question(d, "address").update(type="map_picker")),
        ["第1页第4题“户口所在的村”的题型 type", "题型“map_picker”不认识", "region（地区选择）"],
    ),
    (
        "wrong type",
        _file(lambda d: d.update(version="1")),
        ["版本号 version（$.version）", "应当是整数，现在是文字"],
    ),
    ("bad form id", _file(form_id="Relief 2027"), ["表单代号 id（$.id）", "表单代号只能用小写英文字母"]),
    (
        "duplicate option value",
        _file(_duplicate_option),
        ["第6题“是否同意对您和家里所有人的家庭经济状况进行核查？”（consent）", "选项的存储值 agree 重复了"],
    ),
    (
        "rule names a later question",
        _file(_later_question),
        ["第5题“家里的主要困难”（hardship）", "用到了后面的题目 consent"],
    ),
    ("rule names a deleted question", _file(_deleted_question), ["（consent）", "用到的题目 q99 已不存在"]),
    (
        "failing scenario",
        _file(_failing_scenario),
        ["第5题“家里的主要困难”（hardship）", "场景“同意核查的完整申报：没有错误、没有漏填”没有通过"],
    ),
    ("too large", b" " * (MAX_FILE_BYTES + 1), ["文件太大", "最多可以导入2 MB"]),
    ("empty", b"", ["文件是空的"]),
]


@pytest.mark.parametrize(
    ("content", "messages"), [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_a_broken_file_is_reported_in_chinese_and_nothing_is_stored(
    admin: Client, content: bytes, messages: list[str]
) -> None:
    answered = _import(admin, content)

    assert answered.status_code in (413, 422), answered.text
    for message in messages:
        assert message in answered.text, message
    assert "没有导入" in answered.text
    assert 'id="authored"' not in admin.get("/admin/").text  # no form was made


def test_a_request_over_the_body_limit_is_answered_in_chinese(admin: Client) -> None:
    answered = _import(admin, b"{" + b" " * (3 * 1024 * 1024) + b"}")

    assert answered.status_code == 413
    assert "文件太大" in answered.text and "最多可以导入2 MB" in answered.text


def test_a_clean_file_becomes_a_new_form_with_its_questions(admin: Client) -> None:
    url = _new_form(admin, _file())

    builder = admin.get(f"{url}/")
    assert builder.status_code == 200
    assert "yijian-import" in builder.text and builder.text.count('data-q="') == 6
    assert "家里的主要困难" in builder.text and "7个场景全部通过" in builder.text
    listed = admin.get("/admin/")
    assert "从文件导入" in listed.text and "yijian-import" in listed.text
    assert "导入自文件 form.json" in admin.get(f"{url}/").text  # the history says where it came from


def test_a_taken_id_keeps_the_file_and_asks_for_another(admin: Client) -> None:
    pack_file = (PACK / "gansu-zizhu-2021.json").read_bytes()
    taken = _import(admin, pack_file, name="gansu-zizhu-2021.json")

    assert taken.status_code == 422
    assert "代号“gansu-zizhu-2021”是省里已有的表单" in taken.text
    assert 'value="gansu-zizhu-2021-2"' in taken.text  # a free id, suggested
    kept = re.search(r'name="content" value="([^"]*)"', taken.text)
    assert kept and "防止返贫监测对象自主申报" in kept.group(1)

    bad = admin.post(
        "/admin/forms/import",
        data={"_csrf": csrf_of(taken.text), "file_name": "gansu-zizhu-2021.json", "content": pack_file.decode(),
              "form_id": "Zizhu 2027"},
        follow_redirects=False,
    )  # fmt: skip
    assert bad.status_code == 422 and "代号只能用小写英文字母" in bad.text and 'name="content"' in bad.text

    made = admin.post(
        "/admin/forms/import",
        data={"_csrf": csrf_of(taken.text), "file_name": "gansu-zizhu-2021.json", "content": pack_file.decode(),
              "form_id": "zizhu-2027"},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    builder = admin.get(str(made.headers["location"]))
    assert "zizhu-2027" in builder.text and builder.text.count('data-q="') == 48

    again = _import(admin, _file(form_id="zizhu-2027"))  # now taken by a form made here
    assert again.status_code == 422 and "代号“zizhu-2027”已被这里制作的另一张表单使用" in again.text


def test_export_is_a_pack_file_and_imports_back_equal(admin: Client, tmp_path: Path) -> None:
    url = _new_form(admin, _file(form_id="yijian-export"))
    exported = admin.get(f"{url}/export")

    assert exported.headers["content-disposition"] == 'attachment; filename="yijian-export.json"'
    text = exported.content.decode("utf-8")
    assert text.startswith('{\n  "$schema": "../../schema.json",\n  "id": "yijian-export"')
    assert "甘肃一键报贫" in text  # Chinese as written, not \\u escapes

    shutil.copytree(form_defs_dir(), tmp_path, dirs_exist_ok=True)
    dropped = tmp_path / "gansu" / "forms" / "yijian-export.json"
    dropped.write_bytes(exported.content)
    assert commands.lint(str(dropped)) == 0  # dropped into a pack, the form passes shenbao lint

    back = _new_form(admin, exported.content.replace(b'"yijian-export"', b'"yijian-back"', 1))
    original = msgspec.json.decode(exported.content, type=FormDef)
    assert _definition(admin, back) == msgspec.structs.replace(original, id="yijian-back")


def test_a_packs_form_exports_as_its_file(admin: Client, tmp_path: Path) -> None:
    exported = admin.get("/admin/packs/gansu-zizhu-2021/export")

    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="gansu-zizhu-2021.json"'
    original = msgspec.json.decode((PACK / "gansu-zizhu-2021.json").read_bytes(), type=FormDef)
    assert msgspec.json.decode(exported.content, type=FormDef) == original
    shutil.copytree(form_defs_dir(), tmp_path, dirs_exist_ok=True)
    (tmp_path / "gansu" / "forms" / "gansu-zizhu-2021.json").write_bytes(exported.content)
    assert commands.lint(str(tmp_path)) == 0  # in place of the original, the whole pack passes
    assert admin.get("/admin/packs/no-such-form/export").status_code == 404


def test_export_is_for_those_who_may_edit_and_is_audited(admin_settings: Any, admin: Client) -> None:
    url = _new_form(admin)
    assert admin.get(f"{url}/export").status_code == 200
    assert admin.get("/admin/forms/9999/export").status_code == 404

    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as county:
        sign_in(county, "county")
        assert county.get(f"{url}/export").status_code == 403

    path = admin_settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT target, detail FROM audit_log WHERE action = 'form.export'"
        ).fetchall()
    assert rows == [("yijian-import", "第1次保存")]


def test_a_clean_file_replaces_a_draft_as_one_undoable_revision(admin: Client) -> None:
    url = _new_form(admin)
    before = _definition(admin, url)
    changed = _file(lambda d: _question(d, "name").update(label="户主姓名"), form_id="something-else")

    replaced = _replace(admin, url, changed)

    assert replaced.status_code == 303, replaced.text
    after = _definition(admin, url)
    assert after.id == "yijian-import"  # the draft keeps its own id
    assert after.questions()[0].label == "户主姓名"
    page = admin.get(f"{url}/")
    assert "第2次保存" in page.text and "导入了文件“changed.json”，替换了全部内容" in page.text

    undone = admin.post(
        f"{url}/undo", data={"_csrf": csrf_of(page.text), "rev": _rev(page.text)}, follow_redirects=False
    )
    assert undone.status_code == 303
    assert _definition(admin, url) == before


def test_a_broken_file_replaces_nothing(admin: Client) -> None:
    url = _new_form(admin)
    before = _definition(admin, url)

    refused = _replace(admin, url, _file(_later_question))

    assert refused.status_code == 422
    assert "表单没有被替换" in refused.text and "用到了后面的题目 consent" in refused.text
    assert 'action="http://127.0.0.1/admin/forms/' in refused.text or f"{url}/import" in refused.text
    assert _definition(admin, url) == before
    assert "第1次保存" in admin.get(f"{url}/").text


def test_a_replace_on_a_stale_page_is_refused(admin: Client) -> None:
    url = _new_form(admin)
    old = admin.get(f"{url}/")
    first = admin.cookies.get(STAFF_COOKIE)
    admin.cookies.delete(STAFF_COOKIE)  # a second admin saves in between
    sign_in(admin, "province2")
    page = admin.get(f"{url}/?q=name")
    admin.post(
        f"{url}/question/name", data={"_csrf": csrf_of(page.text), "rev": _rev(page.text), "label": "户主"}
    )
    admin.cookies.set(STAFF_COOKIE, str(first), domain=admin.base_url.host, path="/")

    refused = _replace(
        admin, url, _file(lambda d: _question(d, "name").update(label="我的")), page_html=old.text
    )

    assert refused.status_code == 409
    assert "没有导入" in refused.text and "province2" in refused.text
    assert _definition(admin, url).questions()[0].label == "户主"


def test_kept_text_that_is_not_utf8_is_reported(admin: Client) -> None:
    csrf = csrf_of(admin.get("/admin/").text)
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n' + csrf.encode() + b"\r\n--XX\r\n"
        b'Content-Disposition: form-data; name="content"\r\n\r\n\xff\xfe{}\r\n--XX--\r\n'
    )
    answered = admin.post(
        "/admin/forms/import", content=body, headers={"content-type": "multipart/form-data; boundary=XX"}
    )

    assert answered.status_code == 422 and "不是 UTF-8 编码" in answered.text
