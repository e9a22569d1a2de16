"""A check's message with the values it compared put in (``"第13题选了{said}人"`` → ``"第13题选了5人"``).

Messages are Python format strings with named placeholders only: ``{said}`` is replaced, ``{{`` and ``}}``
stand for a literal brace. The standard library's :class:`string.Formatter` reads them, both for the linter
(which placeholders a message uses) and for filling them in.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

__all__ = ["fill", "placeholders", "shown"]

_FORMATTER = string.Formatter()


def placeholders(message: str) -> list[str]:
    """The placeholder names ``message`` uses, in order (a name used twice is listed twice).

    Raises:
        ValueError: a brace is not closed or not doubled (``"{said"``, ``"}"``).
    """
    return [field for _, field, _, _ in _FORMATTER.parse(message) if field is not None]


def shown(value: Any) -> str:
    """How a value computed by a check's expression reads in its message.

    Whole numbers as digits, ``2.5`` as ``2.5``, yes/no as 是/否, a list joined with 、, nothing as nothing.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, list | tuple):
        return "、".join(shown(item) for item in value)
    return str(value)


def fill(message: str, values: Mapping[str, Any]) -> str:
    """``message`` with each placeholder replaced by :func:`shown` of its value.

    A placeholder without a value (the linter reports it) is left blank rather than failing the evaluation.
    """
    texts = {name: shown(value) for name, value in values.items()}
    try:
        return _FORMATTER.vformat(message, (), _Blank(texts))
    except (ValueError, IndexError, AttributeError, KeyError):
        return message  # a malformed message (the linter reports it) reads as written


class _Blank(dict[str, str]):
    """The values by name; a missing one reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""
