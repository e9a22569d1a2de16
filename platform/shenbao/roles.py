"""The one vocabulary of roles: who a staff account is, and who acts at a chain's step.

A role is the administrative level its holder works at. A staff account has one role and a region code of
that role's length; a chain step names the role that acts there, and the engine lets a staff member act
when the roles match and the application lies in their region's subtree.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["ROLES", "ROLE_CODE_LENGTHS", "ROLE_NAMES", "Role", "region_at", "role_label"]

Role: TypeAlias = Literal["village", "township", "county", "province"]
ROLES: tuple[Role, ...] = ("village", "township", "county", "province")
ROLE_CODE_LENGTHS: dict[Role, int] = {"village": 12, "township": 9, "county": 6, "province": 2}
"""The length of the division code each role is bound to."""
ROLE_NAMES: dict[Role, str] = {"village": "村级", "township": "乡镇", "county": "县级", "province": "省级"}
"""How every page, message and audit row names each role's level (``村级办理人员``, ``乡镇账号``): the notices'
own words (村级核查、乡镇复核、县级审批); 乡镇 rather than 乡级, as a township may be a town or a 街道."""

# the same table, looked up by any stored string
_BY_ANY_NAME = {str(role): name for role, name in ROLE_NAMES.items()}


def role_label(role: str | None) -> str:
    """The name of ``role``'s level; a role this table does not know is shown as it is stored."""
    return _BY_ANY_NAME.get(role or "", role or "")


def region_at(region: str, role: Role) -> str:
    """The division code of ``role``'s level that contains ``region`` (its prefix)."""
    return region[: ROLE_CODE_LENGTHS[role]]
