"""The one vocabulary of roles: who a staff account is, and who acts at a chain's step.

A role names an administrative level of the division tree (:data:`~shenbao.regions.divisions.LEVELS`:
``province`` 2 digits, ``city`` 市州 4, ``county`` 6, ``township`` 9, ``village`` 12), optionally with an office
within that level after a colon: ``county`` or ``county:民政``. An office is 1–10 Chinese letters, ASCII letters
or digits (no colon, no spaces). A staff account has one role and a region code of its level's length; a chain
step names the role that acts there.

Matching rule: a step's role is matched **exactly**. A step ``county`` is acted on by county accounts without
an office; a step ``county:民政`` only by county accounts of office 民政 (never by a plain county account, nor
by ``county:乡村振兴``), and in every case only when the application lies in the account's region's subtree.
The chain editor's warning about a step whose role has no account tells an admin when nobody could act.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeAlias

from msgspec import Meta

from shenbao.regions.divisions import LEVELS, Level

__all__ = [
    "OFFICE_PATTERN",
    "ROLES",
    "ROLE_CODE_LENGTHS",
    "ROLE_NAMES",
    "ROLE_PATTERN",
    "Role",
    "RoleText",
    "code_length",
    "is_role",
    "level_above",
    "make_role",
    "office_problem",
    "region_at",
    "role_label",
    "role_level",
    "role_office",
]

Role: TypeAlias = str
"""A role string (``county`` or ``county:民政``); chain files decode it as :data:`RoleText`, which checks it."""

ROLES: tuple[Level, ...] = tuple(reversed(LEVELS))
"""The levels from the bottom up: village, township, county, city, province."""
ROLE_CODE_LENGTHS: dict[Level, int] = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
"""The length of the division code each level is bound to."""
ROLE_NAMES: dict[Level, str] = {
    "village": "村级",
    "township": "乡镇",
    "county": "县级",
    "city": "市州级",
    "province": "省级",
}
"""How every page, message and audit row names each level (``村级办理人员``, ``乡镇账号``): the notices' own
words (村级核查、乡镇复核、县级审批); 乡镇 rather than 乡级, as a township may be a town or a 街道."""

OFFICE_PATTERN = r"[\u4e00-\u9fffA-Za-z0-9]{1,10}"
"""An office within a level: 1–10 Chinese letters, ASCII letters or digits."""
ROLE_PATTERN = rf"^({'|'.join(LEVELS)})(:{OFFICE_PATTERN})?$"
"""A whole role string: a level, optionally ``:office``."""
RoleText = Annotated[str, Meta(pattern=ROLE_PATTERN)]
"""A role as decoded from a chain file: a bad role is a decode error naming its path."""

_ROLE = re.compile(ROLE_PATTERN)
_OFFICE = re.compile(rf"^{OFFICE_PATTERN}$")


def is_role(value: str) -> bool:
    """Whether ``value`` is a well-formed role (a level, optionally with an office)."""
    return _ROLE.match(value) is not None


def role_level(role: str) -> Level | None:
    """The level of ``role`` (``county`` for ``county:民政``); ``None`` when ``role`` is not a role."""
    if not is_role(role):
        return None
    level = role.partition(":")[0]
    return next(each for each in LEVELS if each == level)


def role_office(role: str) -> str:
    """The office of ``role`` (``民政`` for ``county:民政``); ``""`` when it has none."""
    return role.partition(":")[2]


def make_role(level: Level, office: str = "") -> Role:
    """The role of ``level`` and ``office`` (stripped; empty: the level alone).

    Raises:
        ValueError: the office is not 1–10 Chinese letters, ASCII letters or digits.
    """
    office = office.strip()
    if office and office_problem(office):
        raise ValueError(office_problem(office))
    return f"{level}:{office}" if office else level


def office_problem(office: str) -> str:
    """What is wrong with ``office`` as an office name, in Chinese; ``""`` when it is fine (or empty)."""
    office = office.strip()
    if not office or _OFFICE.match(office):
        return ""
    return "科室名称要用1到10个汉字、字母或数字，不能有冒号或空格，例如“民政”"


def code_length(role: str) -> int:
    """The length of the division code ``role``'s level is bound to (2, 4, 6, 9 or 12).

    Raises:
        KeyError: ``role`` is not a role.
    """
    level = role_level(role)
    if level is None:
        raise KeyError(role)
    return ROLE_CODE_LENGTHS[level]


def role_label(role: str | None) -> str:
    """How people read ``role``: ``市州级``, or with an office ``县级（民政）``; a non-role is shown as stored."""
    level = role_level(role or "")
    if level is None:
        return role or ""
    office = role_office(role or "")
    return f"{ROLE_NAMES[level]}（{office}）" if office else ROLE_NAMES[level]


def region_at(region: str, role: str) -> str:
    """The division code of ``role``'s level that contains ``region`` (its prefix)."""
    return region[: code_length(role)]


def level_above(level: Level) -> Level | None:
    """The level one above ``level`` (village → township → county → city → province); ``None`` above province."""
    position = ROLES.index(level)
    return ROLES[position + 1] if position + 1 < len(ROLES) else None
