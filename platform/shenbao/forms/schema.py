"""The JSON Schema of the form-definition format, generated from the model so it is written down once.

``form_defs/schema.json`` is this module's output, committed so that editors and the admins' tools can
validate definition files without Python. Regenerate it after changing :mod:`shenbao.forms.model`::

    python -m shenbao.forms.schema
"""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from shenbao.forms.model import FormDef

__all__ = ["SCHEMA_FILE", "clean_descriptions", "form_schema", "main", "render"]

SCHEMA_FILE = "schema.json"
"""Its name inside ``form_defs/``; definition files point at it with ``"$schema": "../../schema.json"``."""

_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
"""Keywords whose values are instances, not schemas: a ``description`` key inside them is data, left as it is."""

_SCHEMA_MAPS = frozenset({"$defs", "dependentSchemas", "patternProperties", "properties"})
"""Keywords whose values map names to schemas: a property may itself be called ``description`` or ``default``."""


def form_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a form definition file.

    Returns:
        msgspec's schema of :class:`~shenbao.forms.model.FormDef`, with ``$schema`` and a title added and
        every ``description`` cleaned like a docstring (:func:`clean_descriptions`).
    """
    schema = clean_descriptions(msgspec.json.schema(FormDef))
    return {"$schema": _DIALECT, "title": "申报 form definition (shenbao)", **schema}


def clean_descriptions(node: Any) -> Any:
    """A copy of a JSON Schema whose every ``description`` string went through :func:`inspect.cleandoc`.

    msgspec takes descriptions from the model's docstrings, and its versions differ in how much of their
    indentation they keep; cleaning them here makes the generated schema the same whichever is installed.

    Args:
        node: a schema, or any part of one (objects, arrays and scalars of decoded JSON).

    Returns:
        The same structure, descriptions cleaned at every depth; values of ``const``, ``default``, ``enum`` and
        ``examples`` are instances of the schema, not schemas, and are returned as they are (a property of
        ``properties`` or ``$defs`` that bears one of those names is still a schema, and is cleaned).
    """
    if isinstance(node, dict):
        cleaned: dict[str, Any] = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                cleaned[key] = inspect.cleandoc(value)
            elif key in _DATA_KEYWORDS:
                cleaned[key] = value
            elif key in _SCHEMA_MAPS and isinstance(value, dict):
                cleaned[key] = {name: clean_descriptions(schema) for name, schema in value.items()}
            else:
                cleaned[key] = clean_descriptions(value)
        return cleaned
    if isinstance(node, list):
        return [clean_descriptions(item) for item in node]
    return node


def render() -> str:
    """The exact text of ``form_defs/schema.json``: two-space indents, sorted keys, a trailing newline."""
    return json.dumps(form_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the schema to ``form_defs/schema.json`` (or to ``--output``).

    Args:
        argv: command-line arguments; ``None`` reads ``sys.argv``.

    Returns:
        The process exit status.
    """
    from shenbao.paths import form_defs_dir  # only the command needs the data folder

    parser = argparse.ArgumentParser(prog="python -m shenbao.forms.schema", description=main.__doc__)
    parser.add_argument("--output", type=Path, help="where to write it (default: form_defs/schema.json)")
    arguments = parser.parse_args(argv)
    output: Path = arguments.output or form_defs_dir() / SCHEMA_FILE
    output.write_text(render(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
