"""A form as a file: the export in the ``form_defs/`` format, and the check of a file an admin imports.

An exported file is what a pack's ``forms/<id>.json`` is: ``"$schema"`` first, indented UTF-8 JSON with Chinese as
it is written, so it can be dropped into a pack and pass ``shenbao lint``. A file to import is decoded as a
definition file is, then linted with its scenarios; :func:`check_form_file` says in Chinese what is wrong and
where (the page and question, and the JSON path of the format's own errors), grouped at its question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from shenbao.forms.editing import QUESTION_TYPES
from shenbao.forms.lint import lint_form
from shenbao.forms.lint_zh import in_chinese
from shenbao.forms.model import FormDef, Label
from shenbao.forms.transfer_zh import place_of, validation_in_chinese

__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA_REF",
    "Checked",
    "Finding",
    "check_form_file",
    "export_json",
    "export_name",
    "findings_of",
    "too_large",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest file an admin may import (the biggest pack form is about a tenth of it)."""

SCHEMA_REF = "../../schema.json"
"""A pack's form files name the schema so, from ``form_defs/<pack>/forms/``."""

WHOLE_FORM = "整张表单"


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """The problems found at one place of a file: a question (its number and label when known) or the whole form."""

    where: str
    question: str | None = None
    messages: list[str]


class Checked(msgspec.Struct, frozen=True, kw_only=True):
    """A file checked for import: its definition when it decodes, and every problem found (none: it is clean)."""

    definition: FormDef | None
    findings: list[Finding]

    @property
    def clean(self) -> bool:
        return self.definition is not None and not self.findings

    @property
    def problem_count(self) -> int:
        return sum(len(each.messages) for each in self.findings)


def export_json(definition: FormDef) -> bytes:
    """``definition`` as a pack's form file: ``"$schema"`` first, indented by two spaces, Chinese unescaped."""
    named = msgspec.structs.replace(definition, schema=SCHEMA_REF)
    return msgspec.json.format(msgspec.json.encode(named), indent=2) + b"\n"


def export_name(definition: FormDef) -> str:
    """The file an export is saved as: ``<form id>.json``, as in a pack."""
    return f"{definition.id}.json"


def too_large(size: int) -> Finding:
    """The finding of a file over :data:`MAX_FILE_BYTES`."""
    return Finding(
        where="整个文件",
        messages=[
            f"文件太大：有{size / 1024 / 1024:.1f} MB，最多可以导入{MAX_FILE_BYTES // 1024 // 1024} MB。"
            "请确认选的是表单文件（导出得到的 .json 文件），不是照片或压缩包"
        ],
    )


def check_form_file(
    data: bytes, *, name: str = "导入的文件", widgets: Mapping[str, str | None] | None = None
) -> Checked:
    """Decode ``data`` as a form definition and lint it, scenarios included (and its questions' own widgets against
    ``widgets``, the installed ones and the question type each draws).

    Never raises on any input: a file that is not JSON, not a definition or that the linter cannot finish gives
    a finding that says what to do.
    """
    if len(data) > MAX_FILE_BYTES:
        return Checked(definition=None, findings=[too_large(len(data))])
    data = data.removeprefix(b"\xef\xbb\xbf")  # Windows Notepad's byte order mark
    if not data.strip():
        return Checked(
            definition=None, findings=[_whole_file("文件是空的：请选择导出得到的表单文件（.json）")]
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return Checked(
            definition=None,
            findings=[_whole_file("文件不是 UTF-8 编码的文字：请用“另存为 UTF-8”保存后再导入，或重新导出")],
        )
    try:
        definition = msgspec.json.decode(data, type=FormDef)
    except msgspec.ValidationError as error:
        return Checked(definition=None, findings=[_validation_finding(str(error), data)])
    except msgspec.DecodeError as error:
        return Checked(definition=None, findings=[_whole_file(_malformed(str(error), data))])
    except RecursionError:
        return Checked(
            definition=None,
            findings=[_whole_file("文件嵌套得太深（条件里套了太多层）：请简化显示和跳转条件")],
        )
    return Checked(definition=definition, findings=findings_of(definition, name, widgets=widgets))


def findings_of(
    definition: FormDef, name: str, *, widgets: Mapping[str, str | None] | None = None
) -> list[Finding]:
    """The linter's problems of ``definition``, in Chinese, grouped at their questions in the form's order."""
    try:
        problems = lint_form(definition, name, widgets=widgets)
    except Exception as error:  # any input must get an answer, never a server error
        return [
            _whole_file(
                f"无法检查这张表单（{type(error).__name__}）：请检查各题的显示、跳转条件和场景后再导入"
            )
        ]
    by_question: dict[str | None, list[str]] = {}
    for problem in problems:
        by_question.setdefault(problem.question, []).append(in_chinese(problem))
    for question_id, message in _untranslated(definition):
        by_question.setdefault(question_id, []).append(message)
    numbers: dict[str, int] = {}
    labels: dict[str, str] = {}
    for question in definition.questions():
        labels.setdefault(question.id, _zh(question.label))
        if question.numbered and question.id not in numbers:
            numbers[question.id] = len(numbers) + 1
    findings = []
    if None in by_question:
        findings.append(Finding(where=WHOLE_FORM, messages=by_question.pop(None)))
    for question_id in [
        *labels,
        *sorted(key for key in by_question if key is not None and key not in labels),
    ]:
        if question_id in by_question:
            findings.append(
                Finding(
                    where=_question_heading(question_id, numbers.get(question_id), labels.get(question_id)),
                    question=question_id,
                    messages=by_question[question_id],
                )
            )
    return findings


_TO_DO = "没有中文：请填写中文（其他语言可以不填）"


def _zh(label: Label | None) -> str:
    """The Chinese of ``label``, or empty (a file may lack it: the linter says so)."""
    return label if isinstance(label, str) else (label or {}).get("zh", "")


def _untranslated(definition: FormDef) -> Iterator[tuple[str | None, str]]:
    """Texts without Chinese that the linter does not look at (it checks questions' labels, help and options), and
    that the builder and the farmer's pages need: each with its question (``None``: the form's own)."""
    named = {
        "title": "表单名称",
        "guide": "办事指南",
        "pledge": "诚信承诺书",
        "submit_label": "提交按钮的文字",
    }
    for field, name in named.items():
        if isinstance(label := getattr(definition, field), dict) and not label.get("zh"):
            yield None, f"{name}{_TO_DO}"
    for number, section in enumerate(definition.sections, 1):
        if not _zh(section.title):
            yield None, f"第{number}页的标题{_TO_DO}"
    for outcome in definition.outcomes:
        if not _zh(outcome.message):
            yield None, f"结果 {outcome.id} 的提示文字{_TO_DO}"
    for question in definition.questions():
        texts: list[tuple[str, Label | None]] = [
            (f"填空 {each.id} 的名称", each.label) for each in getattr(question, "fields", ())
        ]
        texts += [(f"选项 {each.value} 的分组", each.group) for each in getattr(question, "options", ())]
        texts += [(f"第{n}个检查规则的提示文字", each.message) for n, each in enumerate(question.checks, 1)]
        texts += [("正文", getattr(question, "body", None)), ("拍摄内容", getattr(question, "subject", None))]
        for what, label in texts:
            if isinstance(label, dict) and not label.get("zh"):
                yield question.id, f"{what}{_TO_DO}"


def _question_heading(question_id: str, number: int | None, label: str | None) -> str:
    named = f"“{_short(label)}”（{question_id}）" if label else f"（{question_id}）"
    return f"第{number}题{named}" if number is not None else named


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _whole_file(message: str) -> Finding:
    return Finding(where="整个文件", messages=[message])


_AT = re.compile(r"^(?P<message>.*) - at (?P<key>`key` in )?`(?P<path>\$[^`]*)`$", re.DOTALL)
_BYTE = re.compile(r"^JSON is malformed: (?P<reason>.*) \(byte (?P<byte>\d+)\)$")
_MALFORMED = {
    "invalid character": "有一个不该出现的字符",
    "trailing comma": "最后一项后面多了一个逗号",
    "expected ','": "少了一个逗号",
    "expected ':'": "少了一个冒号",
    "expected '\"'": "应当是带双引号的名字",
    "object keys must be strings": "应当是带双引号的名字",
    "trailing characters": "JSON 结束以后还有多余的内容",
    "invalid escape character in string": "字符串里有不认识的反斜杠转义",
    "invalid number": "数字写得不对",
}


def _malformed(error: str, data: bytes) -> str:
    """A JSON syntax error, with its line and column, in Chinese."""
    if error.startswith("Input data was truncated"):
        return "文件不完整：JSON 在结尾处断了（少了右括号“}”或引号？）。请重新导出，或补全后再导入"
    found = _BYTE.match(error)
    if found is None:
        return f"文件不是有效的 JSON（{error}）：请用导出得到的文件修改后再导入"
    offset = int(found.group("byte"))
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
    reason = _MALFORMED.get(found.group("reason"), found.group("reason"))
    return (
        f"文件不是有效的 JSON：第{line}行第{column}列附近{reason}。"
        "请检查那里是否少了或多了逗号、引号、括号，改好后再导入"
    )


def _validation_finding(error: str, data: bytes) -> Finding:
    """The format's error (msgspec names the first one and its JSON path) at its page and question, in Chinese."""
    found = _AT.match(error)
    message, path = (found.group("message"), found.group("path")) if found else (error, "$")
    try:
        document: Any = json.loads(data)
    except (ValueError, RecursionError):
        document = None
    place, question = place_of(path, document)
    text = validation_in_chinese(message, path, QUESTION_TYPES)
    if found is not None and found.group("key"):
        text = f"有一个名字（键）不对：{text}"
    where = f"{place}（{path}）" if path != "$" else "整个文件"
    return Finding(
        where=where,
        question=question,
        messages=[f"{text}。改好这一处再导入；若还有别的格式问题，会再逐一指出"],
    )
