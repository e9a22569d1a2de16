"""form_defs/schema.json is generated from the model and committed; it must not drift."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from shenbao.forms.loader import form_files
from shenbao.forms.schema import SCHEMA_FILE, clean_descriptions, form_schema, main, render
from shenbao.paths import form_defs_dir


def test_committed_schema_is_up_to_date() -> None:
    committed = (form_defs_dir() / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render(), (
        "form_defs/schema.json is out of date with shenbao/forms/model.py: "
        "regenerate it with `.venv/bin/python -m shenbao.forms.schema` and commit the result"
    )


def test_schema_names_its_dialect_and_the_question_types() -> None:
    schema = form_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$ref"] == "#/$defs/FormDef"
    assert {"SingleChoice", "MultipleChoice", "FieldsQuestion", "Region", "Signature"} <= set(schema["$defs"])


def test_main_writes_the_schema(tmp_path: Path) -> None:
    output = tmp_path / "schema.json"
    assert main(["--output", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8")) == form_schema()
    assert output.read_text(encoding="utf-8").endswith("}\n")


def test_every_definition_points_at_the_schema() -> None:
    for file in form_files(form_defs_dir()):
        pointer = json.loads(file.read_text(encoding="utf-8")).get("$schema")
        assert pointer is not None, f'{file}: add "$schema": "../../schema.json"'
        assert (file.parent / pointer).resolve() == (form_defs_dir() / SCHEMA_FILE).resolve()


def test_every_description_is_cleaned_like_a_docstring() -> None:
    """Whatever msgspec keeps of the docstrings' indentation, the schema carries them cleaned."""
    descriptions: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str):
                    descriptions.append(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(form_schema())
    assert any("\n\n" in text for text in descriptions), (
        "the model's multi-paragraph docstrings are described"
    )
    for text in descriptions:
        assert text == inspect.cleandoc(text), f"description not cleaned: {text!r}"


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        pytest.param(
            {"description": "First line.\n\n    Second paragraph,\n    indented.\n    "},
            {"description": "First line.\n\nSecond paragraph,\nindented."},
            id="indented-docstring",
        ),
        pytest.param(
            {"$defs": {"A": {"anyOf": [{"description": "\n    Nested.\n      deeper\n"}]}}},
            {"$defs": {"A": {"anyOf": [{"description": "Nested.\n  deeper"}]}}},
            id="nested-in-defs-and-arrays",
        ),
        pytest.param(
            {"properties": {"description": {"type": "string", "description": "A\n    B"}}},
            {"properties": {"description": {"type": "string", "description": "A\nB"}}},
            id="property-named-description",
        ),
        pytest.param(
            {"properties": {"default": {"description": "A\n    B"}}},
            {"properties": {"default": {"description": "A\nB"}}},
            id="property-named-default",
        ),
        pytest.param(
            {"default": {"description": "  kept\n    as is"}, "enum": [{"description": " x\n  y"}]},
            {"default": {"description": "  kept\n    as is"}, "enum": [{"description": " x\n  y"}]},
            id="instance-values-untouched",
        ),
        pytest.param(
            {"type": "integer", "minimum": 0, "description": "Plain."},
            {"type": "integer", "minimum": 0, "description": "Plain."},
            id="already-clean",
        ),
    ],
)
def test_clean_descriptions(schema: dict[str, object], expected: dict[str, object]) -> None:
    assert clean_descriptions(schema) == expected
