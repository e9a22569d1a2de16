"""Receipt numbers: 12 digits a person can read aloud, with a check digit that catches typos."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from shenbao.store.receipts import check_digit, format_receipt, new_receipt_number, parse_receipt


def test_a_new_number_is_twelve_digits_that_check() -> None:
    number = new_receipt_number()
    assert len(number) == 12
    assert number.isdigit()
    assert check_digit(number) == "0"


def test_the_date_is_the_beijing_date() -> None:
    # 17:00 UTC on 27 November is 01:00 on 28 November in Beijing.
    number = new_receipt_number(datetime(2025, 11, 27, 17, 0, tzinfo=UTC))
    assert number.startswith("251128")


def test_numbers_are_shown_in_groups_of_four() -> None:
    assert format_receipt("251128042517") == "2511 2804 2517"


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("{grouped}", id="grouped"),
        pytest.param("{plain}", id="plain"),
        pytest.param("  {plain}\n", id="surrounding-space"),
        pytest.param("{dashed}", id="dashed"),
        pytest.param("{fullwidth}", id="full-width-digits"),
    ],
)
def test_parse_accepts_what_people_type(typed: str) -> None:
    number = new_receipt_number()
    text = typed.format(
        grouped=format_receipt(number),
        plain=number,
        dashed=f"{number[:6]}-{number[6:]}",
        fullwidth="".join(chr(ord(digit) + 0xFEE0) for digit in number),
    )
    assert parse_receipt(text) == number


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("25112804251", id="too-short"),
        pytest.param("2511280425170", id="too-long"),
        pytest.param("2511 2804 25a7", id="letter"),
        pytest.param("٢٥١١٢٨٠٤٢٥١٧", id="arabic-indic-digits"),
    ],
)
def test_parse_refuses_what_is_not_a_receipt_number(text: str) -> None:
    assert parse_receipt(text) is None


def test_every_single_wrong_digit_and_neighbour_swap_is_caught() -> None:
    rng = random.Random(20211)
    for _ in range(200):
        body = "".join(rng.choice("0123456789") for _ in range(11))
        number = body + check_digit(body)
        assert parse_receipt(number) == number
        for position in range(12):
            for digit in "0123456789":
                if digit != number[position]:
                    typo = number[:position] + digit + number[position + 1 :]
                    assert parse_receipt(typo) is None, typo
        for position in range(11):
            if number[position] != number[position + 1]:
                swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
                assert parse_receipt(swapped) is None, swapped
