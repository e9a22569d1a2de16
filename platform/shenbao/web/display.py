"""How an answer reads back to a person (the review page, and later the staff pages)."""

from __future__ import annotations

from typing import Any

from shenbao.forms import text_of
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, SingleChoice

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
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or "已填写")
    return str(value)
