"""Unnumbered questions: added beyond the seed, they take no display number and are named by their label."""

from __future__ import annotations

import pytest

from shenbao.cases.phones import mark_unverified
from shenbao.forms import compile_form, decode_form, evaluate
from shenbao.forms.engine import CompiledForm
from shenbao.forms.model import NumberQuestion

FORM = """
{
  "id": "numbered", "version": 1, "title": "小表",
  "sections": [{"id": "main", "title": "第一页", "questions": [
    {"type": "number", "id": "adults", "label": "成年人数", "max": 9},
    {"type": "number", "id": "extra", "label": "另加的人数", "max": 9, "numbered": false, "required": false,
     "checks": [{"rule": "extra <= adults", "message": "不能多于成年人数"}]},
    {"type": "phone", "id": "phone", "label": "手机号码"},
    {"type": "number", "id": "children", "label": "儿童人数", "max": 9,
     "checks": [{"rule": "children <= 5", "message": "儿童人数太多了"}]}
  ]}]
}
"""


@pytest.fixture(scope="module")
def form() -> CompiledForm:
    return compile_form(decode_form(FORM))


def test_questions_are_numbered_by_default() -> None:
    assert NumberQuestion(id="n", label="人数").numbered is True


def test_an_unnumbered_question_does_not_shift_the_numbers(form: CompiledForm) -> None:
    assert dict(form.numbers) == {"adults": 1, "phone": 2, "children": 3}
    assert "extra" in form.by_id and [q.id for q in form.questions][1] == "extra"


def test_a_question_is_named_by_number_or_by_its_label(form: CompiledForm) -> None:
    assert form.name_of("adults") == "第1题"
    assert form.name_of("children") == "第3题"
    assert form.name_of("extra") == "“另加的人数”"


def test_errors_of_an_unnumbered_question_name_its_label(form: CompiledForm) -> None:
    evaluation = evaluate(form, {"adults": "1", "extra": "99", "phone": "13800138000", "children": "9"})
    assert evaluation.errors["extra"] == ["“另加的人数”：请填写0到9之间的整数，现在是99"]
    assert evaluation.errors["children"] == ["第3题：儿童人数太多了"]


def test_checks_of_an_unnumbered_question_name_its_label(form: CompiledForm) -> None:
    evaluation = evaluate(form, {"adults": "1", "extra": "2", "phone": "13800138000", "children": "1"})
    assert evaluation.errors == {"extra": ["“另加的人数”：不能多于成年人数"]}


def test_unverified_phones_are_named_by_number(form: CompiledForm) -> None:
    evaluation = evaluate(form, {"adults": "1", "phone": "13800138000", "children": "1"})
    marked = mark_unverified(form, evaluation, verified=set())
    assert marked.errors["phone"][0].startswith("第2题：手机号码138****8000还没有验证")
