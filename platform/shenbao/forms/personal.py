"""Where a form's answers hold identity numbers and phones, and which of them are the applicant's. Pure.

A *path* names one answer: ``"phone"`` for a question's whole answer, ``"q4.id_number"`` for a blank of a
multi-field question (the same names the phone widget uses). The store seals the answers at these paths and
keeps keyed digests of the applicant's two values for look-ups.

The applicant's phone is the first phone that is verified by an SMS code (the code goes to the applicant), else
the first phone. The applicant's identity number is the one beside that phone in the same multi-field question
(the 2021 form's 户主 in q4, not the proxy's in q3), else the first identity-number question, else the first
identity-number blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from shenbao.forms.model import FieldsQuestion, FormDef, IdNumber, Phone

__all__ = ["NO_PERSONAL_FIELDS", "PersonalFields", "applicant_values", "personal_fields", "value_at"]


class PersonalFields(msgspec.Struct, frozen=True, kw_only=True):
    """The paths of a form's identity numbers and phones, in question order.

    Attributes:
        id_numbers: every identity-number answer: questions and blanks of multi-field questions.
        phones: every phone answer.
        applicant_id_number: the applicant's identity number, if the form asks for one.
        applicant_phone: the applicant's phone, if the form asks for one.
    """

    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    applicant_id_number: str | None = None
    applicant_phone: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path that holds personal data."""
        return self.id_numbers + self.phones


NO_PERSONAL_FIELDS = PersonalFields()
"""For answers that hold no identity number and no phone."""


def personal_fields(definition: FormDef) -> PersonalFields:
    """Find the identity numbers and phones of a form, and the applicant's.

    Args:
        definition: the form.

    Returns:
        Their paths.
    """
    id_numbers: list[str] = []
    phones: list[str] = []
    verified: list[str] = []
    id_questions: list[str] = []
    blanks_of: dict[str, dict[str, str]] = {}  # question id -> blank kind -> its first path
    for section in definition.sections:
        for question in section.questions:
            if isinstance(question, IdNumber):
                id_numbers.append(question.id)
                id_questions.append(question.id)
            elif isinstance(question, Phone):
                phones.append(question.id)
                if question.verify:
                    verified.append(question.id)
            elif isinstance(question, FieldsQuestion):
                for blank in question.fields:
                    path = f"{question.id}.{blank.id}"
                    if blank.kind == "id_number":
                        id_numbers.append(path)
                    elif blank.kind == "phone":
                        phones.append(path)
                        if blank.verify:
                            verified.append(path)
                    else:
                        continue
                    blanks_of.setdefault(question.id, {}).setdefault(blank.kind, path)
    phone = next(iter(verified or phones), None)
    beside = blanks_of.get(phone.partition(".")[0], {}) if phone and "." in phone else {}
    id_number = beside.get("id_number") or next(iter(id_questions or id_numbers), None)
    return PersonalFields(
        id_numbers=tuple(id_numbers),
        phones=tuple(phones),
        applicant_id_number=id_number,
        applicant_phone=phone,
    )


def value_at(answers: Mapping[str, Any], path: str) -> Any:
    """The answer at ``path`` (``None`` when unanswered, or when a multi-field answer is not an object)."""
    question_id, _, blank = path.partition(".")
    value = answers.get(question_id)
    if not blank:
        return value
    return value.get(blank) if isinstance(value, dict) else None


def applicant_values(answers: Mapping[str, Any], fields: PersonalFields) -> tuple[str | None, str | None]:
    """The applicant's identity number and phone as answered (text), each ``None`` when not answered."""

    def text(path: str | None) -> str | None:
        value = value_at(answers, path) if path else None
        return value if isinstance(value, str) and value else None

    return text(fields.applicant_id_number), text(fields.applicant_phone)
