"""A region answer: what the cascading picker shows, how its posted selects become a code, how a code is checked.

The stored value of a region answer is the code with its whole path and names, so a record keeps reading right
even after a village is renamed or merged::

    {"code": "610102001",
     "path": [{"code": "61", "name": "陕西省"}, {"code": "6101", "name": "西安市"},
              {"code": "610102", "name": "新城区"}, {"code": "610102001", "name": "西一路街道"}],
     "label": "陕西省西安市新城区西一路街道"}

Names always come from the loaded division data, never from what a browser or API client sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shenbao.regions.divisions import LEVEL_LABELS, Division, Divisions, Level, level_of, levels_below

__all__ = [
    "PickerLevel",
    "PickerView",
    "clean_region",
    "code_of",
    "picker_view",
    "region_value",
    "walk_choices",
]

Cleaned = tuple[Any, list[str]]


@dataclass(frozen=True, slots=True)
class PickerLevel:
    """One drop-down of the picker: its level, label, options and the chosen code."""

    level: Level
    label: str
    options: list[Division]
    selected: str
    waiting_for: str
    """The label of the level above, for the placeholder of a drop-down that has no options yet."""


@dataclass(frozen=True, slots=True)
class PickerView:
    """Everything the picker macro draws; ``name`` prefixes the select names (``q6.city``, ``q6.county``…)."""

    name: str
    root: str
    depth: Level
    levels: list[PickerLevel]
    hint: str
    """What to pick next, when the farmer has started but not finished; empty otherwise."""
    problem: str = ""
    """Why the picker cannot be used (a root missing from the data), for the page to show."""


def code_of(raw: Any) -> str:
    """The code in a raw region answer: a code string, or a dict with a ``code`` (a stored value)."""
    if isinstance(raw, dict):
        raw = raw.get("code")
    return raw.strip() if isinstance(raw, str) else ""


def walk_choices(divisions: Divisions, root: str, depth: Level, chosen: Mapping[Level, str]) -> str:
    """The deepest code the posted drop-downs agree on, from ``root`` down; ``""`` when nothing is picked.

    A drop-down whose code is not a child of the one above ends the walk: after the farmer changes the city,
    the county still posted from the old city is dropped instead of producing a mixed-up path.
    """
    code = root
    for level in levels_below(root, depth):
        choice = chosen.get(level, "").strip()
        if not divisions.is_child(choice, code):
            break
        code = choice
    return "" if code == root else code


def region_value(divisions: Divisions, code: str) -> dict[str, Any]:
    """The stored form of a known ``code``: the code, its path from the province and the full name."""
    path = divisions.path(code)
    return {
        "code": code,
        "path": [{"code": division.code, "name": division.name} for division in path],
        "label": "".join(division.name for division in path),
    }


def clean_region(divisions: Divisions, raw: Any, root: str, depth: Level) -> Cleaned:
    """Check a raw region answer for a picker under ``root`` down to ``depth``; return its stored form.

    A code above ``depth`` is an unfinished pick: unanswered, with no complaint (the picker shows what comes
    next). A code that does not exist, lies outside ``root`` or goes deeper than ``depth`` is refused.
    """
    if raw is None or raw == "" or raw == {}:
        return None, []
    code = code_of(raw)
    if not code or code not in divisions:
        return None, ["所选的地区不存在，请重新选择"]
    if root and root not in divisions:
        return None, [f"地区数据里没有代码{root}，请联系管理员导入这个省的行政区划"]
    if not divisions.is_within(code, root):
        top = divisions.get(root)
        return None, [f"请选择{top.name if top else '本省'}以内的地区"]
    level = level_of(code)
    assert level is not None  # known codes are well-formed
    levels = levels_below(root, depth)
    if level not in levels:
        return None, [f"地址只需选到{LEVEL_LABELS[depth]}，请重新选择"]
    if level != depth:
        return None, []
    return region_value(divisions, code), []


def picker_view(divisions: Divisions, *, name: str, root: str, depth: Level, code: str = "") -> PickerView:
    """The drop-downs for ``code`` (possibly unfinished or empty): each level lists the children of the one above.

    Only the chosen path's levels carry options, so a page never holds more than a few dozen of them: the
    villages of one township, not a province's 17,000 and more.
    """
    names = levels_below(root, depth)
    if root and root not in divisions:
        problem = f"地区数据里没有代码{root}，请联系管理员导入这个省的行政区划"
        return PickerView(name=name, root=root, depth=depth, levels=[], hint="", problem=problem)
    chosen = {division.level: division.code for division in divisions.path(code)} if code in divisions else {}
    if code and not divisions.is_within(code, root):
        chosen = {}
    levels: list[PickerLevel] = []
    parent: str | None = root
    above = LEVEL_LABELS[level_of(root) or "province"] if root else ""
    for level in names:
        options = divisions.children(parent) if parent is not None else []
        selected = chosen.get(level, "")
        levels.append(PickerLevel(level, LEVEL_LABELS[level], options, selected, above))
        parent = selected or None
        above = LEVEL_LABELS[level]
    hint = ""
    unfinished = [level for level in levels if not level.selected]
    if unfinished and len(unfinished) < len(levels):
        hint = f"请接着选择{unfinished[0].label}"
    return PickerView(name=name, root=root, depth=depth, levels=levels, hint=hint)
