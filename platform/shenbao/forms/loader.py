"""Read form definitions from JSON files and province packs."""

from __future__ import annotations

from pathlib import Path

import msgspec

from shenbao.forms.model import FormDef

__all__ = ["DefinitionError", "decode_form", "form_files", "load_form", "loadable_forms"]


class DefinitionError(ValueError):
    """A definition file is not valid JSON or does not match the format; the message names the JSON path."""


def decode_form(data: bytes | str, *, source: str = "<form>") -> FormDef:
    """Decode one form definition, naming ``source`` and the JSON path in any error."""
    try:
        return msgspec.json.decode(data, type=FormDef)
    except msgspec.DecodeError as error:
        raise DefinitionError(f"{source}: {error}") from None


def load_form(path: Path) -> FormDef:
    """Decode the definition file at ``path``; errors name the file and the JSON path."""
    return decode_form(path.read_bytes(), source=str(path))


def form_files(root: Path) -> list[Path]:
    """The form definition files below ``root``: every ``forms/*.json`` of every pack, or ``root`` itself."""
    if root.is_file():
        return [root]
    return sorted(root.glob("**/forms/*.json"))


def loadable_forms(folder: Path) -> dict[str, tuple[Path, FormDef]]:
    """The forms of ``folder``'s ``*.json`` files by id, each with its file, for linters that read a pack.

    A file that does not load is left out: the form linter reports it.
    """
    forms: dict[str, tuple[Path, FormDef]] = {}
    for file in sorted(folder.glob("*.json")):
        try:
            form = load_form(file)
        except DefinitionError:
            continue
        forms[form.id] = (file, form)
    return forms
