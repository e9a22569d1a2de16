"""How an answer reads back to a person: the review page, the staff pages and the export of every answer."""

from __future__ import annotations

from typing import Any

from shenbao.files import parse_ref
from shenbao.forms import text_of
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, Signature, SingleChoice

__all__ = ["SIGN_AT_VISIT", "SIGN_AT_VISIT_NOTE", "display_answer", "signs_at_visit"]

SIGN_AT_VISIT = "sign_at_visit"
"""The key of a signer who typed their name without script (the signature widget): they sign on paper at the
household visit."""
SIGN_AT_VISIT_NOTE = "未在手机上手写签名，入户核查时须当面签字"
"""Said of a signer who typed their name on a phone without script (the signature widget's ``sign_at_visit``)."""


def signs_at_visit(value: Any) -> bool:
    """Whether a signature answer (one signer, or one of a household's) is a typed name, signed at the visit."""
    return isinstance(value, dict) and value.get(SIGN_AT_VISIT) is True and not value.get("file")


def display_answer(question: Question, value: Any) -> str:
    """A one-line reading of a clean answer: option labels, not codes."""
    if isinstance(question, SingleChoice | MultipleChoice):
        labels = {option.value: text_of(option.label) for option in question.options}
        chosen = value if isinstance(value, list) else [value]
        return "、".join(labels.get(item, str(item)) for item in chosen)
    if isinstance(question, FieldsQuestion) and isinstance(value, dict):
        return "；".join(
            f"{text_of(field.label)}：{value[field.id]}" for field in question.fields if field.id in value
        )
    if isinstance(question, Signature) and isinstance(value, list):  # a household's signers
        signers = [signer for signer in value if isinstance(signer, dict)]
        names = [str(signer.get("name", "")) for signer in signers]
        typed = [str(signer.get("name", "")) for signer in signers if signs_at_visit(signer)]
        if not typed:
            return f"{'、'.join(names)}（共{len(names)}人签名）"
        if len(typed) == len(names):
            return f"{'、'.join(names)}（共{len(names)}人）：{SIGN_AT_VISIT_NOTE}"
        signed = len(names) - len(typed)
        return f"{'、'.join(names)}（共{len(names)}人，{signed}人已签名）；{'、'.join(typed)}{SIGN_AT_VISIT_NOTE}"
    if isinstance(question, Signature) and signs_at_visit(value):
        return f"{value.get('name', '')}：{SIGN_AT_VISIT_NOTE}"
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or "已填写")
    if isinstance(value, list) and value and all(parse_ref(item) is not None for item in value):
        return f"{len(value)}张照片"  # an upload's pictures: the page shows their thumbnails
    return str(value)
