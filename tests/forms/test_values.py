"""The answer cleaners: each question type's raw answer to its clean value, or what to fix."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms.model import (
    Field,
    FieldsQuestion,
    MultipleChoice,
    Notice,
    NumberQuestion,
    Option,
    Phone,
    Question,
    Region,
    SingleChoice,
    TextQuestion,
)
from shenbao.forms.values import clean, empty_value, is_answered, normalise_phone

from .support import VALID_ID, VALID_ID_X

OPTIONS = [Option(value="a", label="甲"), Option(value="b", label="乙"), Option(value="c", label="丙")]
SINGLE = SingleChoice(id="one", label="单选", options=OPTIONS)
COUNT = SingleChoice(id="count", label="人数", options=[Option(value=n, label=f"{n}人") for n in (1, 2, 3)])
MULTIPLE = MultipleChoice(
    id="many",
    label="多选",
    options=[*OPTIONS, Option(value="none", label="都没有", exclusive=True)],
    min_selections=2,
    max_selections=3,
)
TEXT = TextQuestion(id="why", label="原因", min_chars=2, max_chars=5)
REQUIRED_TEXT = TextQuestion(id="name", label="姓名", min_chars=2, max_chars=5, required=True)
OPTIONAL_TEXT = TextQuestion(id="why", label="原因", min_chars=2, max_chars=5, required=False)
NUMBER = NumberQuestion(id="mu", label="耕地", min=0, max=100, unit="亩")
PHONE = Phone(id="phone", label="手机号码")
PEOPLE = FieldsQuestion(
    id="who",
    label="申请人",
    fields=[
        Field(id="name", label="姓名"),
        Field(id="id_number", label="证件号码", kind="id_number"),
        Field(id="phone", label="电话", kind="phone"),
        Field(id="age", label="年龄", kind="number", required=False),
    ],
)
PHONE_PROBLEM = "请填写11位手机号码，以1开头，只写数字"


def case(question: Question, raw: Any, value: Any, problems: list[str], id: str) -> Any:
    return pytest.param(question, raw, value, problems, id=id)


CASES = [
    # single choice
    case(SINGLE, "b", "b", [], "single: an option"),
    case(SINGLE, ["b"], "b", [], "single: one-item list from a form post"),
    case(SINGLE, ["a", "b"], None, ["只能选一项，请只保留一个选择"], "single: two values"),
    case(SINGLE, "z", None, ["所选的“z”不在选项里，请从给出的选项中选择"], "single: unknown value"),
    case(SINGLE, "", None, [], "single: empty is unanswered"),
    case(COUNT, "2", 2, [], "single: integer option from text"),
    case(COUNT, 3, 3, [], "single: integer option from JSON"),
    # multiple choice
    case(MULTIPLE, ["c", "a"], ["a", "c"], [], "multiple: kept in the options' order"),
    case(MULTIPLE, ["a", "a", "b"], ["a", "b"], [], "multiple: duplicates dropped"),
    case(MULTIPLE, ["a"], ["a"], ["请至少选择2项"], "multiple: fewer than min_selections"),
    case(MULTIPLE, [], [], [], "multiple: none ticked is unanswered"),
    case(MULTIPLE, ["a", "b", "c", "none"], ["a", "b", "c", "none"],
         ["选了“都没有”就不能再选其他项，请去掉其中一种", "最多只能选3项，现在选了4项"], "multiple: exclusive and too many"),
    case(MULTIPLE, ["a", "q"], [], ["所选的“q”不在选项里，请从给出的选项中选择"], "multiple: unknown value"),
    # text, counted in characters
    case(TEXT, "两个", "两个", [], "text: 2 Chinese characters at the minimum"),
    case(TEXT, "五个汉字呀", "五个汉字呀", [], "text: 5 Chinese characters at the maximum"),
    case(TEXT, "六个汉字呀呀", "六个汉字呀呀", ["最多写5个字，现在是6个字，请删去1个字"], "text: one too many"),
    case(REQUIRED_TEXT, "张", "张", ["请写2到5个字，现在只有1个字"], "text: required and too short"),
    case(OPTIONAL_TEXT, "张", "张", ["如果填写，请写2到5个字，现在只有1个字"], "text: optional and too short"),
    case(TEXT, 12, None, ["请填写文字"], "text: not a string"),
    # numbers
    case(NUMBER, "12", 12, [], "number: from text"),
    case(NUMBER, 0, 0, [], "number: zero is an answer"),
    case(NUMBER, 101, 101, ["请填写0到100之间的整数，现在是101"], "number: above max"),
    case(NUMBER, "-1", -1, ["请填写0到100之间的整数，现在是-1"], "number: below min"),
    case(NUMBER, "3.5", None, ["请填写0到100之间的整数，不要带文字或小数点"], "number: decimal"),
    case(NUMBER, "三", None, ["请填写0到100之间的整数，不要带文字或小数点"], "number: Chinese numeral"),
    case(NUMBER, True, None, ["请填写0到100之间的整数"], "number: boolean"),
    # phones
    case(PHONE, "13812345678", "13812345678", [], "phone: mobile"),
    case(PHONE, "138 1234 5678", "13812345678", [], "phone: spaces removed"),
    case(PHONE, "+86 138-1234-5678", "13812345678", [], "phone: +86 and dashes removed"),
    case(PHONE, "１３８１２３４５６７８", "13812345678", [], "phone: full-width digits"),
    case(PHONE, "12812345678", "12812345678", [PHONE_PROBLEM], "phone: second digit 2"),
    case(PHONE, "1381234567", "1381234567", [PHONE_PROBLEM], "phone: 10 digits"),
    case(PHONE, "0931-8888888", "09318888888", [PHONE_PROBLEM], "phone: landline"),
    case(PHONE, "  ", None, [], "phone: blank is unanswered"),
    # fields (多项填空)
    case(PEOPLE, {"name": "张三", "id_number": VALID_ID_X.lower(), "phone": "138 1234 5678"},
         {"name": "张三", "id_number": VALID_ID_X, "phone": "13812345678"}, [], "fields: normalised"),
    case(PEOPLE, {"name": " 张三 ", "id_number": VALID_ID, "phone": "13812345678", "age": "45"},
         {"name": "张三", "id_number": VALID_ID, "phone": "13812345678", "age": 45}, [], "fields: with a number"),
    case(PEOPLE, {"name": "张三", "id_number": VALID_ID}, {"name": "张三", "id_number": VALID_ID},
         ["请填写“电话”"], "fields: a required blank empty"),
    case(PEOPLE, {"name": "张三", "id_number": VALID_ID[:-1] + "9", "phone": "1381234567"},
         {"name": "张三", "id_number": VALID_ID[:-1] + "9", "phone": "1381234567"},
         ["“证件号码”：身份证号码第18位校验码不对，请核对", f"“电话”：{PHONE_PROBLEM}"], "fields: each blank checked"),
    case(PEOPLE, {"name": "张三", "id_number": VALID_ID, "phone": "13812345678", "age": "-1"},
         {"name": "张三", "id_number": VALID_ID, "phone": "13812345678", "age": -1},
         ["“年龄”：请填写0到1000000之间的整数，现在是-1"], "fields: number out of range"),
    case(PEOPLE, {"name": "张三", "id_number": VALID_ID, "phone": "13812345678", "pet": "狗"},
         {"name": "张三", "id_number": VALID_ID, "phone": "13812345678"},
         ["没有“pet”这一项，请只填写页面上的各项"], "fields: unknown blank"),
    case(PEOPLE, "张三", None, ["请逐项填写"], "fields: not an object"),
    case(PEOPLE, {}, None, [], "fields: empty is unanswered"),
    # widgets and notices
    case(Region(id="where", label="地址"), "620102100", "620102100", [], "region: passed to its widget"),
    case(Region(id="where", label="地址"), 620102, None, ["这一项的内容不对，请重新填写"], "region: a bare number"),
    case(Notice(id="read", label="请阅读"), "anything", None, [], "notice: nothing to answer"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "raw", "value", "problems"), CASES)
def test_clean(question: Question, raw: Any, value: Any, problems: list[str]) -> None:
    assert clean(question, raw) == (value, problems)


@pytest.mark.parametrize(
    ("question", "empty"),
    [(SINGLE, None), (MULTIPLE, []), (TEXT, None), (PEOPLE, None)],
    ids=["single", "multiple", "text", "fields"],
)
def test_empty_value_seen_by_rules(question: Question, empty: Any) -> None:
    assert empty_value(question) == empty


@pytest.mark.parametrize(
    ("value", "answered"),
    [(None, False), ("", False), ([], False), ({}, False), (0, True), ("否", True), (["a"], True)],
    ids=["None", "empty text", "empty list", "empty object", "zero", "text", "list"],
)
def test_is_answered(value: Any, answered: bool) -> None:
    assert is_answered(value) is answered


def test_normalise_phone_keeps_what_it_cannot_read() -> None:
    assert normalise_phone("电话13812345678") == "电话13812345678"
