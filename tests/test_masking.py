from typing import Any

import pytest

from shenbao.forms.model import Field, FieldsQuestion, IdNumber, Phone, Question, TextQuestion
from shenbao.privacy.masking import (
    mask_answer,
    mask_code,
    mask_id_number,
    mask_phone,
    masked_labels,
    may_unmask,
)


def test_a_phone_keeps_its_first_three_and_last_four_digits() -> None:
    assert mask_phone("13800138000") == "138****8000"


def test_an_id_number_keeps_its_region_and_last_four() -> None:
    assert mask_id_number("62010219800101123X") == "620102********123X"


def test_a_malformed_id_number_is_masked_whole() -> None:
    assert mask_id_number("1234") == "****"


def test_a_phone_of_another_length_is_masked_whole() -> None:
    assert mask_phone("0931-8888888") == "************"


ID = "62010219800101123X"
FIELDS = FieldsQuestion(
    id="q4",
    label="申请人基本信息",
    fields=[
        Field(id="name", label="户主姓名"),
        Field(id="id_number", label="户主证件号码", kind="id_number"),
        Field(id="phone", label="户主联系电话", kind="phone"),
    ],
)


@pytest.mark.parametrize(
    ("question", "value", "masked", "labels"),
    [
        (IdNumber(id="id_number", label="身份证号码"), ID, "620102********123X", ["身份证号码"]),
        (Phone(id="phone", label="手机号码"), "13912345678", "139****5678", ["手机号码"]),
        (
            FIELDS,
            {"name": "张三", "id_number": ID, "phone": "13800138000"},
            {"name": "张三", "id_number": "620102********123X", "phone": "138****8000"},
            ["户主证件号码", "户主联系电话"],
        ),
        (FIELDS, {"name": "张三", "phone": ""}, {"name": "张三", "phone": ""}, []),
        (TextQuestion(id="name", label="姓名"), ID, ID, []),
    ],
    ids=["id-number", "phone", "household-fields", "empty-blank", "other-question"],
)
def test_an_answer_is_masked_by_its_question(
    question: Question, value: Any, masked: Any, labels: list[str]
) -> None:
    assert mask_answer(question, value) == masked
    assert masked_labels(question, value) == labels


@pytest.mark.parametrize(
    ("role", "allowed"), [("village", True), ("township", True), ("county", True), ("province", False)]
)
def test_the_handlers_may_unmask_the_province_admin_may_not(role: str, allowed: bool) -> None:
    assert may_unmask(role) is allowed


def test_a_verification_code_is_masked_by_its_value() -> None:
    text = "【申报】您的验证码是123456，5分钟内有效。请不要把验证码告诉别人。"
    assert mask_code(text, "123456") == "【申报】您的验证码是******，5分钟内有效。请不要把验证码告诉别人。"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param(
            "您的验证码是 654321，10分钟内有效", "您的验证码是 ******，10分钟内有效", id="other-wording"
        ),
        pytest.param("验证码：０１２３４５", "验证码：******", id="full-width-digits"),
        pytest.param("验证码5分钟内有效", "验证码5分钟内有效", id="no-code"),
    ],
)
def test_without_its_value_every_run_of_digits_that_could_be_a_code_is_masked(text: str, masked: str) -> None:
    assert mask_code(text) == masked
