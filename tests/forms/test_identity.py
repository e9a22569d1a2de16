"""Resident identity numbers: shape, province, birth date and the check character."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao.forms import identity

from .support import VALID_ID, VALID_ID_X, id_number

TODAY = dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(VALID_ID, id="Lanzhou 1980"),
        pytest.param(VALID_ID_X, id="check character X"),
        pytest.param(VALID_ID_X.lower(), id="lower-case x"),
        pytest.param(id_number("110101", "20000229"), id="leap day"),
        pytest.param(f" {VALID_ID} ", id="surrounding spaces"),
        pytest.param(f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}", id="spaces between groups"),
        pytest.param(
            VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), id="full-width digits"
        ),
    ],
)
def test_valid_number(number: str) -> None:
    assert identity.problems(number, today=TODAY) == []


@pytest.mark.parametrize(
    ("number", "message"),
    [
        pytest.param(VALID_ID[:-1] + "9", "身份证号码第18位校验码不对，请核对", id="wrong check digit"),
        pytest.param(VALID_ID[:-1] + "X", "身份证号码第18位校验码不对，请核对", id="X where a digit is due"),
        pytest.param(VALID_ID[:-1], "身份证号码应是18位，现在是17位，请核对", id="17 characters"),
        pytest.param(VALID_ID + "1", "身份证号码应是18位，现在是19位，请核对", id="19 characters"),
        pytest.param("62010219800101A017", "身份证号码前17位只能是数字，最后一位是数字或X，请核对", id="letter inside"),
        pytest.param(id_number("990102"), "身份证号码前两位不是有效的省份代码，请核对", id="province 99"),
        pytest.param(id_number(born="19810229"), "身份证号码第7到14位的出生日期不对，请核对", id="no 29 February 1981"),
        pytest.param(id_number(born="20250101"), "身份证号码第7到14位的出生日期不对，请核对", id="born in the future"),
        pytest.param(id_number(born="18991231"), "身份证号码第7到14位的出生日期不对，请核对", id="born before 1900"),
    ],
)  # fmt: skip
def test_invalid_number(number: str, message: str) -> None:
    assert identity.problems(number, today=TODAY) == [message]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [(VALID_ID_X.lower(), VALID_ID_X), ("６２０１ 0２", "620102"), (f"\t{VALID_ID}\n", VALID_ID)],
    ids=["upper-case X", "full-width and spaces", "tabs and newlines"],
)
def test_normalise(raw: str, normal: str) -> None:
    assert identity.normalise(raw) == normal


def test_birth_date_and_sex() -> None:
    assert identity.birth_date(VALID_ID) == dt.date(1980, 1, 1)
    assert identity.sex(VALID_ID) == "男"  # sequence 001: odd
    assert identity.sex(id_number(sequence="002")) == "女"
