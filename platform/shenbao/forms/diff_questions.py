"""One question compared between two versions of a form, for :mod:`shenbao.forms.diff`. Pure: no I/O.

Each difference is a ``(kind, question id, sentence, severity)`` tuple; questions are named as
「label」（第3页，第5题）, rules by :func:`~shenbao.forms.rule_text.describe_place`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

import msgspec

from shenbao.forms.edit_ops import QUESTION_TYPES
from shenbao.forms.expressions import ExpressionError
from shenbao.forms.model import (
    CameraPhoto,
    FieldsQuestion,
    FormDef,
    Geolocation,
    Label,
    MultipleChoice,
    Notice,
    NumberQuestion,
    Option,
    Phone,
    Question,
    Region,
    Rule,
    Section,
    Signature,
    SingleChoice,
    TextQuestion,
    Upload,
    text_of,
)
from shenbao.forms.rule_text import Place, describe_place
from shenbao.forms.rules import rule_source

__all__ = ["Found", "Version", "compare_question", "label_changes", "name", "quoted"]

Found: TypeAlias = tuple[str, str | None, str, Literal["safe", "breaking", "refused"]]
"""One difference: its kind, the question it is about, its sentence and its severity."""

LANGUAGES: Mapping[str, str] = {
    "bo": "藏文",
    "ug": "维吾尔文",
    "mn": "蒙古文",
    "kk": "哈萨克文",
    "en": "英文",
}
_QUOTED_MAX = 24
_LEVELS = ("city", "county", "township", "village")
_LEVEL_NAMES = {"city": "市州", "county": "区县", "township": "乡镇", "village": "村"}
_FIELD_KINDS = {"text": "文字", "phone": "手机号码", "id_number": "身份证号码", "number": "数字"}


@dataclass(frozen=True)
class Version:
    """A definition with what naming and comparing need: its questions by id, numbers and pages."""

    form: FormDef
    questions: list[Question]
    by_id: dict[str, Question]
    numbers: dict[str, int]
    page: dict[str, int]
    section_of: dict[str, str]
    sections: dict[str, Section]
    page_of_section: dict[str, int]

    @classmethod
    def of(cls, form: FormDef) -> Version:
        """Index ``form``."""
        questions = form.questions()
        numbered = (question for question in questions if question.numbered)
        return cls(
            form=form,
            questions=questions,
            by_id={question.id: question for question in questions},
            numbers={question.id: number for number, question in enumerate(numbered, start=1)},
            page={q.id: page for page, section in enumerate(form.sections, 1) for q in section.questions},
            section_of={q.id: section.id for section in form.sections for q in section.questions},
            sections={section.id: section for section in form.sections},
            page_of_section={section.id: page for page, section in enumerate(form.sections, 1)},
        )


def quoted(text: str, limit: int = _QUOTED_MAX) -> str:
    """「text」, cut with … past ``limit`` characters."""
    return f"「{text if len(text) <= limit else text[: limit - 1] + '…'}」"


def name(version: Version, question_id: str, *, page: bool = True) -> str:
    """「label」（第3页，第5题）: the label, then where it is (its page, and its number when numbered); a
    question the version does not have (a draft's dangling reference) by its id."""
    question = version.by_id.get(question_id)
    if question is None:
        return f"不存在的题目“{question_id}”"
    places = [f"第{version.page[question_id]}页"] if page else []
    if question_id in version.numbers:
        places.append(f"第{version.numbers[question_id]}题")
    return quoted(text_of(question.label)) + (f"（{'，'.join(places)}）" if places else "")


def _languages(label: Label | None) -> dict[str, str]:
    if label is None:
        return {}
    return {"zh": label} if isinstance(label, str) else dict(label)


def label_changes(what: str, old: Label | None, new: Label | None) -> list[str]:
    """Sentences for a changed text in any language: ``{what}由「…」改为「…」``, ``{what}的藏文改了``."""
    before, after = _languages(old), _languages(new)
    if before == after:
        return []
    found = []
    if before.get("zh") != after.get("zh"):
        if not before.get("zh"):
            found.append(f"新增{what}{quoted(after['zh'], 40)}")
        elif not after.get("zh"):
            found.append(f"去掉了{what}{quoted(before['zh'], 40)}")
        else:
            found.append(f"{what}由{quoted(before['zh'], 40)}改为{quoted(after['zh'], 40)}")
    others = sorted(
        lang for lang in set(before) | set(after) if lang != "zh" and before.get(lang) != after.get(lang)
    )
    if others:
        found.append(f"{what}的{'、'.join(LANGUAGES.get(lang, lang) for lang in others)}改了")
    return found


def _source(rule: str | Rule, form: FormDef) -> str:
    """The rule's CEL in its form (a tree and the CEL it compiles to are the same rule)."""
    try:
        return rule_source(rule, form)
    except ExpressionError:
        return msgspec.json.encode(rule).decode()


def _sentence(rule: str | Rule, version: Version, place: Place, to: str | None = None) -> str:
    """The rule as the builder says it; a CEL rule read back into the builder's tree when it fits."""
    if isinstance(rule, str):
        from shenbao.forms.rule_reading import read_rule  # loads the CEL grammar: only when a rule changed

        rule = read_rule(rule, version.form) or rule
    return describe_place(rule, version.form, place, to=to)


def compare_question(before: Version, after: Version, question_id: str) -> Iterator[Found]:
    """Every difference of one question present in both versions, the type first (a changed type says only
    that: the question cannot be published as it is)."""
    old, new = before.by_id[question_id], after.by_id[question_id]
    named = name(after, question_id)
    old_type, new_type = old.__struct_config__.tag, new.__struct_config__.tag
    if old_type != new_type:
        text = (
            f"{named}的题型由{QUESTION_TYPES.get(str(old_type), old_type)}改为{QUESTION_TYPES.get(str(new_type), new_type)}："
            "同一道题不能改题型，请保留原题或删去它，另加一道新题（新题用新的编号）"
        )
        yield "type", question_id, text, "refused"
        return
    number = f"第{after.numbers[question_id]}题" if question_id in after.numbers else ""
    for text in label_changes(f"第{after.page[question_id]}页{number}的题目文字", old.label, new.label):
        yield "label", question_id, text, "safe"
    for text in label_changes(f"{named}的说明", old.help, new.help):
        yield "help", question_id, text, "safe"
    if old.required != new.required and not isinstance(new, Notice):
        if new.required:
            yield "required", question_id, f"{named}由可选改为必答：已经填过这里的农户要回去补答", "breaking"
        else:
            yield "required", question_id, f"{named}由必答改为可选", "safe"
    if old.numbered != new.numbered:
        text = f"{named}{'开始编号' if new.numbered else '不再编号'}，后面的题号跟着变"
        yield "display", question_id, text, "safe"
    if old.widget != new.widget:
        text = f"{named}的显示方式（控件）由“{old.widget or '默认'}”改为“{new.widget or '默认'}”"
        yield "display", question_id, text, "safe"
    yield from _own(old, new, named, question_id)
    yield from _rules(before, after, question_id, named)


def _limit(
    named: str,
    question_id: str,
    noun: str,
    old: int | None,
    new: int | None,
    tighter_when_higher: bool,
    unit: str = "",
) -> Iterator[Found]:
    """A limit changed: tighter (breaking) or looser (safe); ``None`` is no limit."""
    if old == new:
        return
    # no limit (None) is looser than any
    tighter = new is not None if old is None or new is None else (new > old) == tighter_when_higher

    def shown(value: int | None) -> str:
        if value is None:
            return "不限"
        return f"{value // (1024 * 1024)}MB" if unit == "MB" else f"{value}{unit}"

    text = f"{named}的{noun}由{shown(old)}改为{shown(new)}"
    if tighter:
        yield "limits", question_id, f"{text}，要求更严了：已填的答案可能要改", "breaking"
    else:
        yield "limits", question_id, f"{text}，要求放宽了", "safe"


_LIMITS: Mapping[type, tuple[tuple[str, str, bool, str], ...]] = {
    MultipleChoice: (("min_selections", "最少要选的项数", True, "项"), ("max_selections", "最多能选的项数", False, "项")),
    TextQuestion: (("min_chars", "最少字数", True, "个字"), ("max_chars", "最多字数", False, "个字")),
    NumberQuestion: (("min", "最小值", True, ""), ("max", "最大值", False, "")),
    CameraPhoto: (("max_bytes", "照片大小上限", False, "MB"),),
    Upload: (("max_files", "最多能传的文件数", False, "个"), ("max_bytes", "每个文件的大小上限", False, "MB")),
}  # fmt: skip
"""Each type's limits: attribute, name, whether a higher value is tighter, unit."""

_WORDING: Mapping[type, tuple[tuple[str, str], ...]] = {
    NumberQuestion: (("unit", "单位"),),
    Notice: (("body", "正文"),),
    CameraPhoto: (("subject", "拍照内容"),),
}
"""Each type's own texts: attribute and name."""


def _own(old: Question, new: Question, named: str, question_id: str) -> Iterator[Found]:
    """What only some question types have: options, limits, blanks, regions, units... (``old`` and ``new``
    are of the same type)."""
    for attr, noun, higher, unit in _LIMITS.get(type(new), ()):
        yield from _limit(named, question_id, noun, getattr(old, attr), getattr(new, attr), higher, unit)
    for attr, noun in _WORDING.get(type(new), ()):
        for text in label_changes(f"{named}的{noun}", getattr(old, attr), getattr(new, attr)):
            yield "label", question_id, text, "safe"
    if isinstance(old, SingleChoice | MultipleChoice) and isinstance(new, SingleChoice | MultipleChoice):
        yield from _options(old.options, new.options, named, question_id)
    if isinstance(old, SingleChoice) and isinstance(new, SingleChoice) and old.display != new.display:
        look = {"radio": "圆点单选", "select": "下拉选择"}
        yield "display", question_id, f"{named}的显示方式由{look[old.display]}改为{look[new.display]}", "safe"
    if isinstance(old, TextQuestion) and isinstance(new, TextQuestion) and old.multiline != new.multiline:
        yield "display", question_id, f"{named}的填写框改为{'多行' if new.multiline else '单行'}", "safe"
    if isinstance(old, FieldsQuestion) and isinstance(new, FieldsQuestion):
        yield from _fields(old, new, named, question_id)
    if isinstance(old, Signature) and isinstance(new, Signature) and old.signers != new.signers:
        who = {"applicant": "申请人本人", "household": "全家人"}
        text = f"{named}的签名人由{who[old.signers]}改为{who[new.signers]}"
        yield "limits", question_id, text, "breaking" if new.signers == "household" else "safe"
    if isinstance(old, Phone) and isinstance(new, Phone) and old.verify != new.verify:
        if new.verify:
            yield "limits", question_id, f"{named}改为要用短信验证码确认：已填的号码要再验证", "breaking"
        else:
            yield "limits", question_id, f"{named}不再要短信验证码确认", "safe"
    if isinstance(old, Region) and isinstance(new, Region):
        if old.depth != new.depth:
            text = f"{named}要选到的一级由{_LEVEL_NAMES[old.depth]}改为{_LEVEL_NAMES[new.depth]}：已选的地址要重新选"
            yield "region", question_id, text, "breaking"
        if old.root != new.root:
            # An empty root is the form's pack's province.
            text = f"{named}可选的地区范围由“{old.root or '本省'}”以下改为“{new.root or '本省'}”以下"
            yield "region", question_id, text, "breaking"
    if (
        isinstance(old, Geolocation)
        and isinstance(new, Geolocation)
        and old.fallback_depth != new.fallback_depth
    ):
        was, now = old.fallback_depth, new.fallback_depth
        text = f"{named}定位不到时要选到的一级由{_LEVEL_NAMES[was]}改为{_LEVEL_NAMES[now]}"
        yield "limits", question_id, text, "breaking" if _LEVELS.index(now) > _LEVELS.index(was) else "safe"


def _label(option: Option) -> str:
    return text_of(option.label)


def _options(old: list[Option], new: list[Option], named: str, question_id: str) -> Iterator[Found]:
    """Options are matched by value; a removed option whose label a new one carries was given a new value."""
    old_by_value = {option.value: option for option in old}
    new_by_value = {option.value: option for option in new}
    gone = [option for option in old if option.value not in new_by_value]
    came = [option for option in new if option.value not in old_by_value]
    renamed: dict[str | int, Option] = {}
    for option in gone:
        twin = next(
            (each for each in came if _label(each) == _label(option) and each not in renamed.values()),
            None,
        )
        if twin is not None:
            renamed[option.value] = twin
    for option in gone:
        label = quoted(_label(option))
        if option.value in renamed:
            text = f"{named}的选项{label}的值由“{option.value}”改为“{renamed[option.value].value}”：选了它的农户要重新选"
        else:
            text = f"{named}删去了选项{label}：选了它的农户要重新选"
        yield "option_removed", question_id, text, "breaking"
    for option in came:
        if option not in renamed.values():
            yield "options", question_id, f"{named}新增选项{quoted(_label(option))}", "safe"
    for option in new:
        was = old_by_value.get(option.value)
        if was is None:
            continue
        for text in label_changes(f"{named}的选项{quoted(_label(was))}", was.label, option.label):
            yield "options", question_id, text, "safe"
        for text in label_changes(
            f"{named}的选项{quoted(_label(option))}的分组标题", was.group, option.group
        ):
            yield "options", question_id, text, "safe"
        if was.exclusive != option.exclusive:
            label = quoted(_label(option))
            if option.exclusive:
                text = f"{named}的选项{label}改为“选了它就不能选别的”：同时选了别的农户要重新选"
                yield "options", question_id, text, "breaking"
            else:
                yield "options", question_id, f"{named}的选项{label}不再排斥别的选项", "safe"
    kept_old = [option.value for option in old if option.value in new_by_value]
    kept_new = [option.value for option in new if option.value in old_by_value]
    if kept_old != kept_new:
        yield "options", question_id, f"{named}的选项顺序调整了", "safe"


def _fields(old: FieldsQuestion, new: FieldsQuestion, named: str, question_id: str) -> Iterator[Found]:
    """The blanks of a multi-field question, matched by id."""
    before = {field.id: field for field in old.fields}
    after = {field.id: field for field in new.fields}
    for field in old.fields:
        if field.id not in after:
            text = f"{named}去掉了填空{quoted(text_of(field.label))}，已填的内容不再保留"
            yield "fields", question_id, text, "safe"
    for field in new.fields:
        label = quoted(text_of(field.label))
        was = before.get(field.id)
        if was is None:
            if field.required:
                yield "fields", question_id, f"{named}新增必填项{label}：已填过这道题的农户要补填", "breaking"
            else:
                yield "fields", question_id, f"{named}新增选填项{label}", "safe"
            continue
        for text in label_changes(f"{named}的填空{quoted(text_of(was.label))}", was.label, field.label):
            yield "fields", question_id, text, "safe"
        if was.kind != field.kind:
            text = f"{named}的填空{label}由{_FIELD_KINDS[was.kind]}改为{_FIELD_KINDS[field.kind]}：已填的要重新填"
            yield "fields", question_id, text, "breaking"
        if was.required != field.required:
            if field.required:
                yield (
                    "fields",
                    question_id,
                    f"{named}的填空{label}由选填改为必填：没填的农户要补填",
                    "breaking",
                )
            else:
                yield "fields", question_id, f"{named}的填空{label}由必填改为选填", "safe"
        yield from _limit(
            named, question_id, f"填空{label}的最多字数", was.max_chars, field.max_chars, False, "个字"
        )
        if was.verify != field.verify:
            if field.verify:
                yield (
                    "fields",
                    question_id,
                    f"{named}的填空{label}改为要用短信验证码确认：已填的号码要再验证",
                    "breaking",
                )
            else:
                yield "fields", question_id, f"{named}的填空{label}不再要短信验证码确认", "safe"
    kept_old = [field.id for field in old.fields if field.id in after]
    kept_new = [field.id for field in new.fields if field.id in before]
    if kept_old != kept_new:
        yield "fields", question_id, f"{named}各填空的顺序调整了", "safe"


def _rules(before: Version, after: Version, question_id: str, named: str) -> Iterator[Found]:
    """The display rule, the jumps and the checks, each told as the builder says it, before and after."""
    old, new = before.by_id[question_id], after.by_id[question_id]
    old_rule = _source(old.visible_if, before.form) if old.visible_if is not None else None
    new_rule = _source(new.visible_if, after.form) if new.visible_if is not None else None
    if old_rule != new_rule:
        was = _sentence(old.visible_if, before, "visible_if") if old.visible_if is not None else "总是显示"
        now = _sentence(new.visible_if, after, "visible_if") if new.visible_if is not None else "总是显示"
        yield "rule", question_id, f"{named}的显示条件改了：原来{was}，现在{now}", "breaking"
    old_jumps = [(_source(jump.when, before.form), jump.to) for jump in old.jumps]
    new_jumps = [(_source(jump.when, after.form), jump.to) for jump in new.jumps]
    if old_jumps != new_jumps:

        def jump(version: Version, question: Question, index: int) -> str:
            return _sentence(question.jumps[index].when, version, "jump", question.jumps[index].to)

        if len(old_jumps) == len(new_jumps):
            for index, (old_jump, new_jump) in enumerate(zip(old_jumps, new_jumps, strict=True)):
                if old_jump != new_jump:
                    text = f"{named}的跳转改了：原来{jump(before, old, index)}，现在{jump(after, new, index)}"
                    yield "rule", question_id, text, "breaking"
        else:
            for index, each in enumerate(old_jumps):
                if each not in new_jumps:
                    yield "rule", question_id, f"{named}去掉了跳转：{jump(before, old, index)}", "breaking"
            for index, each in enumerate(new_jumps):
                if each not in old_jumps:
                    yield "rule", question_id, f"{named}新增跳转：{jump(after, new, index)}", "breaking"
    yield from _checks(before, after, question_id, named)


def _checks(before: Version, after: Version, question_id: str, named: str) -> Iterator[Found]:
    old, new = before.by_id[question_id], after.by_id[question_id]
    old_rules = [_source(check.rule, before.form) for check in old.checks]
    new_rules = [_source(check.rule, after.form) for check in new.checks]

    def said(version: Version, question: Question, index: int) -> str:
        return _sentence(question.checks[index].rule, version, "check")

    if len(old_rules) == len(new_rules):
        for index, (was, now) in enumerate(zip(old_rules, new_rules, strict=True)):
            if was != now:
                text = f"{named}的检查规则改了：原来{said(before, old, index)}，现在{said(after, new, index)}"
                yield "rule", question_id, text, "breaking"
            elif (old.checks[index].message, old.checks[index].values) != (
                new.checks[index].message,
                new.checks[index].values,
            ):
                message = quoted(text_of(new.checks[index].message), 40)
                yield "rule", question_id, f"{named}检查不通过时的提示改为{message}", "safe"
        return
    for index, rule in enumerate(old_rules):
        if rule not in new_rules:
            yield "rule", question_id, f"{named}去掉了检查规则：{said(before, old, index)}", "safe"
    for index, rule in enumerate(new_rules):
        if rule not in old_rules:
            yield "rule", question_id, f"{named}新增检查规则：{said(after, new, index)}", "breaking"
