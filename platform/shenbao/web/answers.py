"""Read a section's answers out of a posted HTML form, and merge them into a draft.

Each question block carries a hidden ``_q`` input naming the question. A hidden question's block is a
disabled fieldset, so its inputs (and its ``_q``) are not posted and its earlier draft answer is kept: a farmer
who flips a choice back finds their ticks again. Hidden answers never reach a stored application, because
evaluation keeps only visible answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shenbao.forms import CompiledForm
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, Upload
from shenbao.settings import Settings
from shenbao.widgets import installed_widgets, receive_answers

__all__ = ["FormData", "merge", "received_section_answers", "section_answers"]

FormData = Mapping[str, list[str]]
"""A posted form: every field name with all its values."""


def _raw(question: Question, data: FormData) -> Any:
    widget = installed_widgets().for_question(question)
    if widget is not None and widget.extract is not None:
        return widget.extract(question, data)  # a widget posting several fields (the region drop-downs)
    if isinstance(question, MultipleChoice | Upload):
        return [value for value in data.get(question.id, []) if value]
    if isinstance(question, FieldsQuestion):
        blanks = {field.id: _first(data, f"{question.id}.{field.id}") for field in question.fields}
        return blanks if any(blanks.values()) else None
    return _first(data, question.id) or None


def _first(data: FormData, name: str) -> str:
    values = data.get(name)
    return values[0] if values else ""


def section_answers(form: CompiledForm, section_id: str, data: FormData) -> dict[str, Any]:
    """The raw answers of the questions of ``section_id`` that were posted."""
    posted = set(data.get("_q", []))
    return {
        question.id: _raw(question, data)
        for question in form.questions
        if question.id in posted and form.section_of[question.id] == section_id
    }


async def received_section_answers(
    form: CompiledForm, section_id: str, data: FormData, settings: Settings
) -> dict[str, Any]:
    """:func:`section_answers` with each widget's ``receive`` applied: photos and signatures checked and stored."""
    return await receive_answers(form, section_answers(form, section_id, data), settings)


def merge(draft: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The draft with ``answers`` laid over it; an emptied answer removes the key."""
    merged = dict(draft)
    for question_id, value in answers.items():
        if value in (None, [], ""):
            merged.pop(question_id, None)
        else:
            merged[question_id] = value
    return merged
