"""The JSON Schema of the form-definition format, generated from the model so it is written down once.

``form_defs/schema.json`` is this module's output, committed so that editors and the admins' tools can
validate definition files without Python. Regenerate it after changing :mod:`shenbao.forms.model`::

    python -m shenbao.forms.schema
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from shenbao.forms.model import FormDef

__all__ = ["SCHEMA_FILE", "form_schema", "main", "render"]

SCHEMA_FILE = "schema.json"
"""Its name inside ``form_defs/``; definition files point at it with ``"$schema": "../../schema.json"``."""

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def form_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a form definition file.

    Returns:
        msgspec's schema of :class:`~shenbao.forms.model.FormDef`, with ``$schema`` and a title added.
    """
    schema = msgspec.json.schema(FormDef)
    return {"$schema": _DIALECT, "title": "申报 form definition (shenbao)", **schema}


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
