"""Every answer of every application, whatever version of its form it was filled on: the export's second sheet.

The columns are the union of the questions of every version the exported applications were filled on: the newest
version's questions in its order, then each question only an older version asked, after them, its header saying so.
Each row reads its application in its own version (labels, option labels), so an answer to a question a later
version removed is kept, never dropped. Pure: the caller passes the applications and the versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from shenbao.china_time import to_china
from shenbao.display import display_answer
from shenbao.forms import CompiledForm, text_of
from shenbao.forms.values import is_answered
from shenbao.privacy.masking import mask_answer
from shenbao.store.reports import ApprovedApplication

__all__ = ["FIXED_HEADERS", "AnswerColumn", "answer_columns", "answer_row"]

FIXED_HEADERS: tuple[tuple[str, float], ...] = (
    ("受理号", 15.0),
    ("申请表", 16.0),
    ("版本", 6.0),
    ("申请日期", 12.0),
)
"""The columns before the answers: which application, of which form and version, when."""


class AnswerColumn(msgspec.Struct, frozen=True, kw_only=True):
    """One question's column: the form and question it reads, and its header."""

    form_id: str
    question: str
    header: str
    width: float = 18.0


def _header(form: CompiledForm, question: str) -> str:
    number = form.numbers.get(question)
    label = text_of(form.by_id[question].label)
    label = label if len(label) <= 30 else f"{label[:29]}…"
    return f"{number}. {label}" if number else label


def answer_columns(versions: Iterable[CompiledForm]) -> list[AnswerColumn]:
    """The answer columns for applications filled on ``versions`` (of one or more forms): per form, the newest
    version's questions in order, then those only older versions asked (newest first), marked with their versions."""
    by_form: dict[str, list[CompiledForm]] = {}
    for form in versions:
        by_form.setdefault(form.id, []).append(form)
    columns: list[AnswerColumn] = []
    for form_id, forms in by_form.items():
        forms.sort(key=lambda each: each.version, reverse=True)
        seen: set[str] = set()
        for form in forms:
            asked = [each.id for each in form.questions if each.__struct_config__.tag != "notice"]
            for question in asked:
                if question in seen:
                    continue
                seen.add(question)
                header = _header(form, question)
                if form is not forms[0]:
                    having = [each.version for each in forms if question in each.by_id]
                    header = f"{header}（仅第{'、'.join(map(str, sorted(having)))}版）"
                columns.append(AnswerColumn(form_id=form_id, question=question, header=header))
    return columns


def answer_row(
    application: ApprovedApplication,
    form: CompiledForm | None,
    columns: Sequence[AnswerColumn],
    *,
    full_identity: bool,
) -> list[Any]:
    """One application's cells: the fixed ones, then each column's answer read in the application's own version
    (masked identity numbers and phones unless ``full_identity``); blank for another form's columns."""
    cells: list[Any] = [
        application.receipt_number,
        form.title() if form is not None else application.form_id,
        application.form_version,
        to_china(application.created_at).date(),
    ]
    for column in columns:
        value = application.answers.get(column.question) if column.form_id == application.form_id else None
        question = form.by_id.get(column.question) if form is not None else None
        if not is_answered(value):
            cells.append("")
        elif question is None:
            cells.append(str(value))  # a version this platform no longer knows: kept as stored
        else:
            shown = value if full_identity else mask_answer(question, value)
            cells.append(display_answer(question, shown))
    return cells
