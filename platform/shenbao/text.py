"""What text from outside may hold: control characters are refused or dropped, invisible marks removed.

Three kinds of character never belong in what a farmer or a staff member types:

* control characters: C0 (U+0000–U+001F) except tab, line feed and carriage return, DEL (U+007F) and C1
  (U+0080–U+009F). A phone keyboard cannot type them; they come from a forged request or a paste of odd text,
  and PostgreSQL refuses U+0000 in ``jsonb`` and ``text``.
* bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width characters (U+200B–U+200D,
  U+2060, U+FEFF): invisible, they make a name read differently on a staff page from what is stored.
* U+FFFD, the replacement character: what a page shows in place of a control character it was sent back
  (:func:`marked`), so the farmer sees where it was and deletes it.

Answers (``forms.values.clean``) refuse the first and third with a message and silently remove the second;
staff forms drop all of them (:func:`scrubbed`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "INVISIBLE",
    "REPLACEMENT",
    "UNUSABLE",
    "marked",
    "scrubbed",
    "scrubbed_form",
    "unusable_problem",
    "without_invisible",
]

REPLACEMENT = "\ufffd"

UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
"""Control characters other than tab, line feed and carriage return, and the replacement character."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
"""Bidi overrides and isolates, zero-width spaces and joiners, the word joiner and the byte-order mark."""


def without_invisible(value: Any) -> Any:
    """``value`` (a string, or JSON-like lists and objects of them) with :data:`INVISIBLE` characters removed."""
    if isinstance(value, str):
        return INVISIBLE.sub("", value) if INVISIBLE.search(value) else value
    if isinstance(value, list):
        return [without_invisible(item) for item in value]
    if isinstance(value, dict):
        return {without_invisible(key): without_invisible(item) for key, item in value.items()}
    return value


def _first_unusable(value: Any) -> str | None:
    """The first :data:`UNUSABLE` character anywhere in ``value`` (keys included), or ``None``."""
    if isinstance(value, str):
        found = UNUSABLE.search(value)
        return found.group() if found else None
    if isinstance(value, list):
        items: list[Any] = value
    elif isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    else:
        return None
    for item in items:
        character = _first_unusable(item)
        if character is not None:
            return character
    return None


def unusable_problem(value: Any, where: str = "") -> str | None:
    """What to tell the person whose answer ``value`` holds an :data:`UNUSABLE` character, or ``None``.

    Args:
        value: the raw answer.
        where: the blank it is in (``“姓名”里``), put before the message.
    """
    character = _first_unusable(value)
    if character is None:
        return None
    if character == REPLACEMENT:
        return f"{where}有不能识别的字符“{REPLACEMENT}”，请把它删掉再继续"
    return f"{where}有看不见的控制字符（U+{ord(character):04X}），请把这一项清空后重新输入"


def marked(text: str) -> str:
    """``text`` with invisible marks removed and each control character shown as U+FFFD, for a page to show back.

    A draft is kept as posted; this keeps U+0000 out of the database and shows the farmer where to delete.
    """
    text = without_invisible(text)
    return _CONTROL.sub(REPLACEMENT, text) if _CONTROL.search(text) else text


def scrubbed(text: str) -> str:
    """``text`` with control characters (tab, line feed and carriage return kept) and invisible marks removed."""
    return _CONTROL.sub("", without_invisible(text))


def scrubbed_form(form: Mapping[str, str], keep: frozenset[str] = frozenset()) -> dict[str, str]:
    """A posted form's fields :func:`scrubbed`, but those named in ``keep`` (passwords: hashed, never shown)."""
    return {name: value if name in keep else scrubbed(value) for name, value in form.items()}
