"""The evaluation engine on small forms: progress, notices, checks waiting for their inputs."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import compile_form, decode_form, evaluate
from shenbao.forms.engine import CompiledForm

TINY = """
{
  "id": "tiny", "version": 1, "title": "小表",
  "sections": [{"id": "main", "title": "第一页", "questions": [
    {"type": "notice", "id": "intro", "label": "请如实填写"},
    {"type": "number", "id": "adults", "label": "成年人数", "max": 9},
    {"type": "number", "id": "children", "label": "儿童人数", "max": 9, "required": false},
    {"type": "number", "id": "total", "label": "总人数", "max": 20,
     "checks": [{"rule": "total == adults + (children == null ? 0 : children)", "message": "总人数不对"}]}
  ]}]
}
"""


@pytest.fixture(scope="module")
def tiny() -> CompiledForm:
    return compile_form(decode_form(TINY))


@pytest.mark.parametrize(
    ("answers", "progress"),
    [
        ({}, 0),
        ({"adults": 1}, 33),
        ({"adults": 1, "total": 1}, 67),
        ({"adults": 1, "children": 0, "total": 1}, 100),
    ],
    ids=["nothing", "one of three", "two of three", "all"],
)
def test_progress_counts_answerable_questions(
    tiny: CompiledForm, answers: dict[str, Any], progress: int
) -> None:
    assert evaluate(tiny, answers).progress == progress


def test_notice_is_visible_but_never_missing(tiny: CompiledForm) -> None:
    evaluation = evaluate(tiny, {})
    assert evaluation.visible[0] == "intro"
    assert evaluation.missing == ["adults", "total"]


def test_check_waits_for_an_unanswered_question_it_reads(tiny: CompiledForm) -> None:
    assert evaluate(tiny, {"total": 5}).errors == {}


def test_check_runs_once_its_inputs_are_answered(tiny: CompiledForm) -> None:
    assert evaluate(tiny, {"adults": 2, "children": 1, "total": 5}).errors == {"total": ["第4题：总人数不对"]}


def test_check_is_not_run_on_an_answer_that_is_already_wrong(tiny: CompiledForm) -> None:
    assert evaluate(tiny, {"adults": 2, "total": 50}).errors == {
        "total": ["第4题：请填写0到20之间的整数，现在是50"]
    }


RESUMING = """
{
  "id": "resuming", "version": 1, "title": "跳转后继续",
  "sections": [{"id": "main", "title": "第一页", "questions": [
    {"type": "single_choice", "id": "house", "label": "有没有商品房",
     "options": [{"value": "yes", "label": "有"}, {"value": "no", "label": "没有"}],
     "jumps": [{"when": "house == \\"yes\\"", "to": "flag"}]},
    {"type": "single_choice", "id": "car", "label": "有没有小轿车", "required": false,
     "options": [{"value": "yes", "label": "有"}, {"value": "no", "label": "没有"}]},
    {"type": "single_choice", "id": "sign", "label": "签名",
     "options": [{"value": "yes", "label": "已签"}],
     "jumps": [{"when": "sign == \\"yes\\" && car == \\"yes\\"", "to": "stop"}]},
    {"type": "text", "id": "why", "label": "为什么有车", "visible_if": "car == \\"yes\\"", "required": false},
    {"type": "text", "id": "last", "label": "最后一题"}
  ]}],
  "outcomes": [
    {"id": "flag", "kind": "flagged", "message": "仍然记录", "resume_at": "sign"},
    {"id": "stop", "kind": "blocked", "message": "不能申请"}
  ]
}
"""


SHOWING = """
{
  "id": "showing", "version": 1, "title": "小表",
  "sections": [{"id": "main", "title": "第一页", "questions": [
    {"type": "number", "id": "adults", "label": "成年人数", "max": 9},
    {"type": "number", "id": "children", "label": "儿童人数", "max": 9},
    {"type": "number", "id": "total", "label": "总人数", "max": 20,
     "checks": [{"rule": "total == adults + children",
                 "message": {"zh": "填了{said}人，但{{成年人}}和儿童加起来是{sum}人，请核对", "en": "{said} != {sum}"},
                 "values": {"said": "total", "sum": "adults + children"}}]},
    {"type": "number", "id": "rooms", "label": "房间数", "max": 9, "required": false,
     "checks": [{"rule": "rooms <= total", "message": "房间数{rooms}比人数{ratio}还多",
                 "values": {"rooms": "rooms", "ratio": "1 / (rooms - rooms)"}}]}
  ]}]
}
"""


@pytest.fixture(scope="module")
def resuming() -> CompiledForm:
    return compile_form(decode_form(RESUMING))


@pytest.mark.parametrize(
    ("answers", "visible", "missing", "outcome"),
    [
        pytest.param({"house": "no", "car": "no"}, ["house", "car", "sign", "last"], ["sign", "last"], None,
                     id="no jump: everything in order"),
        pytest.param({"house": "yes", "car": "yes"}, ["house", "sign", "last"], ["sign", "last"], "flag",
                     id="the flagged jump skips car; sign and last are asked again"),
        pytest.param({"house": "yes", "car": "yes", "sign": "yes", "why": "拉货"}, ["house", "sign", "last"],
                     ["last"], "flag", id="a skipped answer is read as unanswered by later rules"),
        pytest.param({"house": "no", "car": "yes", "sign": "yes"}, ["house", "car", "sign"], [], "stop",
                     id="a blocked jump after the resume point still ends everything"),
    ],
)  # fmt: skip
def test_a_flagged_outcome_resumes_at_its_question(
    resuming: CompiledForm,
    answers: dict[str, Any],
    visible: list[str],
    missing: list[str],
    outcome: str | None,
) -> None:
    evaluation = evaluate(resuming, answers)
    assert (evaluation.visible, evaluation.missing) == (visible, missing)
    assert (evaluation.outcome.id if evaluation.outcome else None) == outcome
    assert set(evaluation.answers) == set(answers) & set(visible)  # skipped answers are not stored


@pytest.fixture(scope="module")
def showing() -> CompiledForm:
    return compile_form(decode_form(SHOWING))


def test_a_check_message_shows_the_values_it_compared(showing: CompiledForm) -> None:
    assert evaluate(showing, {"adults": 2, "children": 1, "total": 5}).errors == {
        "total": ["第3题：填了5人，但{成年人}和儿童加起来是3人，请核对"]
    }


def test_a_check_whose_values_hold_shows_nothing(showing: CompiledForm) -> None:
    assert evaluate(showing, {"adults": 2, "children": 1, "total": 3}).errors == {}


def test_a_check_waits_for_what_its_values_read(showing: CompiledForm) -> None:
    """The rule does not read children, but a value does: the check waits until children is answered."""
    form = compile_form(
        decode_form(SHOWING.replace('"rule": "total == adults + children"', '"rule": "total == adults + 1"'))
    )
    assert evaluate(form, {"adults": 2, "total": 5}).errors == {}
    assert evaluate(form, {"adults": 2, "children": 1, "total": 5}).errors["total"] == [
        "第3题：填了5人，但{成年人}和儿童加起来是3人，请核对"
    ]


def test_a_value_that_fails_at_run_time_reads_as_blank(showing: CompiledForm) -> None:
    evaluation = evaluate(showing, {"adults": 1, "children": 0, "total": 1, "rooms": 4})
    assert evaluation.errors == {"rooms": ["第4题：房间数4比人数还多"]}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (2.5, "2.5"),
        (3.0, "3"),
        (True, "是"),
        (False, "否"),
        (None, ""),
        (["甲", 2], "甲、2"),
        ("户主", "户主"),
    ],
)
def test_values_read_as_a_farmer_reads_them(value: Any, text: str) -> None:
    from shenbao.forms.messages import shown

    assert shown(value) == text


def test_placeholders_are_read_by_the_standard_formatter() -> None:
    from shenbao.forms.messages import fill, placeholders

    assert placeholders("选了{said}人，{{不是}}{sum}，又是{said}") == ["said", "sum", "said"]
    with pytest.raises(ValueError, match="expected '}'"):
        placeholders("选了{said")
    assert fill("选了{said}人，{missing}", {"said": 3}) == "选了3人，"
    assert fill("选了{said", {"said": 3}) == "选了{said"
