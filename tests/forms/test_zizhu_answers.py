"""Answer-level rules of the 2021 questionnaire: exclusive and minimum ticks, text length, the proxy's blanks."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import CompiledForm, evaluate

from .support import VALID_ID, zizhu_minimal

ALONE: dict[str, Any] = {"q8": "no"}


@pytest.mark.parametrize(
    ("question", "ticks", "errors"),
    [
        pytest.param("q10", ["none"], None, id="q10 none alone"),
        pytest.param("q10", ["chronic", "disabled_3"], None, id="q10 two conditions"),
        pytest.param(
            "q10",
            ["chronic", "none"],
            ["第10题：选了“以上都没有”就不能再选其他项，请去掉其中一种"],
            id="q10 none with a condition",
        ),
        pytest.param("q9", ["none"], None, id="q9 none alone"),
        pytest.param(
            "q9",
            ["left_women", "none"],
            ["第9题：选了“以上都没有”就不能再选其他项，请去掉其中一种"],
            id="q9 none with a situation",
        ),
    ],
)
def test_none_of_the_above_is_exclusive(
    zizhu: CompiledForm, question: str, ticks: list[str], errors: Any
) -> None:
    branch = ALONE if question == "q10" else {}
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **branch, question: ticks})
    assert evaluation.errors.get(question) == errors


@pytest.mark.parametrize(
    ("changes", "question"),
    [
        pytest.param({"q9": []}, "q9", id="q9"),
        pytest.param({**ALONE, "q10": []}, "q10", id="q10"),
        pytest.param({"q11": []}, "q11", id="q11"),
        pytest.param({"q14": [], "q15": None}, "q14", id="q14"),
    ],
)
def test_at_least_one_tick_is_required(zizhu: CompiledForm, changes: dict[str, Any], question: str) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert question in evaluation.missing
    assert not evaluation.submittable


@pytest.mark.parametrize("question", ["q9", "q10", "q11", "q14"])
def test_at_least_one_tick_is_declared(zizhu: CompiledForm, question: str) -> None:
    assert zizhu.by_id[question].min_selections == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        pytest.param("家" * 9, ["第12题：如果填写，请写10到200个字，现在只有9个字"], id="9 chars too short"),
        pytest.param("家" * 10, None, id="10 chars"),
        pytest.param("家" * 200, None, id="200 chars"),
        pytest.param(
            "家" * 201, ["第12题：最多写200个字，现在是201个字，请删去1个字"], id="201 chars too long"
        ),
        pytest.param("  " + "家" * 10 + "\n", None, id="surrounding spaces not counted"),
    ],
)
def test_q12_length_in_chinese_characters(zizhu: CompiledForm, text: str, errors: Any) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q12": text})
    assert evaluation.errors.get("q12") == errors


@pytest.mark.parametrize("text", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_q12_may_be_left_empty(zizhu: CompiledForm, text: Any) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q12": text})
    assert "q12" not in evaluation.missing
    assert evaluation.submittable


PROXY = {"name": "王五", "id_number": VALID_ID, "phone": "13700001111"}


def test_proxy_must_give_relation_and_own_details(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q1": "proxy"})
    assert evaluation.missing == ["q2", "q3"]


def test_proxy_application_with_details_is_submittable(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q1": "proxy", "q2": "neighbour", "q3": PROXY})
    assert evaluation.submittable
    assert evaluation.answers["q3"] == PROXY


@pytest.mark.parametrize(
    ("details", "error"),
    [
        pytest.param({**PROXY, "name": ""}, "第3题：请填写“代办人姓名”", id="no name"),
        pytest.param({**PROXY, "phone": "1370000111"}, "第3题：“代办人联系电话”：请填写11位手机号码，以1开头，只写数字",
                     id="short phone"),
        pytest.param({**PROXY, "id_number": VALID_ID[:-1] + "9"}, "第3题：“代办人证件号码”：身份证号码第18位校验码不对，请核对",
                     id="wrong check digit"),
    ],
)  # fmt: skip
def test_proxy_details_are_checked(zizhu: CompiledForm, details: dict[str, str], error: str) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q1": "proxy", "q2": "family", "q3": details})
    assert evaluation.errors["q3"] == [error]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        pytest.param("name", None, "第4题：请填写“户主姓名”", id="no head of household"),
        pytest.param("id_number", "62010219800101", "第4题：“户主证件号码”：身份证号码应是18位，现在是14位，请核对",
                     id="short id number"),
        pytest.param("phone", "23812345678", "第4题：“户主联系电话”：请填写11位手机号码，以1开头，只写数字",
                     id="phone not starting with 1"),
    ],
)  # fmt: skip
def test_applicant_details_are_checked(zizhu: CompiledForm, field: str, value: Any, error: str) -> None:
    answers = zizhu_minimal()
    answers["q4"] = {**answers["q4"], field: value}
    evaluation = evaluate(zizhu, answers)
    assert evaluation.errors["q4"] == [error]
    assert evaluation.blank_errors == {"q4": {field: [error]}}  # shown under that blank, not under the phone
    assert evaluation.own_errors("q4") == []


def test_each_wrong_blank_keeps_its_own_messages_and_the_rest_stay_with_the_question(
    zizhu: CompiledForm,
) -> None:
    answers = zizhu_minimal()
    answers["q4"] = {**answers["q4"], "id_number": VALID_ID[:-1] + "9", "phone": "1380013800", "nick": "老张"}
    evaluation = evaluate(zizhu, answers)
    id_error = "第4题：“户主证件号码”：身份证号码第18位校验码不对，请核对"
    phone_error = "第4题：“户主联系电话”：请填写11位手机号码，以1开头，只写数字"
    extra = "第4题：没有“nick”这一项，请只填写页面上的各项"
    assert evaluation.errors["q4"] == [extra, id_error, phone_error]  # the API still gets every message
    assert evaluation.blank_errors["q4"] == {"id_number": [id_error], "phone": [phone_error]}
    assert evaluation.own_errors("q4") == [extra]


def test_a_question_without_blanks_has_all_its_messages_as_its_own(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q12": "太短了"})
    assert evaluation.blank_errors == {} and evaluation.own_errors("q12") == evaluation.errors["q12"]


@pytest.mark.parametrize(
    "question", ["q4", "q5", "q6", "q8", "q11", "q13", "q14", "q23", "q33", "q34", "q44", "q45", "q46"]
)
def test_required_question_left_empty_is_missing(zizhu: CompiledForm, question: str) -> None:
    answers = zizhu_minimal()
    del answers[question]
    evaluation = evaluate(zizhu, answers)
    assert question in evaluation.missing
    assert not evaluation.submittable


def test_current_address_is_optional(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, zizhu_minimal())
    assert "q7" in evaluation.visible
    assert "q7" not in evaluation.missing


def test_count_answers_arrive_as_text_and_are_stored_as_numbers(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q13": "1", "q15": "1"})
    assert (evaluation.answers["q13"], evaluation.answers["q15"]) == (1, 1)
    assert evaluation.submittable
