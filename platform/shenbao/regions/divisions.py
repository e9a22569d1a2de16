"""The administrative divisions in memory: names by code, children by parent, paths from the province down.

Codes follow the national statistical division codes (统计用区划代码): 2 digits for a province, 4 for a
city or prefecture (市州), 6 for a county or district (区县), 9 for a township or sub-district (乡镇、街道) and
12 for a village or residents' committee (村、居委会). A code's parent is its prefix one level up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "LEVELS",
    "LEVEL_LABELS",
    "Division",
    "DivisionDataError",
    "Divisions",
    "Level",
    "level_of",
    "levels_below",
    "parent_of",
]

Level: TypeAlias = Literal["province", "city", "county", "township", "village"]

LEVELS: tuple[Level, ...] = ("province", "city", "county", "township", "village")
LEVEL_LABELS: dict[Level, str] = {
    "province": "省",
    "city": "市州",
    "county": "区县",
    "township": "乡镇（街道）",
    "village": "村（居）",
}
_LENGTHS: dict[int, Level] = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}
_PARENT_LENGTH = {4: 2, 6: 4, 9: 6, 12: 9}


class DivisionDataError(ValueError):
    """A division file has a malformed code, or a division whose parent is missing."""


def level_of(code: str) -> Level | None:
    """The level a well-formed code belongs to, or ``None`` when it is not a division code at all."""
    return _LENGTHS.get(len(code)) if code.isascii() and code.isdigit() else None


def parent_of(code: str) -> str:
    """The parent's code; ``""`` (the whole country) for a province."""
    return code[: _PARENT_LENGTH[len(code)]] if len(code) in _PARENT_LENGTH else ""


def levels_below(root: str, depth: Level) -> list[Level]:
    """The levels a picker shows under ``root`` (``""`` is the country) down to ``depth``, inclusive."""
    start = 0 if root == "" else LEVELS.index(level_of(root) or "province") + 1
    return list(LEVELS[start : LEVELS.index(depth) + 1])


@dataclass(frozen=True, slots=True)
class Division:
    """One division: its code and official name."""

    code: str
    name: str

    @property
    def level(self) -> Level:
        level = level_of(self.code)
        assert level is not None  # Divisions only ever holds well-formed codes
        return level


class Divisions:
    """Every loaded division, indexed for the picker: O(1) name, children and parent look-ups.

    Args:
        rows: ``(code, name)`` pairs in any order; parents must be among them (a province's parent is
            the country, ``""``).

    Raises:
        DivisionDataError: a code is malformed, repeated with another name, or its parent is missing.
    """

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._names: dict[str, str] = {}
        for code, name in rows:
            if level_of(code) is None:
                raise DivisionDataError(f"{code!r} is not a division code: use 2, 4, 6, 9 or 12 digits")
            if self._names.get(code, name) != name:
                raise DivisionDataError(f"code {code} is named both {self._names[code]!r} and {name!r}")
            self._names[code] = name
        children: dict[str, list[str]] = {}
        for code in sorted(self._names):
            parent = parent_of(code)
            if parent and parent not in self._names:
                raise DivisionDataError(f"{code} ({self._names[code]}) has no parent {parent} in the data")
            children.setdefault(parent, []).append(code)
        self._children = {parent: tuple(codes) for parent, codes in children.items()}

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __iter__(self) -> Iterator[Division]:
        return (Division(code, name) for code, name in sorted(self._names.items()))

    def get(self, code: str) -> Division | None:
        """The division with ``code``, or ``None``."""
        name = self._names.get(code)
        return Division(code, name) if name is not None else None

    def children(self, code: str = "") -> list[Division]:
        """The divisions directly under ``code`` in code order; ``""`` lists the provinces."""
        return [Division(child, self._names[child]) for child in self._children.get(code, ())]

    def is_child(self, code: str, parent: str) -> bool:
        """Whether ``code`` is a known division directly under ``parent``."""
        return code in self._names and parent_of(code) == parent

    def path(self, code: str) -> list[Division]:
        """The divisions from the province down to ``code``, inclusive.

        Raises:
            KeyError: ``code`` is not in the data.
        """
        if code not in self._names:
            raise KeyError(code)
        codes = [code]
        while parent_of(codes[-1]):
            codes.append(parent_of(codes[-1]))
        return [Division(each, self._names[each]) for each in reversed(codes)]

    def is_within(self, code: str, root: str) -> bool:
        """Whether ``code`` lies strictly below ``root`` (``""`` holds every province)."""
        return code in self._names and code != root and code.startswith(root)

    def default_root(self) -> str:
        """Where a picker with no root of its own starts: inside the only province loaded, else the country."""
        provinces = self._children.get("", ())
        return provinces[0] if len(provinces) == 1 else ""
