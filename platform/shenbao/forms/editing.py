"""The builder's edits: each change an admin makes to a form, as a value, and the pure function that applies it.

An edit names what it changes by id (a question, a section, an option's stored value), never by position on a
page the admin may have had open for a while, and :func:`apply_edit` checks that it still exists. The result
is a new :class:`~shenbao.forms.model.FormDef`, decoded by msgspec as a definition file is, so an edit can never
leave the definition format; what the format allows but the linter refuses (a rule naming a deleted question)
is kept and shown in the builder until fixed.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shenbao.forms import edit_rules
from shenbao.forms.edit_ops import (  # re-exported: the builder imports the edits and their application from here
    QUESTION_TYPES,
    AddField,
    AddOption,
    AddOutcome,
    AddQuestion,
    AddRule,
    AddScenario,
    AddSection,
    DeleteField,
    DeleteOption,
    DeleteOutcome,
    DeleteQuestion,
    DeleteRule,
    DeleteScenario,
    DeleteSection,
    DuplicateQuestion,
    Edit,
    EditError,
    MoveField,
    MoveOption,
    MoveQuestion,
    MoveSection,
    PlaceQuestion,
    ReplaceForm,
    SetRule,
    UpdateField,
    UpdateForm,
    UpdateOption,
    UpdateOutcome,
    UpdateQuestion,
    UpdateRule,
    UpdateSection,
    describe_edit,
)
from shenbao.forms.model import FormDef

__all__ = [
    "FIELD_PROPERTIES",
    "QUESTION_TYPES",
    "AddField",
    "AddOption",
    "AddOutcome",
    "AddQuestion",
    "AddRule",
    "AddScenario",
    "AddSection",
    "DeleteField",
    "DeleteOption",
    "DeleteOutcome",
    "DeleteQuestion",
    "DeleteRule",
    "DeleteScenario",
    "DeleteSection",
    "DuplicateQuestion",
    "Edit",
    "EditError",
    "MoveField",
    "MoveOption",
    "MoveQuestion",
    "MoveSection",
    "PlaceQuestion",
    "ReplaceForm",
    "SetRule",
    "UpdateField",
    "UpdateForm",
    "UpdateOption",
    "UpdateOutcome",
    "UpdateQuestion",
    "UpdateRule",
    "UpdateSection",
    "apply_edit",
    "describe_edit",
    "new_form",
]

_FORM_FIELDS = frozenset(
    {"title", "description", "guide", "guide_min_seconds", "pledge", "pledge_before", "submit_label",
     "applicant_name", "chain"}
)  # fmt: skip
FIELD_PROPERTIES = frozenset({"label", "kind", "required", "max_chars", "verify"})
"""What :class:`UpdateField` may set on a blank (its ``id`` is fixed)."""
_FIXED_QUESTION_FIELDS = frozenset({"id", "type", "options", "fields", "jumps", "checks"})
_NUMBERED_ID = re.compile(r"^([a-z]+)(\d+)$")


def new_form(form_id: str, title: str) -> FormDef:
    """A new form: one page with one question, the applicant's name, ready to build on."""
    return msgspec.convert(
        {
            "id": form_id,
            "version": 1,
            "title": title,
            "sections": [
                {
                    "id": "s1",
                    "title": "基本情况",
                    "questions": [{"type": "text", "id": "q1", "label": "申请人姓名"}],
                }
            ],
            "applicant_name": "q1",
        },
        FormDef,
    )


def apply_edit(form: FormDef, edit: Edit, *, region_root: str = "") -> FormDef:
    """The form after ``edit``.

    Raises:
        EditError: what the edit names is not in the form (any more), or the values are not allowed; the
            message says what to do, in Chinese.
    """
    data = msgspec.to_builtins(form)
    sections: list[dict[str, Any]] = data["sections"]
    match edit:
        case AddQuestion():
            section = _section(sections, edit.section)
            question = _blank_question(edit.kind, _free_id(data, "q"), region_root)
            if edit.widget:
                question["widget"] = edit.widget
            index = len(section["questions"]) if edit.after is None else _position(section, edit.after) + 1
            section["questions"].insert(index, question)
        case DuplicateQuestion():
            section, index = _find(sections, edit.question)
            copy = dict(section["questions"][index])
            copy["id"] = _free_id(data, _prefix(edit.question))
            copy["label"] = _suffixed(copy["label"], "（副本）")
            section["questions"].insert(index + 1, copy)
        case DeleteQuestion():
            section, index = _find(sections, edit.question)
            del section["questions"][index]
        case MoveQuestion():
            _move_question(sections, edit.question, edit.by)
        case PlaceQuestion():
            section, index = _find(sections, edit.question)
            target = _section(sections, edit.section)
            if edit.before == edit.question:
                return form
            question = section["questions"].pop(index)
            at = len(target["questions"]) if edit.before is None else _position(target, edit.before)
            target["questions"].insert(at, question)
        case UpdateQuestion():
            section, index = _find(sections, edit.question)
            fixed = _FIXED_QUESTION_FIELDS & set(edit.values)
            if fixed:
                raise EditError(f"不能在这里修改{'、'.join(sorted(fixed))}")
            section["questions"][index] = _without_none({**section["questions"][index], **edit.values})
        case AddOption():
            options = _options(sections, edit.question)
            value = _free_option_value(options)
            options.append({"value": value, "label": f"选项{len(options) + 1}"})
        case UpdateOption():
            options = _options(sections, edit.question)
            option = options[_option_index(options, edit.value)]
            if "value" in edit.values:
                raise EditError("选项的存储值不能修改：规则和已收到的申请都用它，改文字即可")
            option.update(edit.values)
            options[_option_index(options, edit.value)] = _without_none(option)
        case DeleteOption():
            options = _options(sections, edit.question)
            if len(options) <= 1:
                raise EditError("选择题至少要有一个选项：请先添加新选项再删除这个")
            del options[_option_index(options, edit.value)]
        case MoveOption():
            options = _options(sections, edit.question)
            _swap(options, _option_index(options, edit.value), edit.by)
        case AddField():
            fields = _fields(sections, edit.question)
            number = _free_field_number(fields)
            fields.append({"id": f"f{number}", "label": f"填空{number}"})
        case UpdateField():
            fields = _fields(sections, edit.question)
            index = _field_index(fields, edit.field)
            if "id" in edit.values:
                raise EditError("填空的编号不能修改：规则和已收到的申请都用它，改文字即可")
            unknown = set(edit.values) - FIELD_PROPERTIES
            if unknown:
                raise EditError(f"不能在这里修改填空的{'、'.join(sorted(unknown))}")
            field = _without_none({**fields[index], **edit.values})
            if field.get("kind", "text") != "phone":
                field.pop("verify", None)  # only a phone blank is confirmed by a code
            fields[index] = field
        case DeleteField():
            fields = _fields(sections, edit.question)
            index = _field_index(fields, edit.field)
            if len(fields) <= 1:
                raise EditError("多项填空至少要有一个填空：请先添加新填空再删除这个")
            if data.get("applicant_name") == f"{edit.question}.{edit.field}":
                raise EditError("申请人姓名取自这个填空：请先在“表单设置”里修改“申请人姓名取自”，再删除它")
            del fields[index]
        case MoveField():
            fields = _fields(sections, edit.question)
            _swap(fields, _field_index(fields, edit.field), edit.by)
        case AddSection():
            index = (
                len(sections) if edit.after is None else sections.index(_section(sections, edit.after)) + 1
            )
            new_id = _free_id(data, "s")
            sections.insert(index, {"id": new_id, "title": f"第{len(sections) + 1}页", "questions": []})
        case UpdateSection():
            _section(sections, edit.section)["title"] = edit.title
        case DeleteSection():
            section = _section(sections, edit.section)
            if section["questions"]:
                raise EditError("这一页还有题目：请先把题目移到别的页或删除，再删这一页")
            if len(sections) == 1:
                raise EditError("表单至少要有一页")
            sections.remove(section)
        case MoveSection():
            _swap(sections, sections.index(_section(sections, edit.section)), edit.by)
        case UpdateForm():
            unknown = set(edit.values) - _FORM_FIELDS
            if unknown:
                raise EditError(f"不能在这里修改{'、'.join(sorted(unknown))}")
            data = _without_none({**data, **edit.values})
        case AddScenario():
            scenarios = data.setdefault("scenarios", [])
            if any(each["name"] == edit.scenario.name for each in scenarios):
                raise EditError(f"已经有一个场景叫“{edit.scenario.name}”：请换一个名字")
            scenarios.append(msgspec.to_builtins(edit.scenario))
        case AddRule():
            edit_rules.add_rule(data, form, edit.question, edit.place, EditError)
        case SetRule():
            edit_rules.set_rule(data, edit.question, edit.place, edit.index, edit.rule, EditError)
        case UpdateRule():
            edit_rules.update_rule_details(
                data, edit.question, edit.place, edit.index, to=edit.to, message=edit.message, error=EditError
            )
        case DeleteRule():
            edit_rules.delete_rule(data, edit.question, edit.place, edit.index, EditError)
        case AddOutcome():
            edit_rules.add_outcome(data, edit.kind)
        case UpdateOutcome():
            edit_rules.update_outcome(data, edit.outcome, edit.values, EditError)
        case DeleteOutcome():
            edit_rules.delete_outcome(data, edit.outcome, EditError)
        case DeleteScenario():
            kept = [each for each in data.get("scenarios", []) if each["name"] != edit.name]
            if len(kept) == len(data.get("scenarios", [])):
                raise EditError("这个场景已不存在，请刷新后再试")
            data["scenarios"] = kept
        case ReplaceForm():
            data = msgspec.to_builtins(msgspec.structs.replace(edit.definition, id=form.id, schema=None))
    return _decoded(data)


def _decoded(data: dict[str, Any]) -> FormDef:
    try:
        return msgspec.convert(data, FormDef)
    except msgspec.ValidationError as error:
        raise EditError(f"这个修改不符合表单格式：{error}") from None


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    """Properties set to ``None`` are removed: they go back to their defaults."""
    return {key: value for key, value in values.items() if value is not None}


def _section(sections: list[dict[str, Any]], section_id: str) -> dict[str, Any]:
    for section in sections:
        if section["id"] == section_id:
            return section
    raise EditError("这一页已不存在（可能刚被别人删除），请刷新后再试")


def _find(sections: list[dict[str, Any]], question_id: str) -> tuple[dict[str, Any], int]:
    for section in sections:
        for index, question in enumerate(section["questions"]):
            if question["id"] == question_id:
                return section, index
    raise EditError("这道题已不存在（可能刚被删除），请刷新后再试")


def _position(section: dict[str, Any], question_id: str) -> int:
    for index, question in enumerate(section["questions"]):
        if question["id"] == question_id:
            return index
    raise EditError("这道题已不在这一页，请刷新后再试")


def _options(sections: list[dict[str, Any]], question_id: str) -> list[dict[str, Any]]:
    section, index = _find(sections, question_id)
    question = section["questions"][index]
    if "options" not in question:
        raise EditError("这道题没有选项")
    options: list[dict[str, Any]] = question["options"]
    return options


def _option_index(options: list[dict[str, Any]], value: str | int) -> int:
    for index, option in enumerate(options):
        if str(option["value"]) == str(value):
            return index
    raise EditError("这个选项已不存在，请刷新后再试")


def _fields(sections: list[dict[str, Any]], question_id: str) -> list[dict[str, Any]]:
    section, index = _find(sections, question_id)
    question = section["questions"][index]
    if "fields" not in question:
        raise EditError("这道题没有填空")
    fields: list[dict[str, Any]] = question["fields"]
    return fields


def _field_index(fields: list[dict[str, Any]], field_id: str) -> int:
    for index, field in enumerate(fields):
        if field["id"] == field_id:
            return index
    raise EditError("这个填空已不存在，请刷新后再试")


def _free_field_number(fields: list[dict[str, Any]]) -> int:
    """One above the highest ``f<n>`` among the blanks (a blank named otherwise, ``name``, takes no number)."""
    numbers = [
        int(match.group(2))
        for field in fields
        if (match := _NUMBERED_ID.match(field["id"])) and match.group(1) == "f"
    ]
    return max(numbers, default=0) + 1


def _swap(items: list[Any], index: int, by: int) -> None:
    other = index + by
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]


def _move_question(sections: list[dict[str, Any]], question_id: str, by: int) -> None:
    """One place up or down; past the first or last question of a page, into the page before or after."""
    section, index = _find(sections, question_id)
    questions = section["questions"]
    if 0 <= index + by < len(questions):
        _swap(questions, index, by)
        return
    page = sections.index(section) + by
    if not 0 <= page < len(sections):
        return
    question = questions.pop(index)
    neighbour = sections[page]["questions"]
    neighbour.insert(len(neighbour) if by < 0 else 0, question)


def _taken_ids(data: dict[str, Any]) -> set[str]:
    taken = {section["id"] for section in data["sections"]}
    taken |= {question["id"] for section in data["sections"] for question in section["questions"]}
    taken |= {outcome["id"] for outcome in data.get("outcomes", [])}
    return taken


def _prefix(identifier: str) -> str:
    match = _NUMBERED_ID.match(identifier)
    return match.group(1) if match else "q"


def _free_id(data: dict[str, Any], prefix: str) -> str:
    """``<prefix><n>`` with ``n`` one above the highest such number in use (ids are never reused in a form)."""
    taken = _taken_ids(data)
    numbers = [
        int(match.group(2))
        for each in taken
        if (match := _NUMBERED_ID.match(each)) and match.group(1) == prefix
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _free_option_value(options: list[dict[str, Any]]) -> str:
    taken = {str(option["value"]) for option in options}
    number = len(options) + 1
    while f"opt{number}" in taken:
        number += 1
    return f"opt{number}"


def _suffixed(label: Any, suffix: str) -> Any:
    if isinstance(label, str):
        return label + suffix
    return {lang: text + suffix if lang == "zh" else text for lang, text in label.items()}


def _blank_question(kind: str, question_id: str, region_root: str) -> dict[str, Any]:
    question: dict[str, Any] = {"type": kind, "id": question_id, "label": f"新的{QUESTION_TYPES[kind]}"}
    if kind in ("single_choice", "multiple_choice"):
        question["options"] = [{"value": "opt1", "label": "选项1"}, {"value": "opt2", "label": "选项2"}]
    elif kind == "fields":
        question["fields"] = [{"id": "f1", "label": "填空1"}]
    elif kind == "region":
        question["root"] = region_root
    elif kind == "notice":
        question["label"] = "请阅读"
    return question
