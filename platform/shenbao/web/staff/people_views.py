"""What the staff-account pages draw: the new-account form from a post, its region picker, rows of the list.

Kept apart from the controller (``web/staff/people.py``) so it stays thin: these functions read posted fields
and build template context; they neither touch the database nor decide who may do what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shenbao.privacy.masking import mask_phone
from shenbao.regions import LEVELS, Divisions, Level, PickerView, picker_view, walk_choices
from shenbao.roles import ROLE_CODE_LENGTHS, Role, role_label, role_level
from shenbao.staff.rules import FORM_ADMIN_ROLES, AccountForm, managed_levels
from shenbao.store.staff import StaffRecord

__all__ = [
    "REGION_FIELD",
    "account_form",
    "account_view",
    "form_role",
    "picker_for",
    "place_below",
    "region_label",
    "role_options",
]

REGION_FIELD = "region"
"""The picker's name: its drop-downs post ``region.city``, ``region.county``…; a typed code posts ``region_code``."""


def form_role(manager_role: Role, posted: str) -> Level:
    """The level a form is drawn for: the one posted (or that of a whole role posted, ``county:民政``) when
    the manager manages it, else the lowest managed."""
    managed = managed_levels(manager_role)
    return next((level for level in managed if level == role_level(posted)), managed[-1])


def account_form(form: Mapping[str, str], manager: StaffRecord, divisions: Divisions) -> AccountForm:
    """The new account as posted; its region is the typed code when there is one, else the drop-downs' pick."""
    role = form.get("role", "")
    chosen = {level: form.get(f"{REGION_FIELD}.{level}", "") for level in LEVELS}
    typed_code = form.get("region_code", "").strip()
    return AccountForm(
        username=form.get("username", ""),
        display_name=form.get("display_name", ""),
        phone=form.get("phone", ""),
        role=role,
        office=form.get("office", ""),
        # Walked to the deepest level, not the role's: a village still posted after the role was changed to
        # township (no JavaScript to redraw the drop-downs) is refused at the field, not silently dropped.
        region_code=typed_code or walk_choices(divisions, manager.region_code, "village", chosen),
        password=form.get("password", ""),
        password_again=form.get("password_again", ""),
    )


def picker_for(manager: StaffRecord, role: str, code: str, divisions: Divisions) -> PickerView:
    """The drop-downs under the manager's region, down to the level of ``role``, set to ``code`` if it fits."""
    depth = form_role(manager.role, role)
    code = code[: ROLE_CODE_LENGTHS[depth]]
    return picker_view(divisions, name=REGION_FIELD, root=manager.region_code, depth=depth, code=code)


def role_options(manager: StaffRecord) -> list[tuple[Level, str]]:
    """The levels the manager may give, lowest first, with how a page names them (an office is typed apart)."""
    return [(level, f"{role_label(level)}账号") for level in reversed(managed_levels(manager.role))]


def region_label(code: str, divisions: Divisions) -> str:
    """The full name of a known code (``陕西省西安市新城区``), else ``""``."""
    if code not in divisions:
        return ""
    return "".join(division.name for division in divisions.path(code))


def place_below(code: str, manager_region: str, divisions: Divisions) -> str:
    """Where an account serves, named below the manager's own region (the code when the data lacks it)."""
    if code not in divisions:
        return code
    below = [division.name for division in divisions.path(code) if len(division.code) > len(manager_region)]
    return " ".join(below) or region_label(code, divisions)


def account_view(account: StaffRecord, manager_region: str, divisions: Divisions) -> dict[str, Any]:
    """One account as the list and the account page show it."""
    return {
        "id": account.id,
        "username": account.username,
        "name": account.display_name or account.username,
        "role": f"{role_label(account.role)}账号",
        "place": place_below(account.region_code, manager_region, divisions),
        "region": region_label(account.region_code, divisions) or account.region_code,
        "region_code": account.region_code,
        "phone": account.phone,
        "phone_masked": mask_phone(account.phone) if account.phone else "未填",
        "active": account.active,
        "form_admin": account.form_admin and role_level(account.role) in FORM_ADMIN_ROLES,
        "county": role_level(account.role) in FORM_ADMIN_ROLES,
        "created": account.created_at,
    }
