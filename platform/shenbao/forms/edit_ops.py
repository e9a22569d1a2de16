"""The builder's edits as values: each change an admin can make to a form, named by what it changes, and the
sentence the form's history says of it.

:func:`shenbao.forms.editing.apply_edit` applies them.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from shenbao.forms.edit_rules import RulePlace
from shenbao.forms.model import Base, FormDef, Label, Question, Scenario, text_of
from shenbao.forms.rules import Rule

__all__ = [
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
    "describe_edit",
]

QUESTION_TYPES: dict[str, str] = {
    "single_choice": "单选题",
    "multiple_choice": "多选题",
    "text": "填空题",
    "number": "数字题",
    "fields": "多项填空",
    "phone": "手机号码",
    "id_number": "身份证号码",
    "region": "地区选择",
    "geolocation": "当前位置",
    "photo": "现场拍照",
    "signature": "电子签名",
    "upload": "上传材料",
    "notice": "说明文字",
}
"""Every question type the builder offers, with the name the toolbox shows."""

QuestionType: TypeAlias = Literal[
    "single_choice", "multiple_choice", "text", "number", "fields", "phone", "id_number", "region",
    "geolocation", "photo", "signature", "upload", "notice",
]  # fmt: skip


class EditError(ValueError):
    """An edit that cannot be applied; the message says why in Chinese, for the builder to show."""


class _Edit(Base, tag_field="op", frozen=True, kw_only=True):
    """What every edit shares: the policy of the definition models, tagged by ``op``."""


class AddQuestion(_Edit, tag="add_question", frozen=True, kw_only=True):
    """Add a question of type ``kind`` to ``section``, after ``after`` (at the end when ``None``)."""

    kind: QuestionType
    section: str
    after: str | None = None
    widget: str | None = None
    """A pack's own widget made for ``kind`` (the type's own when ``None``)."""


class DuplicateQuestion(_Edit, tag="duplicate_question", frozen=True, kw_only=True):
    """Copy a question, with a new id, right after it."""

    question: str


class DeleteQuestion(_Edit, tag="delete_question", frozen=True, kw_only=True):
    question: str


class MoveQuestion(_Edit, tag="move_question", frozen=True, kw_only=True):
    """Move a question one place up (``by=-1``) or down (``by=1``), into the next section at an edge."""

    question: str
    by: Literal[-1, 1]


class PlaceQuestion(_Edit, tag="place_question", frozen=True, kw_only=True):
    """Put a question into ``section`` before ``before`` (at its end when ``None``): a drag and drop."""

    question: str
    section: str
    before: str | None = None


class UpdateQuestion(_Edit, tag="update_question", frozen=True, kw_only=True):
    """Set some of a question's properties (``label``, ``required``, ``max_chars``...); the rest stay."""

    question: str
    values: dict[str, Any]


class AddOption(_Edit, tag="add_option", frozen=True, kw_only=True):
    question: str


class UpdateOption(_Edit, tag="update_option", frozen=True, kw_only=True):
    """Change an option's label, group or exclusive flag; its stored ``value`` never changes with its label."""

    question: str
    value: str | int
    values: dict[str, Any]


class DeleteOption(_Edit, tag="delete_option", frozen=True, kw_only=True):
    question: str
    value: str | int


class MoveOption(_Edit, tag="move_option", frozen=True, kw_only=True):
    question: str
    value: str | int
    by: Literal[-1, 1]


class AddField(_Edit, tag="add_field", frozen=True, kw_only=True):
    """Add a blank to a fields question (多项填空), at its end, with a new id (``f<n>``)."""

    question: str


class UpdateField(_Edit, tag="update_field", frozen=True, kw_only=True):
    """Change a blank's label, kind, required, max_chars or verify; its ``id`` never changes with its label."""

    question: str
    field: str
    values: dict[str, Any]


class DeleteField(_Edit, tag="delete_field", frozen=True, kw_only=True):
    """Delete a blank (not the last one, nor the one the applicant's name is taken from)."""

    question: str
    field: str


class MoveField(_Edit, tag="move_field", frozen=True, kw_only=True):
    question: str
    field: str
    by: Literal[-1, 1]


class AddSection(_Edit, tag="add_section", frozen=True, kw_only=True):
    """Add an empty page after ``after`` (at the end when ``None``)."""

    after: str | None = None


class UpdateSection(_Edit, tag="update_section", frozen=True, kw_only=True):
    section: str
    title: Label


class DeleteSection(_Edit, tag="delete_section", frozen=True, kw_only=True):
    """Delete an empty page (a page with questions is refused: move or delete them first)."""

    section: str


class MoveSection(_Edit, tag="move_section", frozen=True, kw_only=True):
    section: str
    by: Literal[-1, 1]


class UpdateForm(_Edit, tag="update_form", frozen=True, kw_only=True):
    """Set some of the form's own properties (``title``, ``guide``, ``pledge``...)."""

    values: dict[str, Any]


class AddScenario(_Edit, tag="add_scenario", frozen=True, kw_only=True):
    """Keep a scenario with the form (its name must be new)."""

    scenario: Scenario


class DeleteScenario(_Edit, tag="delete_scenario", frozen=True, kw_only=True):
    name: str


class AddRule(_Edit, tag="add_rule", frozen=True, kw_only=True):
    """Start a display rule, a jump or a check of a question, from a first condition the admin then changes."""

    question: str
    place: RulePlace


class SetRule(_Edit, tag="set_rule", frozen=True, kw_only=True):
    """Replace a rule's condition: a tree from the rule builder, or a CEL expression typed by hand."""

    question: str
    place: RulePlace
    index: int = 0
    rule: Rule | str


class UpdateRule(_Edit, tag="update_rule", frozen=True, kw_only=True):
    """Where a jump goes (``to``), or what a check says when it fails (``message``)."""

    question: str
    place: RulePlace
    index: int = 0
    to: str | None = None
    message: Label | None = None


class DeleteRule(_Edit, tag="delete_rule", frozen=True, kw_only=True):
    question: str
    place: RulePlace
    index: int = 0


class AddOutcome(_Edit, tag="add_outcome", frozen=True, kw_only=True):
    """A terminal outcome a jump can go to: 不能申请 (``blocked``) or 可以申请但标记 (``flagged``)."""

    kind: Literal["blocked", "flagged"] = "blocked"


class UpdateOutcome(_Edit, tag="update_outcome", frozen=True, kw_only=True):
    outcome: str
    values: dict[str, Any]


class DeleteOutcome(_Edit, tag="delete_outcome", frozen=True, kw_only=True):
    outcome: str


class ReplaceForm(_Edit, tag="replace_form", frozen=True, kw_only=True):
    """Put a whole definition (an imported file, checked by the linter first) in place of the form's content.

    The form keeps its own id (the file's is rewritten); ``file_name`` is what the history names.
    """

    definition: FormDef
    file_name: str = ""


Edit: TypeAlias = (
    AddQuestion
    | DuplicateQuestion
    | DeleteQuestion
    | MoveQuestion
    | PlaceQuestion
    | UpdateQuestion
    | AddOption
    | UpdateOption
    | DeleteOption
    | MoveOption
    | AddField
    | UpdateField
    | DeleteField
    | MoveField
    | AddSection
    | UpdateSection
    | DeleteSection
    | MoveSection
    | UpdateForm
    | AddScenario
    | DeleteScenario
    | AddRule
    | SetRule
    | UpdateRule
    | DeleteRule
    | AddOutcome
    | UpdateOutcome
    | DeleteOutcome
    | ReplaceForm
)


def describe_edit(form: FormDef, edit: Edit) -> str:
    """What ``edit`` does to ``form``, in Chinese, for the form's history (``删除了“家庭人口数”``)."""
    match edit:
        case AddQuestion():
            return f"添加了一道{QUESTION_TYPES[edit.kind]}"
        case AddSection():
            return "添加了一页"
        case UpdateSection():
            return f"修改了页标题“{_short(text_of(edit.title))}”"
        case DeleteSection():
            return "删除了一页"
        case MoveSection():
            return "调整了页的顺序"
        case UpdateForm():
            return "修改了表单设置"
        case AddOutcome() | UpdateOutcome() | DeleteOutcome():
            return {AddOutcome: "添加了", UpdateOutcome: "修改了", DeleteOutcome: "删除了"}[
                type(edit)
            ] + "一个结果页"
        case AddRule() | SetRule() | UpdateRule() | DeleteRule():
            what = {"visible_if": "显示条件", "jump": "跳转", "check": "检查规则"}[edit.place]
            verb = {AddRule: "添加了", SetRule: "修改了", UpdateRule: "修改了", DeleteRule: "删除了"}[
                type(edit)
            ]
            return f"{verb}{_named(form, edit.question)}的{what}"
        case AddScenario():
            return f"添加了场景“{_short(edit.scenario.name)}”"
        case DeleteScenario():
            return f"删除了场景“{_short(edit.name)}”"
        case ReplaceForm():
            return (
                f"导入了文件“{_short(edit.file_name)}”，替换了全部内容"
                if edit.file_name
                else "导入了文件，替换了全部内容"
            )
        case AddOption() | UpdateOption() | DeleteOption() | MoveOption():
            return f"修改了{_named(form, edit.question)}的选项"
        case AddField() | UpdateField() | DeleteField() | MoveField():
            return f"修改了{_named(form, edit.question)}的填空"
    verbs = {
        DuplicateQuestion: "复制了",
        DeleteQuestion: "删除了",
        MoveQuestion: "移动了",
        PlaceQuestion: "移动了",
    }
    return f"{verbs.get(type(edit), '修改了')}{_named(form, edit.question)}"


def _named(form: FormDef, question_id: str) -> str:
    question: Question | None = next((each for each in form.questions() if each.id == question_id), None)
    return f"“{_short(text_of(question.label))}”" if question is not None else question_id


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
