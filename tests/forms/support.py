"""Answers and identity numbers shared by the form tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shenbao.forms import CompiledForm, compile_form, load_form
from shenbao.forms.identity import check_char
from shenbao.paths import form_defs_dir


def id_number(region: str = "620102", born: str = "19800101", sequence: str = "001") -> str:
    """A valid resident identity number: the first 17 digits and the check character they call for."""
    first17 = region + born + sequence
    return first17 + check_char(first17)


VALID_ID = id_number()
VALID_ID_X = next(
    number for sequence in range(1000) if (number := id_number(sequence=f"{sequence:03d}"))[-1] == "X"
)
"""A valid number whose check character is X, for the lower-case x cases."""

SIGNATURE = "data:image/png;base64,iVBORw0KGgo="
PHOTO = "data:image/jpeg;base64,/9j/4AAQ"

FORM_FILES = form_defs_dir() / "gansu" / "forms"


def gansu_form(name: str) -> CompiledForm:
    """Load and compile one of the Gansu pack's forms by file name (without ``.json``)."""
    return compile_form(load_form(Path(FORM_FILES, f"{name}.json")))


def zizhu_minimal() -> dict[str, Any]:
    """A complete, submittable 2021 application that triggers no conditional question beyond q15.

    Self-applying, one co-resident person over 60, left-behind elderly, no subsidies, no property.
    """
    return {
        "q1": "self",
        "q4": {"name": "张三", "id_number": VALID_ID, "phone": "13812345678"},
        "q5": "agri",
        "q6": "620102001001",
        "q8": "yes",
        "q9": ["left_elderly"],
        "q11": ["low_wages"],
        "q13": 1,
        "q14": ["over_60"],
        "q15": 1,
        **{f"q{number}": "no" for number in (23, 24, 26, 27, 28, 29, 30, 31)},
        "q25": "none",
        "q32": ["tap"],
        "q33": "under_20k",
        "q34": "no",
        "q44": "no",
        "q45": SIGNATURE,
        "q46": PHOTO,
    }


def yijian_complete() -> dict[str, Any]:
    """A complete, submittable one-click (2023) application."""
    return {
        "name": "李四",
        "id_number": VALID_ID,
        "phone": "13912345678",
        "address": "620102100200",
        "hardship": ["disaster"],
        "consent": "agree",
    }
