"""The form file's export and import check, on plain values: the pack's format, and every input answered in Chinese."""

from __future__ import annotations

import json

import msgspec
import pytest

from shenbao.forms.model import FormDef
from shenbao.forms.transfer import check_form_file, export_json
from shenbao.paths import form_defs_dir

ZIZHU = (form_defs_dir() / "gansu" / "forms" / "gansu-zizhu-2021.json").read_bytes()


def _deeply_nested() -> bytes:
    document = json.loads(ZIZHU)
    rule = b'{"kind": "all", "rules": [' * 5_000 + b"]}" * 5_000
    document["sections"][0]["questions"][0]["visible_if"] = "RULE"
    return json.dumps(document, ensure_ascii=False).encode().replace(b'"RULE"', rule)


def test_an_export_is_the_packs_format_and_decodes_back_equal() -> None:
    original = msgspec.json.decode(ZIZHU, type=FormDef)
    exported = export_json(original)

    assert exported.startswith(b'{\n  "$schema": "../../schema.json",\n  "id": "gansu-zizhu-2021",')
    assert "防止返贫监测对象自主申报".encode() in exported and exported.endswith(b"}\n")
    assert (
        msgspec.json.decode(exported, type=FormDef) == original
    )  # defaults left out, keys in the format's order
    assert check_form_file(exported).clean


def test_a_byte_order_mark_is_ignored() -> None:
    assert check_form_file(b"\xef\xbb\xbf" + ZIZHU).clean


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"id": "a",\n  "version": 1,,}', "第2行第16列附近应当是带双引号的名字"),
        (b"\xff\xfe{\x00}\x00", "不是 UTF-8 编码"),
        (_deeply_nested(), "嵌套得太深"),
        (b'"just a string"', "现在是文字"),
        (b"   ", "文件是空的"),
    ],
)
def test_anything_gets_a_chinese_answer(data: bytes, expected: str) -> None:
    checked = check_form_file(data)

    assert not checked.clean
    assert expected in " ".join(
        message for each in checked.findings for message in [each.where, *each.messages]
    )


def test_a_scenarios_answer_with_a_bad_key_names_the_scenario() -> None:
    document = json.loads(ZIZHU)
    document["scenarios"][1]["answers"]["Q 1"] = "x"

    (finding,) = check_form_file(json.dumps(document, ensure_ascii=False).encode()).findings

    assert finding.where.startswith("第2个场景“") and "（$.scenarios[1].answers）" in finding.where
    assert finding.messages[0].startswith("有一个名字（键）不对：代号只能用小写英文字母")


def test_texts_without_chinese_that_pages_need_are_reported() -> None:
    document = json.loads(ZIZHU)
    document["title"] = {"bo": "only Tibetan"}
    document["sections"][1]["title"] = {"bo": "only Tibetan"}

    findings = check_form_file(json.dumps(document, ensure_ascii=False).encode()).findings

    assert findings[0].where == "整张表单"
    assert findings[0].messages == [
        "表单名称没有中文：请填写中文（其他语言可以不填）",
        "第2页的标题没有中文：请填写中文（其他语言可以不填）",
    ]


def test_lint_problems_are_grouped_at_their_questions_in_order() -> None:
    document = json.loads(ZIZHU)
    questions = [q for s in document["sections"] for q in s["questions"]]
    questions[11]["visible_if"] = "q40 == 'yes'"  # q12 reads a later question
    questions[2]["label"] = {"bo": "only Tibetan"}  # q3 has no Chinese

    findings = check_form_file(json.dumps(document, ensure_ascii=False).encode()).findings

    assert [each.question for each in findings][:2] == ["q3", "q12"]
    assert findings[0].where == "第3题（q3）" and "题目文字没有中文" in findings[0].messages[0]
    assert "第12题" in findings[1].where and "用到了后面的题目 q40" in findings[1].messages[0]
