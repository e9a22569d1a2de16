"""Where a form's answers hold identity numbers and phones, and which are the applicant's."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shenbao.forms import load_form
from shenbao.forms.model import FormDef
from shenbao.forms.personal import PersonalFields, applicant_values, personal_fields, value_at
from shenbao.paths import form_defs_dir


def _form(questions: list[dict[str, Any]]) -> FormDef:
    definition = {
        "id": "t",
        "version": 1,
        "title": "t",
        "sections": [{"id": "s", "title": "s", "questions": questions}],
    }
    return msgspec.convert(definition, FormDef)


def _blanks(*kinds: tuple[str, str, bool]) -> list[dict[str, Any]]:
    return [{"id": blank, "label": blank, "kind": kind, "verify": verify} for blank, kind, verify in kinds]


def test_the_2023_form_asks_the_applicant_directly() -> None:
    form = load_form(form_defs_dir() / "gansu" / "forms" / "gansu-yijian-2023.json")
    assert personal_fields(form) == PersonalFields(
        id_numbers=("id_number",), phones=("phone",), applicant_id_number="id_number", applicant_phone="phone"
    )


def test_the_2021_applicant_is_the_household_head_not_the_proxy() -> None:
    form = load_form(form_defs_dir() / "gansu" / "forms" / "gansu-zizhu-2021.json")
    fields = personal_fields(form)
    assert fields.id_numbers == ("q3.id_number", "q4.id_number")
    assert fields.phones == ("q3.phone", "q4.phone")
    assert (fields.applicant_id_number, fields.applicant_phone) == ("q4.id_number", "q4.phone")


@pytest.mark.parametrize(
    ("questions", "applicant"),
    [
        ([], (None, None)),
        ([{"type": "text", "id": "name", "label": "x"}], (None, None)),
        (
            [
                {"type": "phone", "id": "other", "label": "x", "verify": False},
                {"type": "phone", "id": "mine", "label": "x"},
                {"type": "id_number", "id": "idn", "label": "x"},
            ],
            ("idn", "mine"),
        ),
        (
            [
                {"type": "id_number", "id": "first", "label": "x"},
                {"type": "fields", "id": "q", "label": "x", "fields": _blanks(("p", "phone", False))},
            ],
            ("first", "q.p"),
        ),
        (
            [
                {"type": "fields", "id": "a", "label": "x", "fields": _blanks(("i", "id_number", False))},
                {"type": "phone", "id": "tel", "label": "x"},
            ],
            ("a.i", "tel"),
        ),
    ],
    ids=["no-questions", "nothing-personal", "verified-phone-wins", "no-blank-beside", "blank-only-id"],
)
def test_the_applicant_is_found_by_the_rule(
    questions: list[dict[str, Any]], applicant: tuple[str | None, str | None]
) -> None:
    fields = personal_fields(_form(questions))
    assert (fields.applicant_id_number, fields.applicant_phone) == applicant


def test_values_are_read_at_their_paths() -> None:
    fields = PersonalFields(
        id_numbers=("q4.id_number",),
        phones=("phone",),
        applicant_id_number="q4.id_number",
        applicant_phone="phone",
    )
    answers = {"q4": {"name": "张三", "id_number": "620102198001011234"}, "phone": "13800138000"}
    assert value_at(answers, "q4.name") == "张三"
    assert value_at({"q4": "stray"}, "q4.name") is None
    assert applicant_values(answers, fields) == ("620102198001011234", "13800138000")
    assert applicant_values({"phone": ""}, fields) == (None, None)
    assert fields.paths == ("q4.id_number", "phone")
