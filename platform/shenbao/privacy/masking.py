"""Masked personal data: what a page or a spreadsheet shows of an ID number or a phone to whom may not read it.

A staff page shows identity numbers and phones masked; the full value is shown only on purpose, and that view is
written to the audit log. Exports mask them unless the role may see them.

Who may unmask: the handlers who act on a case, village, township and county staff, each within their own
region's subtree (the pages already refuse anything outside it). They need the phone to call the farmer and the
ID number to check it against the household register and enter it into the national system. The province
admin oversees and reads the audit log but acts on no case, so reads the masked values only.

A phone verification code is shown to nobody but the phone's owner: the province admin's list of text messages
shows a code's SMS with the code masked (``验证码是******``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from shenbao.forms.model import FieldsQuestion, IdNumber, Phone, Question, text_of
from shenbao.regions.divisions import Level
from shenbao.roles import role_level

__all__ = [
    "CODE_MASK",
    "UNMASKING_ROLES",
    "mask_answer",
    "mask_code",
    "mask_id_number",
    "mask_phone",
    "masked_fields",
    "masked_labels",
    "may_unmask",
]

UNMASKING_ROLES: frozenset[Level] = frozenset({"village", "township", "county"})
"""The roles that may see an ID number or a phone in full (on purpose, and audited)."""


def may_unmask(role: str) -> bool:
    """Whether staff of ``role`` may see ID numbers and phones in full."""
    return role_level(role) in UNMASKING_ROLES


def mask_phone(phone: str) -> str:
    """``138****8000``: enough to recognise the number, not enough to read it off a screen.

    A number of any other length (not a mainland mobile) is masked whole.
    """
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


def mask_id_number(number: str) -> str:
    """``620102********123X``: the region and the last four kept, the birth date hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[-4:]


CODE_MASK = "******"
"""What a verification code is shown as."""
_DIGIT_RUN = re.compile(r"\d{4,}")


def mask_code(text: str, code: str = "") -> str:
    """``text`` (a verification code's SMS, or an error about it) with the code shown as ``******``.

    Args:
        text: the text.
        code: the code the text was filled with, when known; without it every run of four or more digits is
            masked, so a message kept without its values, or made from another wording, shows no code either
            (``5分钟内有效`` stays as it is).

    Returns:
        The text without the code.
    """
    return _DIGIT_RUN.sub(CODE_MASK, text.replace(code, CODE_MASK) if code else text)


_MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def mask_answer(question: Question, value: Any) -> Any:
    """``value`` with its ID numbers and phones masked: a ``phone`` or ``id_number`` question's answer, and
    those blanks of a multi-field answer (a household member's 证件号码 and 联系电话). Other answers are
    returned as they are.
    """
    if isinstance(question, Phone | IdNumber) and value is not None:
        return (mask_phone if isinstance(question, Phone) else mask_id_number)(str(value))
    if isinstance(question, FieldsQuestion) and isinstance(value, dict):
        kinds = {field.id: field.kind for field in question.fields}
        return {
            key: _MASKS[kinds[key]](str(item)) if kinds.get(key) in _MASKS and item is not None else item
            for key, item in value.items()
        }
    return value


def masked_labels(question: Question, value: Any) -> list[str]:
    """The labels (in Chinese) of what :func:`mask_answer` hides in ``value``: what an audit row names."""
    if isinstance(question, Phone | IdNumber) and value not in (None, ""):
        return [text_of(question.label)]
    if isinstance(question, FieldsQuestion) and isinstance(value, dict):
        return [
            text_of(field.label)
            for field in question.fields
            if field.kind in _MASKS and value.get(field.id) not in (None, "")
        ]
    return []


def masked_fields(questions: Iterable[Question], answers: Mapping[str, Any]) -> list[str]:
    """The labels of every ID number and phone in ``answers`` that masking hides, in the questions' order."""
    return [label for question in questions for label in masked_labels(question, answers.get(question.id))]
