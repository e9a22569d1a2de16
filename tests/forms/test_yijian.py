"""The 2023 one-click form (甘肃一键报贫): four items, an optional hardship, the consent to the check."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import CompiledForm, evaluate

from .support import VALID_ID, VALID_ID_X, yijian_complete

FOUR_ITEMS = ["name", "id_number", "phone", "address"]


def test_complete_answers_are_submittable(yijian: CompiledForm) -> None:
    evaluation = evaluate(yijian, yijian_complete())
    assert (evaluation.errors, evaluation.missing, evaluation.outcome) == ({}, [], None)
    assert evaluation.submittable
    assert evaluation.progress == 100


def test_the_four_items_come_first_with_their_types(yijian: CompiledForm) -> None:
    assert [(q.id, q.__struct_config__.tag) for q in yijian.questions[:4]] == [
        ("name", "text"), ("id_number", "id_number"), ("phone", "phone"), ("address", "region"),
    ]  # fmt: skip


def test_phone_is_confirmed_by_sms_code(yijian: CompiledForm) -> None:
    assert yijian.by_id["phone"].verify is True  # type: ignore[union-attr]


def test_address_goes_down_to_the_village(yijian: CompiledForm) -> None:
    assert yijian.by_id["address"].depth == "village"  # type: ignore[union-attr]


@pytest.mark.parametrize("question", [*FOUR_ITEMS, "consent"])
def test_missing_item(yijian: CompiledForm, question: str) -> None:
    answers = yijian_complete()
    del answers[question]
    evaluation = evaluate(yijian, answers)
    assert evaluation.missing == [question]
    assert not evaluation.submittable


def test_nothing_answered_lists_every_required_item(yijian: CompiledForm) -> None:
    assert evaluate(yijian, {}).missing == [*FOUR_ITEMS, "consent"]


def test_hardship_is_optional(yijian: CompiledForm) -> None:
    answers = yijian_complete()
    del answers["hardship"]
    assert evaluate(yijian, answers).submittable


@pytest.mark.parametrize(
    ("number", "error"),
    [
        pytest.param(VALID_ID[:-1] + ("1" if VALID_ID[-1] != "1" else "2"), "身份证号码第18位校验码不对，请核对",
                     id="wrong check digit"),
        pytest.param(VALID_ID[:-1], "身份证号码应是18位，现在是17位，请核对", id="17 digits"),
        pytest.param("620102198013010017", "身份证号码第7到14位的出生日期不对，请核对", id="month 13"),
    ],
)  # fmt: skip
def test_bad_id_number_message(yijian: CompiledForm, number: str, error: str) -> None:
    evaluation = evaluate(yijian, {**yijian_complete(), "id_number": number})
    assert evaluation.errors == {"id_number": [f"第2题：{error}"]}


def test_id_number_with_lower_case_x_is_stored_upper_case(yijian: CompiledForm) -> None:
    evaluation = evaluate(yijian, {**yijian_complete(), "id_number": VALID_ID_X.lower()})
    assert evaluation.answers["id_number"] == VALID_ID_X


def test_bad_phone_message(yijian: CompiledForm) -> None:
    evaluation = evaluate(yijian, {**yijian_complete(), "phone": "0931-1234567"})
    assert evaluation.errors == {"phone": ["第3题：请填写11位手机号码，以1开头，只写数字"]}


def test_refusing_the_check_says_why(yijian: CompiledForm) -> None:
    evaluation = evaluate(yijian, {**yijian_complete(), "consent": "disagree"})
    assert evaluation.errors == {
        "consent": ["第6题：不同意核查就不能申报：是否纳入监测要先核查家庭经济状况。有顾虑可以先问问村干部"]
    }


@pytest.mark.parametrize(
    ("hardship", "green_channel"),
    [
        (["disaster"], True),
        (["accident", "illness"], True),
        (["illness", "disability", "schooling", "other"], False),
        ([], False),
    ],
    ids=["disaster", "accident", "other hardships", "none"],
)
def test_hardship_answer_shows_green_channel_cases(
    yijian: CompiledForm, hardship: list[str], green_channel: bool
) -> None:
    answers: dict[str, Any] = {**yijian_complete(), "hardship": hardship}
    stored = evaluate(yijian, answers).answers.get("hardship", [])
    assert bool({"disaster", "accident"} & set(stored)) is green_channel


def test_form_header(yijian: CompiledForm) -> None:
    definition = yijian.definition
    assert (definition.id, definition.version, definition.pledge) == ("gansu-yijian-2023", 1, None)
    assert "15个工作日" in definition.guide
    assert "现场签订家庭经济状况核查授权书" in definition.guide
