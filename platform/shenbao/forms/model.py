"""The form-definition format: msgspec Structs, one tagged union member per question type.

A definition file is JSON decoded straight into :class:`FormDef`; its JSON Schema (``form_defs/schema.json``)
is generated from these classes, so the format is written down exactly once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "AllOf",
    "AnyOf",
    "CameraPhoto",
    "Check",
    "Condition",
    "Expectation",
    "Field",
    "FieldsQuestion",
    "FormDef",
    "Geolocation",
    "IdNumber",
    "Jump",
    "Label",
    "MultipleChoice",
    "Notice",
    "NumberQuestion",
    "Operator",
    "Option",
    "Outcome",
    "Phone",
    "Question",
    "Region",
    "Rule",
    "Scenario",
    "Section",
    "Signature",
    "SingleChoice",
    "TextQuestion",
    "Upload",
    "text_of",
]

Label: TypeAlias = str | dict[str, str]
"""Chinese text, or ``{"zh": "...", "bo": "..."}`` with Chinese required and other languages optional."""

Expression = Annotated[str, msgspec.Meta(min_length=1, description="A CEL expression over the answers")]
Identifier = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


def text_of(label: Label, lang: str = "zh") -> str:
    """Return ``label`` in ``lang``, falling back to Chinese."""
    if isinstance(label, str):
        return label
    return label.get(lang) or label["zh"]


class Base(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, omit_defaults=True):
    """The policy every definition model shares: strict, immutable, keyword-only."""


Value: TypeAlias = str | int
"""What a rule compares an answer with: an option's value, a number or a text."""

Operator: TypeAlias = Literal[
    "is",
    "is_not",
    "any_of",
    "all_of",
    "none_of",
    "count_at_least",
    "count_at_most",
    "count_is",
    "gt",
    "lt",
    "between",
    "answered",
    "unanswered",
    "chars_at_least",
    "chars_at_most",
    "is_sum_of",
]
"""What a condition asks of its question's answer (see :class:`Condition` for the operand each one takes)."""


class Condition(Base, tag="condition", tag_field="kind", frozen=True, kw_only=True):
    """One condition on one question's answer, as the rule builder makes it (第8题选“有”).

    Each operator takes one kind of operand, and only that one:

    - ``is``, ``is_not``: ``value``, an option's value (single choice), a number or a text;
    - ``any_of``, ``all_of``, ``none_of``: ``values``, option values (on a single choice ``any_of`` means
      "is one of them" and ``all_of`` does not apply);
    - ``count_at_least``, ``count_at_most``, ``count_is``: ``value``, how many options of a multiple choice
      are ticked;
    - ``gt``, ``lt``: ``value``, a whole number; ``between``: ``low`` and ``high``, both included;
    - ``answered``, ``unanswered``: nothing;
    - ``chars_at_least``, ``chars_at_most``: ``value``, characters of a text answer;
    - ``is_sum_of``: ``questions``, whose answers added up equal this one's (``q13 == total([q15, q16])``).
    """

    question: Identifier
    op: Operator
    value: Value | None = None
    values: list[Value] = []
    low: int | None = None
    high: int | None = None
    questions: list[Identifier] = []


class AllOf(Base, tag="all", tag_field="kind", frozen=True, kw_only=True):
    """A group that holds when every rule in it holds (全部满足)."""

    rules: list[Rule] = []


class AnyOf(Base, tag="any", tag_field="kind", frozen=True, kw_only=True):
    """A group that holds when at least one rule in it holds (任一满足)."""

    rules: list[Rule] = []


Rule: TypeAlias = AllOf | AnyOf | Condition
"""The rule builder's typed tree: conditions in nested all/any groups. It compiles to CEL
(:func:`shenbao.forms.rules.compile_rule`); a rule of a definition is either this tree or a CEL string."""


class Option(Base, frozen=True, kw_only=True):
    """One choice. ``value`` is what is stored and what rules compare; ``label`` is what the farmer reads."""

    value: str | int
    label: Label
    group: Label | None = None
    """A heading that consecutive options share (question 9 groups its ticks by topic)."""
    exclusive: bool = False
    """Ticking it rules out every other option ("以上都没有")."""


class Check(Base, frozen=True, kw_only=True):
    """A validation rule: ``rule`` must hold, else ``message`` is shown at the question.

    The message may show what was compared: each of ``values`` is a CEL expression over the answers, and its
    result goes into the message's placeholder of that name (``"选了{said}人，但加起来是{sum}人"`` with
    ``{"said": "q13", "sum": "total([q15, q16])"}``); a literal brace is written twice. A check is skipped
    while any visible question its rule or its values read is still unanswered, so the farmer is never
    scolded about something they have not reached yet.
    """

    rule: Expression | Rule
    message: Label
    values: dict[Identifier, Expression] = {}


class Jump(Base, frozen=True, kw_only=True):
    """When ``when`` holds, the form ends at the terminal outcome ``to`` (the seed's "选择有转第49题")."""

    when: Expression | Rule
    to: Identifier


class _QuestionBase(Base, frozen=True, kw_only=True):
    """What every question has: id, label, help, display rule, jumps and checks."""

    id: Identifier
    label: Label
    help: Label | None = None
    note: str | None = None
    """For the definition's readers only: where the seed was ambiguous and how it was read."""
    required: bool = True
    numbered: bool = True
    """Whether it takes a display number (第N题). An unnumbered question, one added beyond the seed, leaves the
    seed's numbers as they are; its messages name it by its label instead."""
    visible_if: Expression | Rule | None = None
    jumps: list[Jump] = []
    checks: list[Check] = []
    widget: Identifier | None = None
    """The widget that draws it, when not its type's own: a province pack's widget (``form_defs/<pack>/widgets/
    <name>/``) made for this question type, e.g. a star rating for a number."""


class SingleChoice(_QuestionBase, tag="single_choice", frozen=True, kw_only=True):
    """Pick one option (单选): radio buttons, or a drop-down for long lists."""

    options: list[Option]
    display: Literal["radio", "select"] = "radio"


class MultipleChoice(_QuestionBase, tag="multiple_choice", frozen=True, kw_only=True):
    """Tick any number of options (多选); its answer is the list of values in the options' order."""

    options: list[Option]
    min_selections: Annotated[int, msgspec.Meta(ge=0)] = 0
    max_selections: Annotated[int, msgspec.Meta(ge=1)] | None = None


class TextQuestion(_QuestionBase, tag="text", frozen=True, kw_only=True):
    """Free text (填空)."""

    min_chars: Annotated[int, msgspec.Meta(ge=0)] = 0
    """Counted in characters, so 10 means ten Chinese characters (CEL's size() counts bytes)."""
    max_chars: Annotated[int, msgspec.Meta(ge=1)] = 200
    multiline: bool = False


class NumberQuestion(_QuestionBase, tag="number", frozen=True, kw_only=True):
    """A whole number between ``min`` and ``max``."""

    min: int = 0
    max: int = 1_000_000
    unit: str | None = None


class Field(Base, frozen=True, kw_only=True):
    """One blank of a multi-field fill-in (多项填空)."""

    id: Identifier
    label: Label
    kind: Literal["text", "phone", "id_number", "number"] = "text"
    required: bool = True
    max_chars: Annotated[int, msgspec.Meta(ge=1)] = 50
    verify: bool = False
    """For a ``phone`` blank: the number must be confirmed by a one-time SMS code."""


class FieldsQuestion(_QuestionBase, tag="fields", frozen=True, kw_only=True):
    """Several blanks answered together (多项填空); its answer maps each field id to its value."""

    fields: list[Field]


class Notice(_QuestionBase, tag="notice", frozen=True, kw_only=True):
    """Text to read, with nothing to answer (the pledge, "记得点击确定并申请按钮")."""

    required: bool = False
    body: Label | None = None


class Region(_QuestionBase, tag="region", frozen=True, kw_only=True):
    """An administrative-division picker (市州/区县/乡镇/村) down to ``depth``."""

    depth: Literal["city", "county", "township", "village"] = "township"
    root: str = ""
    """The division code the picker starts below (a province's 2 digits, a city's 4, ...); empty: the province of
    the form's pack."""


class Geolocation(_QuestionBase, tag="geolocation", frozen=True, kw_only=True):
    """The phone's current location; a region picker down to ``fallback_depth`` when it is unavailable."""

    fallback_depth: Literal["city", "county", "township", "village"] = "township"


class CameraPhoto(_QuestionBase, tag="photo", frozen=True, kw_only=True):
    """A photo taken with the camera there and then, never picked from the album."""

    max_bytes: int = 5 * 1024 * 1024
    subject: Label | None = None
    """What the photo shows, as the prompt names it: 请用手机相机当场拍一张{subject}的照片 (您 when not set;
    房屋 for the household check's photo of the house)."""


class Signature(_QuestionBase, tag="signature", frozen=True, kw_only=True):
    """A handwritten signature drawn on the screen (电子签名)."""

    signers: Literal["applicant", "household"] = "applicant"


class Phone(_QuestionBase, tag="phone", frozen=True, kw_only=True):
    """A mainland mobile number, confirmed by a one-time SMS code when ``verify`` is set."""

    verify: bool = True


class IdNumber(_QuestionBase, tag="id_number", frozen=True, kw_only=True):
    """A resident identity number, checked down to its check digit."""


class Upload(_QuestionBase, tag="upload", frozen=True, kw_only=True):
    """Files or pictures of documents (户口簿, 身份证)."""

    max_files: int = 5
    max_bytes: int = 5 * 1024 * 1024


Question: TypeAlias = (
    SingleChoice
    | MultipleChoice
    | TextQuestion
    | NumberQuestion
    | FieldsQuestion
    | Notice
    | Region
    | Geolocation
    | CameraPhoto
    | Signature
    | Phone
    | IdNumber
    | Upload
)


class Section(Base, frozen=True, kw_only=True):
    """One screen of the form."""

    id: Identifier
    title: Label
    questions: list[Question]


class Outcome(Base, frozen=True, kw_only=True):
    """A screen a jump leads to.

    ``blocked``: the farmer cannot apply and nothing is stored (the seed's question 48).
    ``flagged``: the application is still recorded, flagged as not meeting the policy (question 49).
    """

    id: Identifier
    kind: Literal["blocked", "flagged"]
    message: Label
    resume_at: Identifier | None = None
    """For a ``flagged`` outcome: the question the form goes on from after the jump (``q45``, the signature).

    That question and the ones after it are asked again under their own display rules; the questions between
    the jump and it are skipped and their answers are not stored. Without it the form ends at the jump."""


class Expectation(Base, frozen=True, kw_only=True):
    """What must follow from a scenario's answers; a part left out is not checked.

    ``visible`` and ``hidden`` list questions that must be shown and must not be. ``errors`` maps a question to
    texts its error messages must contain, one substring each; an empty list says the question must have no
    error. ``missing`` is the exact set of required questions left unanswered: ``[]`` says nothing is missing.
    ``outcome`` is the id of the outcome the answers must reach; ``null`` says they must reach none.
    """

    visible: list[Identifier] = []
    hidden: list[Identifier] = []
    errors: dict[Identifier, list[str]] = {}
    missing: list[Identifier] | UnsetType = UNSET
    outcome: Identifier | UnsetType | None = UNSET


class Scenario(Base, frozen=True, kw_only=True):
    """A form's own test: answers as a farmer would give them and what must follow (the seed's annotations).

    Scenarios are for admins and the linter only (``shenbao lint`` runs them); farmers never see them.
    """

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    """What it proves, in Chinese (``有劳动力的学生家庭``): the linter and the builder name it so."""
    answers: dict[Identifier, Any]
    expect: Expectation


class FormDef(Base, frozen=True, kw_only=True):
    """A whole form: the guide, the sections of questions, the terminal outcomes and the pledge."""

    schema: str | None = msgspec.field(default=None, name="$schema")
    """The JSON Schema the file follows (``../../schema.json``), for editors; the platform ignores it."""
    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    version: Annotated[int, msgspec.Meta(ge=1)]
    title: Label
    description: str = ""
    """For admins and engineers: what the form is for and how it was derived from its source."""
    guide: Label = ""
    guide_min_seconds: Annotated[int, msgspec.Meta(ge=0, le=600)] = 0
    pledge: Label | None = None
    pledge_before: Identifier | None = None
    """The question the pledge (诚信承诺书) is shown above."""
    sections: list[Section]
    outcomes: list[Outcome] = []
    chain: str | None = None
    submit_label: Label = "确定并申请"
    applicant_name: (
        Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$", max_length=81)] | None
    ) = None
    """Where the applicant's name is, for staff lists: a text question's id (``name``), or a fields
    question's id and the id of its text field (``q4.name``)."""
    scenarios: list[Scenario] = []
    """Answers with what must follow: the form's own tests, kept in its file (see :mod:`shenbao.forms.scenarios`)."""

    def questions(self) -> list[Question]:
        """Every question in display order."""
        return [question for section in self.sections for question in section.questions]
