"""The form-definition format: msgspec Structs, one tagged union member per question type.

A definition file is JSON decoded straight into :class:`FormDef`; its JSON Schema (``form_defs/schema.json``)
is generated from these classes, so the format is written down exactly once.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

import msgspec

__all__ = [
    "CameraPhoto",
    "Check",
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
    "Option",
    "Outcome",
    "Phone",
    "Question",
    "Region",
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


class Option(Base, kw_only=True):
    """One choice. ``value`` is what is stored and what rules compare; ``label`` is what the farmer reads."""

    value: str | int
    label: Label
    group: Label | None = None
    """A heading that consecutive options share (question 9 groups its ticks by topic)."""
    exclusive: bool = False
    """Ticking it rules out every other option ("以上都没有")."""


class Check(Base, kw_only=True):
    """A validation rule: ``rule`` must hold, else ``message`` is shown at the question.

    A check is skipped while any visible question it reads is still unanswered, so the farmer is never
    scolded about something they have not reached yet.
    """

    rule: Expression
    message: Label


class Jump(Base, kw_only=True):
    """When ``when`` holds, the form ends at the terminal outcome ``to`` (the seed's "选择有转第49题")."""

    when: Expression
    to: Identifier


class _QuestionBase(Base, kw_only=True):
    id: Identifier
    label: Label
    help: Label | None = None
    note: str | None = None
    """For the definition's readers only: where the seed was ambiguous and how it was read."""
    required: bool = True
    visible_if: Expression | None = None
    jumps: list[Jump] = []
    checks: list[Check] = []


class SingleChoice(_QuestionBase, tag="single_choice", kw_only=True):
    options: list[Option]
    display: Literal["radio", "select"] = "radio"


class MultipleChoice(_QuestionBase, tag="multiple_choice", kw_only=True):
    options: list[Option]
    min_selections: Annotated[int, msgspec.Meta(ge=0)] = 0
    max_selections: Annotated[int, msgspec.Meta(ge=1)] | None = None


class TextQuestion(_QuestionBase, tag="text", kw_only=True):
    min_chars: Annotated[int, msgspec.Meta(ge=0)] = 0
    """Counted in characters, so 10 means ten Chinese characters (CEL's size() counts bytes)."""
    max_chars: Annotated[int, msgspec.Meta(ge=1)] = 200
    multiline: bool = False


class NumberQuestion(_QuestionBase, tag="number", kw_only=True):
    min: int = 0
    max: int = 1_000_000
    unit: str | None = None


class Field(Base, kw_only=True):
    """One blank of a multi-field fill-in (多项填空)."""

    id: Identifier
    label: Label
    kind: Literal["text", "phone", "id_number", "number"] = "text"
    required: bool = True
    max_chars: Annotated[int, msgspec.Meta(ge=1)] = 50
    verify: bool = False
    """For a ``phone`` blank: the number must be confirmed by a one-time SMS code."""


class FieldsQuestion(_QuestionBase, tag="fields", kw_only=True):
    fields: list[Field]


class Notice(_QuestionBase, tag="notice", kw_only=True):
    """Text to read, with nothing to answer (the pledge, "记得点击确定并申请按钮")."""

    required: bool = False
    body: Label | None = None


class Region(_QuestionBase, tag="region", kw_only=True):
    depth: Literal["city", "county", "township", "village"] = "township"
    root: str = "62"
    """The division code the picker starts below (62 is Gansu)."""


class Geolocation(_QuestionBase, tag="geolocation", kw_only=True):
    fallback_depth: Literal["city", "county", "township", "village"] = "township"


class CameraPhoto(_QuestionBase, tag="photo", kw_only=True):
    max_bytes: int = 5 * 1024 * 1024


class Signature(_QuestionBase, tag="signature", kw_only=True):
    signers: Literal["applicant", "household"] = "applicant"


class Phone(_QuestionBase, tag="phone", kw_only=True):
    verify: bool = True


class IdNumber(_QuestionBase, tag="id_number", kw_only=True):
    pass


class Upload(_QuestionBase, tag="upload", kw_only=True):
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


class Section(Base, kw_only=True):
    """One screen of the form."""

    id: Identifier
    title: Label
    questions: list[Question]


class Outcome(Base, kw_only=True):
    """A terminal screen a jump leads to.

    ``blocked``: the farmer cannot apply and nothing is stored (the seed's question 48).
    ``flagged``: the application is still recorded, flagged as not meeting the policy (question 49).
    """

    id: Identifier
    kind: Literal["blocked", "flagged"]
    message: Label


class FormDef(Base, kw_only=True):
    """A whole form: the guide, the sections of questions, the terminal outcomes and the pledge."""

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

    def questions(self) -> list[Question]:
        """Every question in display order."""
        return [question for section in self.sections for question in section.questions]
