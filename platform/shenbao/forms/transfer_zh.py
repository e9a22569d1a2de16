"""The format's errors in Chinese, for an admin importing a form file: where (第2页第3题“姓名”的选项) and what to do.

msgspec names the first thing of a file that does not fit the format, in English, with its JSON path
(``Object missing required field `label` - at `$.sections[1].questions[2]```). :func:`place_of` reads the path
as the builder would name the place, and :func:`validation_in_chinese` says the message in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["FIELD_NAMES", "place_of", "validation_in_chinese"]

FIELD_NAMES = {
    "type": "题型", "options": "选项", "value": "存储值", "version": "版本号", "sections": "页", "questions": "题目",
    "help": "填写说明", "required": "必须回答", "numbered": "显示题号", "visible_if": "显示条件", "jumps": "跳转条件",
    "checks": "检查规则", "message": "提示文字", "rule": "规则", "when": "跳转的条件", "to": "跳转的去向",
    "kind": "类型", "name": "名称", "answers": "回答", "expect": "预期结果", "min_selections": "至少选几项",
    "max_selections": "最多选几项", "max_chars": "最多字数", "min_chars": "最少字数", "min": "最小值", "max": "最大值",
    "unit": "单位", "depth": "选到哪一级", "root": "起始地区", "guide": "填写指引", "guide_min_seconds": "指引最少阅读秒数",
    "pledge": "承诺书", "pledge_before": "承诺书的位置", "description": "说明", "outcomes": "结果", "scenarios": "场景",
    "chain": "审批流程", "applicant_name": "申请人姓名", "submit_label": "提交按钮文字", "display": "显示方式",
    "exclusive": "互斥", "group": "分组", "fields": "填空", "body": "正文", "verify": "短信验证", "question": "题目",
    "op": "比较方式", "values": "取值", "rules": "条件", "resume_at": "接着填的题目", "low": "下限", "high": "上限",
    "visible": "应显示的题", "hidden": "应隐藏的题", "errors": "应有的错误", "missing": "未填的必答题",
    "outcome": "结果", "max_files": "最多文件数", "max_bytes": "文件大小上限", "subject": "拍摄内容", "signers": "签名人",
    "fallback_depth": "无法定位时选到哪一级", "note": "备注",
}  # fmt: skip
"""The format's fields as the builder names them (``label``, ``id`` and ``title`` depend on where they are)."""

_CONTEXTUAL: dict[str, dict[str | None, str]] = {
    "label": {"questions": "题目文字", "options": "选项文字", "fields": "填空名称", None: "文字"},
    "id": {"questions": "题目代号", "sections": "页代号", "fields": "填空代号", "outcomes": "结果代号", "$": "表单代号"},
    "title": {"sections": "页标题", "$": "表单名称"},
}  # fmt: skip
_ORDINAL = {
    "options": "第{n}个选项", "fields": "第{n}个填空", "jumps": "第{n}个跳转条件", "checks": "第{n}个检查规则",
    "rules": "第{n}条", "outcomes": "第{n}个结果", "scenarios": "第{n}个场景", "values": "第{n}个取值",
}  # fmt: skip
_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[([^\]]*)\]")
_TYPES = {
    "str": "文字（加双引号）", "int": "整数", "float": "小数", "bool": "true 或 false", "object": "对象 {…}",
    "array": "列表 […]", "null": "null", "number": "数字",
}  # fmt: skip


def _tokens(path: str) -> list[str | int]:
    tokens: list[str | int] = []
    for name, index, key in _TOKEN.findall(path.removeprefix("$")):
        tokens.append(int(index) if index else name or key)
    return tokens


def _container(tokens: list[str | int]) -> str | None:
    """What the last object of the path is in: ``questions`` for a question, ``$`` for the form itself."""
    objects = [token for token in tokens if isinstance(token, str)]
    if not tokens or not isinstance(tokens[-1], int):
        objects = objects[:-1] if tokens and isinstance(tokens[-1], str) else objects
        return "$" if not objects else None
    return objects[-1] if objects else None


def field_name(field: str, container: str | None) -> str:
    """``field`` as the builder names it where it is (``label`` of a question: 题目文字)."""
    if field in _CONTEXTUAL:
        names = _CONTEXTUAL[field]
        return names.get(container) or names.get(None) or FIELD_NAMES.get(field, field)
    return FIELD_NAMES.get(field, field)


def _at(document: Any, key: str | int) -> Any:
    if isinstance(key, int) and isinstance(document, list) and 0 <= key < len(document):
        return document[key]
    if isinstance(key, str) and isinstance(document, dict):
        return document.get(key)
    return None


def place_of(path: str, document: Any) -> tuple[str, str | None]:
    """Where ``path`` is (``第2页第3题“姓名”的第1个选项``), reading labels from ``document`` (the file as plain JSON,
    or ``None``), and the id of the question it is in, if any."""
    tokens = _tokens(path)
    pieces: list[str] = []
    question: str | None = None
    node: Any = document
    previous: str | int | None = None
    for position, token in enumerate(tokens):
        child = _at(node, token)
        if isinstance(token, int) and isinstance(previous, str):
            if previous == "sections":
                pieces.append(f"第{token + 1}页")
            elif previous == "questions":
                label = child.get("label") if isinstance(child, dict) else None
                label = label.get("zh") if isinstance(label, dict) else label
                found = child.get("id") if isinstance(child, dict) else None
                question = found if isinstance(found, str) else None
                pieces.append(
                    f"第{token + 1}题" + (f"“{_short(label)}”" if isinstance(label, str) and label else "")
                )
            elif previous in _ORDINAL:
                name = child.get("name") if isinstance(child, dict) and previous == "scenarios" else None
                piece = _ORDINAL[previous].format(n=token + 1) + (
                    f"“{_short(name)}”" if isinstance(name, str) else ""
                )
                pieces.append(("的" if pieces else "") + piece)
            else:
                pieces.append(f"的第{token + 1}项")
        elif token == "...":  # msgspec's name for a key of a mapping
            pieces.append("里的一项")
        elif isinstance(token, str):
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            if token == "visible_if":
                pieces.append("的显示条件" if pieces else "显示条件")
            elif not isinstance(following, int) or token not in (*_ORDINAL, "sections", "questions"):
                name = field_name(token, _container(tokens[:position]) if position else "$")
                pieces.append(("的" if pieces else "") + f"{name} {token}")
        previous = token
        node = child
    return "".join(pieces) or "整个文件", question


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]*)`$")
_INVALID = re.compile(r"^Invalid (?:enum )?value (?P<value>.*)$")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]*)`, got `(?P<got>[^`]*)`$")
_REGEX = re.compile(r"^Expected `str` matching regex '(?P<regex>.*)'$")
_BOUND = re.compile(r"^Expected `(?P<what>[^`]*)`(?P<length> of length)? (?P<op>[<>]=?) (?P<n>-?\d+)$")


def _type_names(types: str) -> str:
    return "或".join(_TYPES.get(each.strip(), each.strip()) for each in types.split("|"))


def validation_in_chinese(message: str, path: str, question_types: Mapping[str, str]) -> str:
    """msgspec's ``message`` about the value at ``path``, in Chinese, saying what to do."""
    tokens = _tokens(path)
    last = tokens[-1] if tokens else "$"
    if found := _MISSING.match(message):
        field = found.group("field")
        name = field_name(field, _container(tokens))
        if field == "type":
            return '缺少题型 type：请写明这道题是哪种题，例如 "type": "text"'
        return f"缺少{name} {field}：请补上"
    if found := _UNKNOWN.match(message):
        return (
            f"有不认识的字段 {found.group('field')}：请删掉它，或检查拼写"
            "（每种题目可用的字段见 form_defs/schema.json）"
        )
    if found := _INVALID.match(message):
        value = found.group("value").strip("'\"")
        if last == "type":
            known = "、".join(f"{tag}（{name}）" for tag, name in question_types.items())
            return f"题型“{value}”不认识（unknown widget）：请改成这些题型之一：{known}"
        if last == "kind" and {"visible_if", "when", "rule", "rules"} & {str(each) for each in tokens}:
            return f"条件的类型“{value}”不认识：应为 condition（一个条件）、all（全部满足）或 any（任一满足）"
        return f"“{value}”不是{field_name(str(last), _container(tokens[:-1]))}可以取的值：请对照 form_defs/schema.json 改正"
    if found := _EXPECTED.match(message):
        if path == "$":
            return (
                f"文件最外层应当是一个表单定义（对象 {{…}}），现在是{_type_names(found.group('got'))}："
                "请导入“导出”得到的那种表单文件"
            )
        return f"应当是{_type_names(found.group('want'))}，现在是{_type_names(found.group('got'))}：请改正"
    if found := _REGEX.match(message):
        if path == "$.id":
            return "表单代号只能用小写英文字母、数字和连字符“-”，以字母或数字开头，例如 relief-2027"
        return "代号只能用小写英文字母、数字和下划线“_”，以字母开头，最多40个字符，例如 q12"
    if found := _BOUND.match(message):
        n, op = int(found.group("n")), found.group("op")
        if found.group("length"):
            if op == ">=" and n == 1:
                return "不能是空的：请填写"
            unit = "个字符" if found.group("what") == "str" else "项"
            return f"{'太长了，最多' if op.startswith('<') else '太短了，至少'}{n}{unit}：请改正"
        return f"应当{'不大于' if op.startswith('<') else '不小于'}{n}：请改正"
    return f"不符合表单格式（{message}）：请对照 form_defs/schema.json 改正"
