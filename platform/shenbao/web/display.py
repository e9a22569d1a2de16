"""How an answer reads back to a person (the review page, and later the staff pages)."""

from __future__ import annotations

from typing import Any

from shenbao.files import parse_ref
from shenbao.forms import text_of
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, Signature, SingleChoice

__all__ = ["display_answer"]


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
        names = [str(signer.get("name", "")) for signer in value if isinstance(signer, dict)]
        return f"{'、'.join(names)}（共{len(names)}人签名）"
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or "已填写")
    if isinstance(value, list) and value and all(parse_ref(item) is not None for item in value):
        return f"{len(value)}张照片"  # an upload's pictures: the page shows their thumbnails
    return str(value)
