"""Resident identity numbers (GB 11643-1999): 18 characters, a birth date, an ISO 7064 MOD 11-2 check digit.

Messages are in words a farmer can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from shenbao import china_time

__all__ = ["birth_date", "check_char", "normalise", "problems", "sex"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
# The first two digits name a province (11 Beijing … 82 Macau); 83 is used for Taiwan residents' permits.
_PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
        "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
        "81", "82", "83",
    }
)  # fmt: skip


def normalise(raw: str) -> str:
    """The canonical form that is stored and hashed: ASCII digits, no spaces, an upper-case X.

    Chinese input methods type full-width digits (``６２０１``) and farmers split long numbers with spaces.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()


def check_char(first17: str) -> str:
    """The check character the first 17 digits call for."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date(number: str) -> dt.date | None:
    """The birth date in digits 7-14 of a normalised ``number``, or ``None`` when it is not a real date."""
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """``"男"`` or ``"女"``, from the parity of the 17th digit."""
    return "男" if int(number[16]) % 2 else "女"


def problems(raw: str, *, today: dt.date | None = None) -> list[str]:
    """What is wrong with ``raw`` as an identity number, in words a farmer can act on; empty when valid."""
    number = normalise(raw)
    if len(number) != 18:
        return [f"身份证号码应是18位，现在是{len(number)}位，请核对"]
    if not _SHAPE.fullmatch(number):
        return ["身份证号码前17位只能是数字，最后一位是数字或X，请核对"]
    if number[:2] not in _PROVINCE_CODES:
        return ["身份证号码前两位不是有效的省份代码，请核对"]
    born = birth_date(number)
    if born is None or born > (today or china_time.today()) or born.year < 1900:
        return ["身份证号码第7到14位的出生日期不对，请核对"]
    if number[17] != check_char(number[:17]):
        return ["身份证号码第18位校验码不对，请核对"]
    return []
