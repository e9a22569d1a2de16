"""Read a section's answers out of a posted HTML form, and merge them into a draft.

Each question block carries a hidden ``_q`` input naming the question. A hidden question's block is a
disabled fieldset, so its inputs (and its ``_q``) are not posted and its earlier draft answer is kept: a farmer
who flips a choice back finds their ticks again. Hidden answers never reach a stored application, because
evaluation keeps only visible answers.

Without script a page's pictures come with the form (``multipart/form-data``): a file input named after its
question (the live photo's camera input, the documents' picker). Such a picture is that question's answer (a
photo replaces the one kept; documents are added to those kept), and the widget's ``receive`` checks and stores
it exactly as the upload route would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from litestar.datastructures import UploadFile

from shenbao.files import UploadGate
from shenbao.forms import CompiledForm
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, Upload
from shenbao.settings import Settings
from shenbao.text import marked
from shenbao.web.widget_routes import UPLOAD_CEILING
from shenbao.widgets import WidgetRegistry, first_value, receive_answers

__all__ = [
    "FormData",
    "Posted",
    "PostedForm",
    "merge",
    "posted_questions",
    "read_posted",
    "received_section_answers",
    "section_answers",
]

FormData = Mapping[str, list[str]]
"""A posted form: every field name with all its values."""

PostedForm = Mapping[str, Sequence[str | UploadFile]]
"""A posted form as the request gives it: a ``multipart/form-data`` post has files among its values."""


class Posted(msgspec.Struct, frozen=True, kw_only=True):
    """A posted form read whole: its text fields, and the bytes of each file by field name."""

    fields: dict[str, list[str]]
    files: dict[str, list[bytes]] = {}


async def read_posted(data: PostedForm) -> Posted:
    """Split a posted form into its text fields and its files' bytes.

    Each text is :func:`~shenbao.text.marked`: the draft keeps it as posted, but with invisible marks removed and
    each control character shown as U+FFFD, which evaluation refuses at its question, so the page shows the
    farmer where to delete it (and PostgreSQL never sees U+0000).
    A file input left empty posts an empty text (no file name), which stays a text field. Each file is read up
    to :data:`UPLOAD_CEILING` plus one byte: more than any question allows, so a larger one is refused as too
    big without being read whole.
    """
    fields: dict[str, list[str]] = {}
    files: dict[str, list[bytes]] = {}
    for name, values in data.items():
        for value in values:
            if isinstance(value, UploadFile):
                try:
                    files.setdefault(name, []).append(await value.read(UPLOAD_CEILING + 1))
                finally:
                    await value.close()
            else:
                fields.setdefault(name, []).append(marked(value))
    return Posted(fields=fields, files=files)


def _raw(widgets: WidgetRegistry, question: Question, data: FormData) -> Any:
    widget = widgets.for_question(question)
    if widget is not None and widget.extract is not None:
        return widget.extract(question, data)  # a widget posting several fields (the region drop-downs)
    if isinstance(question, MultipleChoice | Upload):
        return [value for value in data.get(question.id, []) if value]
    if isinstance(question, FieldsQuestion):
        blanks = {field.id: first_value(data, f"{question.id}.{field.id}") for field in question.fields}
        return blanks if any(blanks.values()) else None
    return first_value(data, question.id) or None


def _with_files(question: Question, raw: Any, files: list[bytes]) -> Any:
    """``raw`` with the pictures posted for the question: documents are added, a photo is replaced."""
    if isinstance(question, Upload):
        kept = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        return [*kept, *files]
    return files[0] if len(files) == 1 else files  # several files for one picture: the widget refuses them


def posted_questions(form: CompiledForm, section_id: str, data: FormData) -> list[Question]:
    """The questions of ``section_id`` whose blocks were posted (their ``_q`` markers), in form order."""
    posted = set(data.get("_q", []))
    return [
        question
        for question in form.questions
        if question.id in posted and form.section_of[question.id] == section_id
    ]


def section_answers(
    widgets: WidgetRegistry,
    form: CompiledForm,
    section_id: str,
    data: FormData,
    files: Mapping[str, list[bytes]] | None = None,
) -> dict[str, Any]:
    """The raw answers of the questions of ``section_id`` that were posted.

    Args:
        widgets: the widgets of the form's pack.
        form: the form.
        section_id: the section posted.
        data: the text fields.
        files: the files posted, by field name; only a question whose widget stores pictures (has ``receive``)
            takes the files posted under its id.
    """
    answers: dict[str, Any] = {}
    for question in posted_questions(form, section_id, data):
        raw = _raw(widgets, question, data)
        pictures = (files or {}).get(question.id)
        widget = widgets.for_question(question)
        if pictures and widget is not None and widget.receive is not None:
            raw = _with_files(question, raw, pictures)
        answers[question.id] = raw
    return answers


async def received_section_answers(
    widgets: WidgetRegistry,
    form: CompiledForm,
    section_id: str,
    posted: Posted,
    settings: Settings,
    *,
    gate: UploadGate,
) -> dict[str, Any]:
    """:func:`section_answers` with each of the form's pack's widgets' ``receive`` applied: photos and
    signatures checked and stored, each new one let in by ``gate`` (the draft's quotas)."""
    raw = section_answers(widgets, form, section_id, posted.fields, posted.files)
    return await receive_answers(widgets, form, raw, settings, gate=gate)


def merge(draft: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The draft with ``answers`` laid over it; an emptied answer removes the key."""
    merged = dict(draft)
    for question_id, value in answers.items():
        if value in (None, [], ""):
            merged.pop(question_id, None)
        else:
            merged[question_id] = value
    return merged
