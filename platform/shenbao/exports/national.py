"""One spreadsheet row per approved application, with the fields the national system's entry needs.

Pure: the caller passes the application, its form and chain, the pack's columns for the form and the
divisions; nothing here reads a database or a file. Identity numbers and phones come out whole only when
``full_identity`` is set (county staff, who enter the national system); otherwise masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shenbao.china_time import to_china
from shenbao.exports.spec import FormColumns
from shenbao.forms import CompiledForm, text_of
from shenbao.masking import mask_id_number, mask_phone
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


def _answer(answers: dict[str, Any], path: str | None) -> Any:
    if path is None:
        return None
    question_id, _, field = path.partition(".")
    value = answers.get(question_id)
    if field:
        return value.get(field) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    if isinstance(value, dict):  # a widget that keeps more than the number (e.g. {"number": ..., ...})
        value = value.get("number") or value.get("value") or ""
    return "" if value is None else str(value).strip()


def _size(value: Any) -> int | str:
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() else text


def _labels(form: CompiledForm | None, path: str | None, value: Any) -> str:
    """The chosen options' labels, in the order given; a value the form no longer lists is kept as it is."""
    if value is None or value == []:
        return ""
    chosen = value if isinstance(value, list) else [value]
    question = form.by_id.get(path.partition(".")[0]) if form is not None and path else None
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
) -> list[Any]:
    """The row of one application, in the order of :data:`HEADERS`.

    Args:
        application: the approved application.
        form: its form (``None`` when the form is no longer published: the answers' labels stay raw).
        columns: which answers fill the identity, household and risk columns (``None``: left blank).
        chain: its approval chain, to name the step it waits at.
        divisions: the division names.
        full_identity: write ID numbers and phones whole; otherwise masked.

    Returns:
        The cells: text, numbers and dates (blank cells are ``""`` or ``None``).
    """
    paths = columns or FormColumns()
    answers = application.answers
    id_number = _text(_answer(answers, paths.id_number)).upper()
    phone = _text(_answer(answers, paths.phone))
    return [
        application.receipt_number,
        _text(_answer(answers, paths.name)),
        id_number if full_identity else mask_id_number(id_number),
        phone if full_identity else mask_phone(phone),
        *_region_cells(divisions, application.region_code),
        _size(_answer(answers, paths.household_size)) or None,
        _labels(form, paths.risk_types, _answer(answers, paths.risk_types)),
        to_china(application.created_at).date(),
        approval_day(application.workflow_state, application.status),
        _current_step(application, chain),
        form.title() if form is not None else application.form_id,
    ]
