"""The export's sheet of every answer: columns over every version, each row read in its own version, an answer to
a question a later version removed kept, identity numbers and phones masked unless whole is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from shenbao.exports.answers import FIXED_HEADERS, answer_columns, answer_row
from shenbao.forms import CompiledForm, compile_form
from shenbao.forms.model import FormDef
from shenbao.store.reports import ApprovedApplication


def _form(version: int, questions: list[dict[str, Any]]) -> CompiledForm:
    return compile_form(
        msgspec.convert(
            {
                "id": "relief",
                "version": version,
                "title": "临时救助",
                "sections": [{"id": "s1", "title": "一", "questions": questions}],
            },
            FormDef,
        )
    )


NAME = {"type": "text", "id": "name", "label": "申请人姓名"}
PHONE = {"type": "phone", "id": "phone", "label": "手机号码"}
SICK = {
    "type": "single_choice",
    "id": "sick",
    "label": "家里有人生病吗",
    "options": [{"value": "y", "label": "有"}, {"value": "n", "label": "没有"}],
}
SIZE = {"type": "number", "id": "size", "label": "家里几口人"}
ONE = _form(1, [NAME, PHONE, SICK])
TWO = _form(2, [{**NAME, "label": "户主姓名"}, PHONE, SIZE])


def _application(version: int, answers: dict[str, Any]) -> ApprovedApplication:
    return ApprovedApplication(
        id=1, receipt_number="260601000001", form_id="relief", form_version=version, region_code="620102001001",
        status="approved", answers=answers, workflow_state=None, created_at=dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC),
    )  # fmt: skip


def test_the_columns_are_the_newest_version_then_what_only_older_ones_asked() -> None:
    columns = answer_columns([ONE, TWO])
    assert [column.question for column in columns] == ["name", "phone", "size", "sick"]
    assert [column.header for column in columns] == [
        "1. 户主姓名",
        "2. 手机号码",
        "3. 家里几口人",
        "3. 家里有人生病吗（仅第1版）",
    ]


def test_an_old_versions_answer_is_kept_in_its_own_words_and_phones_are_masked() -> None:
    columns = answer_columns([ONE, TWO])
    old = answer_row(
        _application(1, {"name": "张三", "phone": "13800138000", "sick": "y"}),
        ONE,
        columns,
        full_identity=False,
    )
    new = answer_row(
        _application(2, {"name": "李四", "phone": "13900139000", "size": 4}), TWO, columns, full_identity=True
    )
    assert len(FIXED_HEADERS) == 4
    assert old == ["260601000001", "临时救助", 1, dt.date(2026, 6, 1), "张三", "138****8000", "", "有"]
    assert new == ["260601000001", "临时救助", 2, dt.date(2026, 6, 1), "李四", "13900139000", "4", ""]
