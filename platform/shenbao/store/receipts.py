"""Receipt numbers (回执号): what a farmer writes down, and reads aloud to a village handler on the phone.

The format is 12 digits, ``YYMMDD`` + 5 random digits + 1 check digit, shown in three groups of four
(``2511 2804 2517``), the way Chinese phone and bank-card numbers are read:

- digits only: no letters to spell, nothing that sounds alike in Mandarin or a dialect;
- the date (Beijing time) tells the handler at once which day the farmer applied;
- the last digit is a Damm check digit, which catches every single wrong digit and every swap of two
  neighbouring digits, the two mistakes people make when they read or type a number; a mistyped number is
  reported as a typo instead of finding nothing or, worse, someone else's application;
- 100,000 numbers per day; the store draws again when a number is taken (collisions stay rare far beyond
  the volume one province has in a day).

A receipt number is not a secret: pages that show personal data must ask for more than the number.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, datetime

from shenbao.china_time import to_china

__all__ = ["check_digit", "format_receipt", "new_receipt_number", "parse_receipt"]

_RANDOM_DIGITS = 5
_LENGTH = 6 + _RANDOM_DIGITS + 1
_SEPARATORS = frozenset(" -_.·/—–")

# The Damm algorithm's table: a totally anti-symmetric quasigroup of order 10 (Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def check_digit(digits: str) -> str:
    """Return the Damm check digit of a string of ASCII digits.

    Args:
        digits: the digits to protect.

    Returns:
        One digit; appended to ``digits``, the whole checks to 0.
    """
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][ord(digit) - 48]
    return str(interim)


def new_receipt_number(now: datetime | None = None) -> str:
    """Draw a fresh receipt number for an application made at ``now``.

    Args:
        now: when the application is made (aware); the current time when omitted.

    Returns:
        12 digits: the Beijing date as ``YYMMDD``, 5 random digits, the check digit.
    """
    moment = to_china(now or datetime.now(UTC))
    body = moment.strftime("%y%m%d") + f"{secrets.randbelow(10**_RANDOM_DIGITS):0{_RANDOM_DIGITS}d}"
    return body + check_digit(body)


def format_receipt(number: str) -> str:
    """Show a receipt number in groups of four digits, as it is read aloud: ``2511 2804 2517``.

    Args:
        number: the 12 stored digits.

    Returns:
        The grouped number (anything that is not 12 digits is returned unchanged).
    """
    if len(number) != _LENGTH or not number.isascii() or not number.isdigit():
        return number
    return " ".join(number[start : start + 4] for start in range(0, _LENGTH, 4))


def parse_receipt(text: str) -> str | None:
    """Read a receipt number as a person typed it: spaces, dashes and full-width digits are fine.

    Args:
        text: what was typed (``"2511 2804 2517"``, ``"２５１１２８０４２５１７"``, ``"251128-042517"``).

    Returns:
        The 12 stored digits, or ``None`` when it is not a receipt number: wrong length, a character
        other than a digit or separator, or a check digit that does not match (a typo).
    """
    normalised = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(char for char in normalised if char not in _SEPARATORS)
    if len(digits) != _LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    if check_digit(digits) != "0":
        return None
    return digits
