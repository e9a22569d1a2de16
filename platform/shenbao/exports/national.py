"""One spreadsheet row per approved application, with the fields the national system's entry needs.

Pure: the caller passes the application, its form and chain, the forms the chain's steps fill, the pack's
columns for the form and the divisions; nothing here reads a database or a file. A column reads the
applicant's answers, or what staff recorded through a step's form (the household check), which the
application's workflow history keeps. Identity numbers and phones come out whole only when
``full_identity`` is set (county staff, who enter the national system); otherwise masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shenbao.china_time import to_china
from shenbao.exports.spec import Column, FormColumns
from shenbao.forms import CompiledForm, Question, text_of
from shenbao.forms.values import is_answered
from shenbao.privacy.masking import mask_id_number, mask_phone
from shenbao.regions import LEVEL_LABELS, LEVELS, Divisions
from shenbao.store.reports import ApprovedApplication
from shenbao.workflow.model import Chain

__all__ = ["HEADERS", "approval_day", "national_row"]

_CODE_LENGTHS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
_REGION_HEADERS: list[tuple[str, float]] = [
    header
    for level in LEVELS
    for header in ((f"{LEVEL_LABELS[level]}代码", 14.0), (LEVEL_LABELS[level], 14.0))
]
HEADERS: tuple[tuple[str, float], ...] = (
    ("受理号", 15.0),
    ("姓名", 10.0),
    ("身份证号", 21.0),
    ("联系电话", 14.0),
    *_REGION_HEADERS,
    ("家庭人口数", 10.0),
    ("风险类型", 30.0),
    ("申请日期", 12.0),
    ("审批日期", 12.0),
    ("当前环节", 14.0),
    ("申请表", 16.0),
)
"""The columns: header and width (in characters), in order."""
FINISHED = "已办结"


def _answer(answers: Mapping[str, Any], path: str) -> Any:
    question_id, _, field = path.partition(".")
    value = answers.get(question_id)
    if field:
        return value.get(field) if isinstance(value, dict) else None
    return value


class _Answers:
    """What one application's columns may read: its own answers, and those recorded through its steps' forms."""

    def __init__(
        self,
        application: ApprovedApplication,
        form: CompiledForm | None,
        chain: Chain | None,
        step_forms: Mapping[str, CompiledForm],
    ) -> None:
        self.application = application
        self.form = form
        self.chain = chain
        self.step_forms = step_forms

    def recorded(self, step_form: str) -> Mapping[str, Any]:
        """The answers last recorded through ``step_form`` at a step of the chain (none: empty)."""
        if self.chain is None:
            return {}
        history = (self.application.workflow_state or {}).get("history") or []
        for row in reversed(history):
            if not isinstance(row, dict) or not isinstance(row.get("answers"), dict):
                continue
            try:
                filled = self.chain.step(str(row.get("step", ""))).form
            except KeyError:
                continue  # a step the chain no longer has
            if filled == step_form and row["answers"]:
                answers: Mapping[str, Any] = row["answers"]
                return answers
        return {}

    def first(self, columns: FormColumns, column: Column) -> tuple[Any, Question | None]:
        """The first answered of the column's paths, and the question that answered it."""
        for source in columns.sources(column):
            step_form, _, path = source.rpartition(":")
            if step_form:
                answers, owner = self.recorded(step_form), self.step_forms.get(step_form)
            else:
                answers, owner = self.application.answers, self.form
            value = _answer(answers, path)
            if is_answered(value):
                return value, owner.by_id.get(path.partition(".")[0]) if owner is not None else None
        return None, None


def _text(value: Any) -> str:
    if isinstance(value, dict):  # a widget that keeps more than the number (e.g. {"number": ..., ...})
        value = value.get("number") or value.get("value") or ""
    return "" if value is None else str(value).strip()


def _size(value: Any) -> int | str:
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() else text


def _labels(question: Question | None, value: Any) -> str:
    """The chosen options' labels, in the order given; a value the form no longer lists is kept as it is."""
    if value is None or value == []:
        return ""
    chosen = value if isinstance(value, list) else [value]
    labels = {str(option.value): text_of(option.label) for option in getattr(question, "options", [])}
    return "、".join(labels.get(str(each), str(each)) for each in chosen)


def approval_day(workflow_state: dict[str, Any] | None, status: str) -> dt.date | None:
    """The day of the approval (审批通过) in the history; for a chain finished otherwise, its last day."""
    history = (workflow_state or {}).get("history") or []
    days = [row.get("on") for row in history if isinstance(row, dict) and row.get("action") == "approve"]
    if not days and status == "approved" and history and isinstance(history[-1], dict):
        days = [history[-1].get("on")]
    try:
        return dt.date.fromisoformat(str(days[-1])) if days and days[-1] else None
    except ValueError:
        return None


def _current_step(application: ApprovedApplication, chain: Chain | None) -> str:
    if application.status == "approved":
        return FINISHED
    step_id = str((application.workflow_state or {}).get("step", ""))
    try:
        return text_of(chain.step(step_id).name) if chain is not None else step_id
    except KeyError:
        return step_id


def _region_cells(divisions: Divisions, code: str) -> list[str]:
    cells: list[str] = []
    for level in LEVELS:
        length = _CODE_LENGTHS[level]
        part = code[:length] if len(code) >= length else ""
        division = divisions.get(part) if part else None
        cells += [part, division.name if division else ""]
    return cells


def national_row(
    application: ApprovedApplication,
    *,
    form: CompiledForm | None,
    columns: FormColumns | None,
    chain: Chain | None,
    divisions: Divisions,
    full_identity: bool,
    step_forms: Mapping[str, CompiledForm] | None = None,
) -> list[Any]:
    """The row of one application, in the order of :data:`HEADERS`.

    Args:
        application: the approved application.
        form: its form, in the version the application was filled on (``None`` when unknown: the answers' labels
            stay raw).
        columns: which answers fill the identity, household and risk columns (``None``: left blank).
        chain: its approval chain, to name the step it waits at and to find what its steps' forms recorded.
        divisions: the division names.
        full_identity: write ID numbers and phones whole; otherwise masked.
        step_forms: the forms the chain's steps fill, by id (for the labels of their options).

    Returns:
        The cells: text, numbers and dates (blank cells are ``""`` or ``None``).
    """
    paths = columns or FormColumns()
    answers = _Answers(application, form, chain, step_forms or {})
    id_number = _text(answers.first(paths, "id_number")[0]).upper()
    phone = _text(answers.first(paths, "phone")[0])
    risks, risk_question = answers.first(paths, "risk_types")
    return [
        application.receipt_number,
        _text(answers.first(paths, "name")[0]),
        id_number if full_identity else mask_id_number(id_number),
        phone if full_identity else mask_phone(phone),
        *_region_cells(divisions, application.region_code),
        _size(answers.first(paths, "household_size")[0]) or None,
        _labels(risk_question, risks),
        to_china(application.created_at).date(),
        approval_day(application.workflow_state, application.status),
        _current_step(application, chain),
        f"{form.title() if form is not None else application.form_id}（第{application.form_version}版）",
    ]
