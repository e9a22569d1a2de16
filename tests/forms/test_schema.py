"""form_defs/schema.json is generated from the model and committed; it must not drift."""

from __future__ import annotations

import json
from pathlib import Path

from shenbao.forms.loader import form_files
from shenbao.forms.schema import SCHEMA_FILE, form_schema, main, render
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
