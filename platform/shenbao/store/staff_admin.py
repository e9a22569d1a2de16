"""Queries for managing staff accounts: always within a manager's scope (a region subtree and the roles below).

Every query here takes a :class:`StaffScope`, and every change is an ``UPDATE ... WHERE`` that carries the
scope itself, so an account outside it is neither read nor changed whatever the caller checked before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.columns.combination import WhereRaw

from shenbao.regions.divisions import Level
from shenbao.store.database import Database
from shenbao.store.limits import clear_tries
from shenbao.store.staff import StaffRecord, login_limit_key, region_bounds
from shenbao.store.tables import Staff, StaffSession

__all__ = [
    "StaffQuery",
    "StaffScope",
    "count_managed_staff",
    "end_staff_sessions",
    "is_unique_violation",
    "managed_account",
    "managed_staff",
    "set_staff_active",
    "set_staff_form_admin",
    "set_staff_password_hash",
    "set_staff_phone",
]


class StaffScope(msgspec.Struct, frozen=True, kw_only=True):
    """The accounts a manager may see and change.

    Attributes:
        region_code: the manager's region: accounts in its subtree.
        roles: the levels managed (none: nothing is in scope); an account of a level is in scope whatever its
            office (``county`` takes in ``county:民政``).
    """

    region_code: str
    roles: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.region_code.isascii() or not self.region_code.isdigit():
            raise ValueError(f"{self.region_code!r} is not a region code")


class StaffQuery(msgspec.Struct, frozen=True, kw_only=True):
    """What the list of accounts is narrowed to, inside the scope.

    Attributes:
        roles: only these levels, whatever the office (empty: every level of the scope).
        within: only the subtrees of these codes (empty: the whole scope).
        text: part of the name or username (case-insensitive).
        active: only active (``True``) or deactivated (``False``) accounts; ``None`` for both.
    """

    roles: tuple[Level, ...] = ()
    within: tuple[str, ...] = ()
    text: str = ""
    active: bool | None = None


_COLUMNS = (
    Staff.id,
    Staff.username,
    Staff.display_name,
    Staff.phone,
    Staff.role,
    Staff.region_code,
    Staff.active,
    Staff.created_at,
    Staff.form_admin,
)


def _subtree(code: str) -> Any:
    low, high = region_bounds(code)
    condition: Any = Staff.region_code >= low
    return condition if high is None else condition & (Staff.region_code < high)


def _in_scope(scope: StaffScope) -> Any | None:
    """The scope as a condition, or ``None`` when nothing is in it."""
    if not scope.roles:
        return None
    return _subtree(scope.region_code) & _of_levels(scope.roles)


def _of_levels(levels: Iterable[Level]) -> Any:
    """The accounts of these levels: the level alone, or with an office after its colon."""
    condition: Any = None
    for level in levels:
        each = (Staff.role == level) | Staff.role.like(f"{level}:%")
        condition = each if condition is None else condition | each
    return condition


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _narrowed(scope: StaffScope, query: StaffQuery) -> Any | None:
    condition = _in_scope(scope)
    if condition is None:
        return None
    if query.roles:
        roles = [role for role in query.roles if role in scope.roles]
        if not roles:
            return None
        condition = condition & _of_levels(roles)
    if query.within:
        places = [code for code in query.within if code.isascii() and code.isdigit()]
        if not places:
            return None
        either = _subtree(places[0])
        for code in places[1:]:
            either = either | _subtree(code)
        condition = condition & either
    if query.text.strip():
        pattern = _like(query.text.strip())
        condition = condition & WhereRaw(
            "(LOWER(display_name) LIKE {} ESCAPE '\\' OR username LIKE {} ESCAPE '\\')", pattern, pattern
        )
    if query.active is not None:
        condition = condition & (Staff.active == query.active)
    return condition


async def managed_staff(
    db: Database, scope: StaffScope, query: StaffQuery | None = None, *, limit: int = 30, offset: int = 0
) -> list[StaffRecord]:
    """The accounts in scope, narrowed by ``query``, ordered by region then username.

    Args:
        db: the open database.
        scope: the manager's scope.
        query: what to narrow to (default: everything in scope).
        limit: at most this many.
        offset: skip this many (for the next page).
    """
    db.check_bound()
    condition = _narrowed(scope, query or StaffQuery())
    if condition is None:
        return []
    rows = (
        await Staff.select(*_COLUMNS)
        .where(condition)
        .order_by(Staff.region_code, Staff.username)
        .limit(limit)
        .offset(offset)
    )
    return [_record(row) for row in rows]


async def count_managed_staff(db: Database, scope: StaffScope, query: StaffQuery | None = None) -> int:
    """How many accounts :func:`managed_staff` would list without paging."""
    db.check_bound()
    condition = _narrowed(scope, query or StaffQuery())
    return 0 if condition is None else int(await Staff.count().where(condition))


async def managed_account(db: Database, scope: StaffScope, staff_id: int) -> StaffRecord | None:
    """One account, only when it is in scope (else ``None``, as if absent)."""
    db.check_bound()
    condition = _in_scope(scope)
    if condition is None:
        return None
    row = await Staff.select(*_COLUMNS).where(condition & (Staff.id == staff_id)).first()
    return None if row is None else _record(row)


async def _update(scope: StaffScope, staff_id: int, values: dict[Any, Any]) -> StaffRecord | None:
    condition = _in_scope(scope)
    if condition is None:
        return None
    rows = await Staff.update(values).where(condition & (Staff.id == staff_id)).returning(*_COLUMNS)
    return _record(rows[0]) if rows else None


async def end_staff_sessions(db: Database, staff_id: int) -> int:
    """Sign an account out everywhere: delete its sessions. Returns how many there were."""
    db.check_bound()
    rows = await StaffSession.delete().where(StaffSession.staff_id == staff_id).returning(StaffSession.id)
    return len(rows)


async def set_staff_active(
    db: Database, scope: StaffScope, staff_id: int, active: bool
) -> StaffRecord | None:
    """Deactivate an account (its sessions end in the same transaction) or reactivate it.

    Returns:
        The account as changed, or ``None`` when it is not in scope (nothing changed).
    """
    db.check_bound()
    async with db.transaction():
        changed = await _update(scope, staff_id, {Staff.active: active})
        if changed is not None and not active:
            await end_staff_sessions(db, staff_id)
    return changed


async def set_staff_password_hash(
    db: Database, scope: StaffScope, staff_id: int, password_hash: str
) -> StaffRecord | None:
    """Replace an account's password: its sessions end and its failed sign-ins are forgotten, in one transaction.

    Args:
        db: the open database.
        scope: the manager's scope.
        staff_id: the account.
        password_hash: the argon2 hash of the new password (never the password).

    Returns:
        The account, or ``None`` when it is not in scope (nothing changed).

    Raises:
        ValueError: ``password_hash`` is not an argon2 hash.
    """
    db.check_bound()
    if not password_hash.startswith("$argon2"):
        raise ValueError("password_hash must be an argon2 hash, never the password")
    async with db.transaction():
        changed = await _update(scope, staff_id, {Staff.password_hash: password_hash})
        if changed is not None:
            await end_staff_sessions(db, staff_id)
            await clear_tries(db, login_limit_key(changed.username))  # a new password unlocks the account
    return changed


async def set_staff_phone(db: Database, scope: StaffScope, staff_id: int, phone: str) -> StaffRecord | None:
    """Change an account's phone (where its SMS go). ``None`` when it is not in scope (nothing changed)."""
    db.check_bound()
    return await _update(scope, staff_id, {Staff.phone: phone})


async def set_staff_form_admin(
    db: Database, scope: StaffScope, staff_id: int, granted: bool
) -> StaffRecord | None:
    """Grant (``granted``) or withdraw an account's 表单管理权限, when it is in ``scope`` and not already so.

    The caller narrows ``scope`` to the roles that may hold the grant (county accounts); the condition is part of
    the ``UPDATE`` itself, so an account outside it is never changed whatever was checked before.

    Returns:
        The account as changed, or ``None`` when nothing changed (not in scope, or already granted or withdrawn).
    """
    db.check_bound()
    condition = _in_scope(scope)
    if condition is None:
        return None
    rows = (
        await Staff.update({Staff.form_admin: granted})
        .where(condition & (Staff.id == staff_id) & (Staff.form_admin != granted))
        .returning(*_COLUMNS)
    )
    return _record(rows[0]) if rows else None


def is_unique_violation(error: Exception) -> bool:
    """Whether ``error`` is the database refusing a duplicate (SQLite's or PostgreSQL's unique violation)."""
    if isinstance(error, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(error)
    return getattr(error, "sqlstate", None) == "23505"  # asyncpg's UniqueViolationError, without importing it


def _record(row: dict[str, Any]) -> StaffRecord:
    created = row["created_at"]
    if not isinstance(created, datetime):
        created = datetime.fromisoformat(str(created))
    if created.tzinfo is None:  # SQLite hands timestamps back without their zone; they were written in UTC
        created = created.replace(tzinfo=UTC)
    fields = {
        **row,
        "active": bool(row["active"]),
        "form_admin": bool(row["form_admin"]),
        "created_at": created,
    }
    return msgspec.convert(fields, StaffRecord)
