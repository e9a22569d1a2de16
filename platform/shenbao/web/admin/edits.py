"""The builder's property panel: which fields each question type shows, and reading them back as edits.

One table (:data:`QUESTION_FIELDS`) says what the panel draws and what a post may set, so the two never drift.
A value that cannot be read (letters in a number) is refused at its field, in Chinese, and nothing is saved;
what the format allows but the linter does not (a label too long) is saved and shown as a problem of the draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from shenbao.forms.editing import Edit, UpdateField, UpdateForm, UpdateOption, UpdateQuestion
from shenbao.forms.model import Field, FormDef, Label, Question, text_of

__all__ = [
    "BLANK_KINDS",
    "FORM_FIELDS",
    "QUESTION_FIELDS",
    "FieldSpec",
    "form_edits",
    "form_fields",
    "label_values",
    "question_edits",
    "question_fields",
]

Kind = Literal["text", "textarea", "int", "bool", "select"]


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One field of the panel: the property it sets, what the admin reads, and how it is typed."""

    name: str
    label: str
    kind: Kind = "text"
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    minimum: int | None = None
    optional: bool = True
    """For an ``int`` or ``text`` field: left empty, the property goes back to its default."""
    translated: bool = False
    """A label-like text with a Chinese value and optional other languages (``label.bo``)."""


_DEPTHS = (("city", "市州"), ("county", "区县"), ("township", "乡镇（街道）"), ("village", "村（社区）"))
_COMMON = (
    FieldSpec(name="label", label="题目文字", kind="textarea", translated=True, optional=False),
    FieldSpec(
        name="help", label="填写说明", kind="textarea", translated=True, hint="显示在题目下方的小字，可不填"
    ),
    FieldSpec(name="required", label="必须回答", kind="bool"),
    FieldSpec(name="numbered", label="显示题号（第N题）", kind="bool"),
)
QUESTION_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "single_choice": (
        FieldSpec(name="display", label="显示方式", kind="select", choices=(("radio", "逐个列出"), ("select", "下拉框")), optional=False),
    ),
    "multiple_choice": (
        FieldSpec(name="min_selections", label="至少选几项", kind="int", minimum=0, hint="不填表示不限"),
        FieldSpec(name="max_selections", label="最多选几项", kind="int", minimum=1, hint="不填表示不限"),
    ),
    "text": (
        FieldSpec(name="min_chars", label="最少字数", kind="int", minimum=0),
        FieldSpec(name="max_chars", label="最多字数", kind="int", minimum=1, hint="不填为200"),
        FieldSpec(name="multiline", label="多行（大文本框）", kind="bool"),
    ),
    "number": (
        FieldSpec(name="min", label="最小值", kind="int", hint="不填为0"),
        FieldSpec(name="max", label="最大值", kind="int", hint="不填为1000000"),
        FieldSpec(name="unit", label="单位", hint="例如：人、元、亩"),
    ),
    "phone": (FieldSpec(name="verify", label="发短信验证码确认号码", kind="bool"),),
    "region": (FieldSpec(name="depth", label="选到哪一级", kind="select", choices=_DEPTHS, optional=False),),
    "geolocation": (
        FieldSpec(name="fallback_depth", label="无法定位时手选到哪一级", kind="select", choices=_DEPTHS, optional=False),
    ),
    "photo": (FieldSpec(name="subject", label="拍什么", translated=True, hint="例如：房屋；不填则提示“拍一张您的照片”"),),
    "signature": (
        FieldSpec(name="signers", label="谁来签名", kind="select", choices=(("applicant", "申请人"), ("household", "家庭成员")), optional=False),
    ),
    "upload": (FieldSpec(name="max_files", label="最多几张", kind="int", minimum=1, hint="不填为5"),),
    "notice": (FieldSpec(name="body", label="正文", kind="textarea", translated=True),),
    "fields": (),
    "id_number": (),
}  # fmt: skip
"""The fields of each question type, after :data:`_COMMON` (a notice has no ``required``)."""

BLANK_KINDS: tuple[tuple[str, str], ...] = (
    ("text", "填空"),
    ("phone", "手机号码"),
    ("id_number", "身份证号码"),
    ("number", "数字"),
)
"""What a blank of a fields question (多项填空) can be, as its panel names it."""

FORM_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(name="title", label="表单名称", translated=True, optional=False),
    FieldSpec(name="guide", label="办事指南", kind="textarea", translated=True, hint="农户填表前先读的说明"),
    FieldSpec(
        name="guide_min_seconds",
        label="指南至少阅读几秒",
        kind="int",
        minimum=0,
        hint="0 表示不等待；最多600",
    ),
    FieldSpec(name="pledge", label="诚信承诺书", kind="textarea", translated=True, hint="不填则没有承诺书"),
    FieldSpec(name="submit_label", label="提交按钮文字", translated=True, hint="不填为“确定并申请”"),
    FieldSpec(name="description", label="备注（只给管理员看）", kind="textarea"),
)
"""The form's own settings."""


def form_fields(form: FormDef, chains: Sequence[tuple[str, str]] = ()) -> tuple[FieldSpec, ...]:
    """The form settings' fields, with the choices that depend on its questions (where the pledge goes, which
    answer is the applicant's name) and on the platform's approval chains (``(id, title)``)."""
    numbered = {question.id: question for question in form.questions()}
    names = [(question.id, _choice_label(question)) for question in numbered.values()]
    text_answers = [
        (question.id, _choice_label(question))
        for question in numbered.values()
        if type(question).__struct_config__.tag == "text"
    ] + [
        (f"{question.id}.{field.id}", f"{_choice_label(question)} · {text_of(field.label)}")
        for question in numbered.values()
        for field in getattr(question, "fields", [])
        if field.kind == "text"
    ]
    return (
        *FORM_FIELDS,
        FieldSpec(
            name="pledge_before",
            label="承诺书放在哪道题前面",
            kind="select",
            choices=(("", "（不放承诺书）"), *names),
        ),
        FieldSpec(
            name="applicant_name",
            label="申请人姓名取自",
            kind="select",
            choices=(("", "（不指定）"), *text_answers),
            hint="工作人员的待办列表用它显示申请人",
        ),
        FieldSpec(
            name="chain",
            label="提交后走哪个审批流程",
            kind="select",
            choices=(("", "（还没有选）"), *chains),
            hint="申请按地区题的回答送到村里，再逐级审批",
        ),
    )


def _choice_label(question: Question) -> str:
    text = text_of(question.label)
    return f"{question.id}：{text if len(text) <= 16 else text[:15] + '…'}"


_LANGUAGES = ("bo",)
"""Languages the panel offers beside Chinese; a label's other languages are kept as they are."""


def question_fields(question: Question, widgets: Sequence[tuple[str, str]] = ()) -> tuple[FieldSpec, ...]:
    """The panel's fields for ``question``; ``widgets`` are the pack widgets made for its type (name, label),
    offered beside the type's own."""
    kind = type(question).__struct_config__.tag
    common = _COMMON if kind != "notice" else tuple(each for each in _COMMON if each.name != "required")
    own: tuple[FieldSpec, ...] = ()
    if widgets or question.widget:
        choices = (("", "这种题型自带的"), *widgets)
        if question.widget and question.widget not in dict(widgets):
            choices = (*choices, (question.widget, f"{question.widget}（没有安装）"))
        own = (FieldSpec(name="widget", label="用哪个组件显示", kind="select", choices=choices),)
    return common + own + QUESTION_FIELDS[str(kind)]


def label_values(label: Label | None) -> dict[str, str]:
    """A label's text per language for the panel's inputs (``zh`` always present)."""
    if label is None:
        return {"zh": ""}
    if isinstance(label, str):
        return {"zh": label}
    return {"zh": text_of(label), **{lang: text for lang, text in label.items() if lang != "zh"}}


def _label(posted: Mapping[str, str], name: str, current: Label | None) -> Label | None:
    """The label posted as ``name`` (Chinese) and ``name.bo``...; languages the panel does not show are kept."""
    texts = label_values(current)
    texts["zh"] = posted.get(name, "").strip()
    for lang in _LANGUAGES:
        if f"{name}.{lang}" in posted:
            texts[lang] = posted[f"{name}.{lang}"].strip()
    texts = {lang: text for lang, text in texts.items() if text}
    if not texts.get("zh"):
        return (
            None if not texts else {"zh": "", **texts}
        )  # kept so nothing typed is lost; the linter names it
    return texts["zh"] if len(texts) == 1 else texts


def _read(
    fields: tuple[FieldSpec, ...], posted: Mapping[str, str], current: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        if spec.kind == "bool":
            if f"{spec.name}._shown" in posted:  # a box left unticked is not posted: its marker is
                values[spec.name] = posted.get(spec.name) == "1"
            continue
        if spec.name not in posted:
            continue
        raw = posted[spec.name].strip()
        if spec.translated:
            values[spec.name] = _label(posted, spec.name, current.get(spec.name))
        elif spec.kind == "int":
            if not raw:
                values[spec.name] = None
            elif not raw.lstrip("-").isdigit() or len(raw) > 9:
                errors[spec.name] = f"“{spec.label}”请填整数，例如 10"
            elif spec.minimum is not None and int(raw) < spec.minimum:
                errors[spec.name] = f"“{spec.label}”不能小于{spec.minimum}"
            else:
                values[spec.name] = int(raw)
        elif spec.kind == "select":
            allowed = {value for value, _ in spec.choices}
            if raw not in allowed:
                errors[spec.name] = f"请从“{spec.label}”的选项中选一个"
            else:
                values[spec.name] = raw or None
        else:
            values[spec.name] = raw or None
    return values, errors


def question_edits(
    question: Question, posted: Mapping[str, str], widgets: Sequence[tuple[str, str]] = ()
) -> tuple[list[Edit], dict[str, str]]:
    """The edits a post of ``question``'s panel asks for, or the errors of the fields that could not be read.

    The panel posts the question's properties and, for a choice question, each option's label
    (``option.<value>``, ``option.<value>.bo``) and exclusive flag (``exclusive.<value>``); for a fields question
    each blank's ``field.<id>.label`` (and ``.label.bo``), ``.kind``, ``.required``, ``.max_chars`` and, for a
    phone blank, ``.verify`` (a box with its ``._shown`` marker).
    """
    current = msgspec.to_builtins(question)
    values, errors = _read(question_fields(question, widgets), posted, current)
    if errors:
        return [], errors
    changed = {name: value for name, value in values.items() if current.get(name) != value}
    edits: list[Edit] = [UpdateQuestion(question=question.id, values=changed)] if changed else []
    for option in getattr(question, "options", ()):
        key = f"option.{option.value}"
        if key not in posted:
            continue
        update: dict[str, Any] = {"label": _label(posted, key, option.label) or ""}
        if f"exclusive.{option.value}._shown" in posted:
            update["exclusive"] = posted.get(f"exclusive.{option.value}") == "1" or None
        if f"{key}.group" in posted:  # the heading consecutive options share (2021 q9's topics)
            update["group"] = _label(posted, f"{key}.group", option.group)
        differs = update["label"] != option.label or update.get("exclusive") != (option.exclusive or None)
        if differs or ("group" in update and update["group"] != option.group):
            edits.append(UpdateOption(question=question.id, value=option.value, values=update))
    for field in getattr(question, "fields", ()):
        edit, blank_errors = _blank_edit(question.id, field, posted)
        errors.update(blank_errors)
        if edit is not None:
            edits.append(edit)
    if errors:
        return [], errors
    return edits, {}


_BLANK_DEFAULTS = {each.name: each.default for each in msgspec.structs.fields(Field)}


def _blank_edit(
    question_id: str, field: Field, posted: Mapping[str, str]
) -> tuple[UpdateField | None, dict[str, str]]:
    """The change a post asks of one blank (``None``: none), or the errors of its inputs (``field.<id>.<name>``)."""
    key = f"field.{field.id}"
    if f"{key}.label" not in posted:
        return None, {}
    name = text_of(field.label) or field.id
    errors: dict[str, str] = {}
    wanted: dict[str, Any] = {"label": _label(posted, f"{key}.label", field.label) or ""}
    kind = posted.get(f"{key}.kind", field.kind)
    if kind not in dict(BLANK_KINDS):
        errors[f"{key}.kind"] = f"请从“{name}”的类型中选一个"
    wanted["kind"] = kind
    if f"{key}.required._shown" in posted:
        wanted["required"] = posted.get(f"{key}.required") == "1"
    if f"{key}.max_chars" in posted:
        raw = posted[f"{key}.max_chars"].strip()
        if not raw:
            wanted["max_chars"] = _BLANK_DEFAULTS["max_chars"]
        elif not raw.isdigit() or len(raw) > 9:
            errors[f"{key}.max_chars"] = f"“{name}”的最多字数请填整数，例如 20"
        elif int(raw) < 1:
            errors[f"{key}.max_chars"] = f"“{name}”的最多字数不能小于1"
        else:
            wanted["max_chars"] = int(raw)
    if kind == "phone" and f"{key}.verify._shown" in posted:
        wanted["verify"] = posted.get(f"{key}.verify") == "1"
    if errors:
        return None, errors
    changed = {prop: value for prop, value in wanted.items() if getattr(field, prop) != value}
    return (UpdateField(question=question_id, field=field.id, values=changed) if changed else None), {}


def form_edits(
    form: FormDef, posted: Mapping[str, str], chains: Sequence[tuple[str, str]] = ()
) -> tuple[list[Edit], dict[str, str]]:
    """The edits a post of the form's settings asks for, or the errors of the fields that could not be read."""
    current = msgspec.to_builtins(form)
    values, errors = _read(form_fields(form, chains), posted, current)
    if "guide_min_seconds" in values and (values["guide_min_seconds"] or 0) > 600:
        errors["guide_min_seconds"] = "“指南至少阅读几秒”最多600秒（10分钟）"
    if errors:
        return [], errors
    if values.get("guide", "") is None:
        values["guide"] = ""
    if "title" in values and not values["title"]:
        errors["title"] = "请填写表单名称"
        return [], errors
    changed = {name: value for name, value in values.items() if current.get(name) != value}
    return ([UpdateForm(values=changed)] if changed else []), {}
