"""Which answers are phone numbers that must be verified, and whether they are, for a draft or an API key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from shenbao.forms import CompiledForm, Evaluation
from shenbao.forms.model import FieldsQuestion, Phone
from shenbao.notify.otp import PhoneVerifier
from shenbao.privacy.masking import mask_phone

__all__ = [
    "mark_unverified",
    "mask_phone",
    "phones_to_verify",
    "stored_verified_phones",
    "verified_phones",
    "with_phone_checks",
]


def phones_to_verify(
    form: CompiledForm, evaluation: Evaluation, section_id: str | None = None
) -> Iterator[tuple[str, str]]:
    """``(question id, phone)`` of every visible answered phone that must be confirmed by a code (of the page
    ``section_id`` only, when given)."""
    for question_id in evaluation.visible:
        if section_id is not None and form.section_of[question_id] != section_id:
            continue
        question, value = form.by_id[question_id], evaluation.answers.get(question_id)
        if isinstance(question, Phone) and question.verify and isinstance(value, str):
            yield question_id, value
        elif isinstance(question, FieldsQuestion) and isinstance(value, dict):
            for field in question.fields:
                if field.kind == "phone" and field.verify and isinstance(value.get(field.id), str):
                    yield question_id, value[field.id]


def stored_verified_phones(form: CompiledForm, answers: Mapping[str, Any]) -> list[str]:
    """The phones a stored application gave that its form had confirmed by a code, in question order.

    These are the applicant's own: a phone question or a phone blank with ``verify`` (the 2023 form's 手机号码,
    the 2021 form's 户主联系电话); an agent's number nobody confirmed (代办人联系电话) is not among them.
    """
    phones: list[str] = []
    for question in form.questions:
        value = answers.get(question.id)
        if isinstance(question, Phone) and question.verify and isinstance(value, str):
            phones.append(value)
        elif isinstance(question, FieldsQuestion) and isinstance(value, dict):
            for field in question.fields:
                if field.kind == "phone" and field.verify and isinstance(value.get(field.id), str):
                    phones.append(value[field.id])
    return list(dict.fromkeys(phone for phone in phones if phone))


async def verified_phones(
    verifier: PhoneVerifier,
    form: CompiledForm,
    evaluation: Evaluation,
    scope: str,
    section_id: str | None = None,
) -> set[str]:
    """The phones of ``evaluation`` (of the page ``section_id`` only, when given) already verified in ``scope``."""
    phones = {phone for _, phone in phones_to_verify(form, evaluation, section_id)}
    return await verifier.verified_among(scope=scope, phones=phones) if phones else set()


def mark_unverified(
    form: CompiledForm, evaluation: Evaluation, verified: set[str], section_id: str | None = None
) -> Evaluation:
    """``evaluation`` with an error at each phone (of the page ``section_id`` only, when given) not in
    ``verified`` (so it is not submittable)."""
    errors = {question_id: list(messages) for question_id, messages in evaluation.errors.items()}
    for question_id, phone in phones_to_verify(form, evaluation, section_id):
        if phone not in verified:
            errors.setdefault(question_id, []).append(
                f"{form.name_of(question_id)}：手机号码{mask_phone(phone)}还没有验证，"
                "请点“发送验证码”，把短信里的6位数字填进“短信验证码”，再点“验证”"
            )
    return msgspec.structs.replace(evaluation, errors=errors) if errors != evaluation.errors else evaluation


async def with_phone_checks(
    verifier: PhoneVerifier, form: CompiledForm, evaluation: Evaluation, scope: str
) -> Evaluation:
    """``evaluation`` with an error at each phone not yet verified in ``scope``."""
    return mark_unverified(form, evaluation, await verified_phones(verifier, form, evaluation, scope))
