"""Queries for staff accounts, their sessions, failed sign-ins, and one application of a staff region.

Every query a staff page makes about applications takes the staff member's region code: the inbox
(:mod:`shenbao.store.inbox`) and :func:`application_in_region` here. A staff member cannot be shown what lies
outside their subtree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from shenbao.roles import ROLE_CODE_LENGTHS, Role, code_length, is_role
from shenbao.store.database import Database, as_utc
from shenbao.store.records import ApplicationRecord
from shenbao.store.sealing import application_record
from shenbao.store.tables import Staff, StaffSession

__all__ = [
    "ROLE_CODE_LENGTHS",
    "Role",
    "SignedIn",
    "StaffApplication",
    "StaffRecord",
    "add_staff",
    "application_in_region",
    "create_session",
    "end_session",
    "login_limit_key",
    "region_bounds",
    "session_staff",
    "staff_by_username",
    "staff_phones",
]


class StaffApplication(msgspec.Struct, frozen=True, kw_only=True):
    """One application as a staff page shows it: the stored record and its workflow state (JSON, or None)."""

    record: ApplicationRecord
    workflow_state: dict[str, Any] | None


class StaffRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A staff account (without its password hash).

    Attributes:
        id: the database id.
        username: what the staff member signs in with (lower case).
        display_name: the person's name, e.g. ``张三``.
        phone: where their SMS go.
        role: a level (``village``, ``township``, ``county``, ``city``, ``province``), optionally with an
            office within it (``county:民政``): see :mod:`shenbao.roles`.
        region_code: the division they serve; they see its whole subtree and nothing else.
        active: whether they may sign in.
        created_at: when the account was made (UTC).
        form_admin: 表单管理权限, granted by the province admin to a county account: it authors its county's
            forms (province accounts author forms whether or not it is set).
    """

    id: int
    username: str
    display_name: str
    phone: str
    role: Role
    region_code: str
    active: bool
    created_at: datetime
    form_admin: bool


class SignedIn(msgspec.Struct, frozen=True, kw_only=True):
    """A live session and its staff member.

    Attributes:
        staff: the staff member.
        csrf_token: the token every staff form of this session must send back.
        expires_at: when the session ends (UTC).
    """

    staff: StaffRecord
    csrf_token: str
    expires_at: datetime


_STAFF_COLUMNS = (
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


async def add_staff(
    db: Database,
    *,
    username: str,
    role: Role,
    region_code: str,
    password_hash: str,
    display_name: str = "",
    phone: str = "",
) -> StaffRecord:
    """Store a new staff account.

    Args:
        db: the open database.
        username: unique, as the staff member will type it (stored lower case).
        role: the role (``county`` or ``county:民政``); ``region_code`` must have its level's length.
        region_code: the division served.
        password_hash: the argon2 hash of the password (never the password itself).
        display_name: the person's name.
        phone: their mobile number.

    Returns:
        The account as stored.

    Raises:
        ValueError: the role is unknown or the region code is not of the role's level.
    """
    db.check_bound()
    if not is_role(role):
        raise ValueError(
            f"unknown role {role!r}: use one of {', '.join(ROLE_CODE_LENGTHS)}, optionally with an office (county:民政)"
        )
    if len(region_code) != code_length(role) or not region_code.isdigit():
        raise ValueError(f"a {role} account needs a {code_length(role)}-digit region code")
    if not password_hash.startswith("$argon2"):
        raise ValueError("password_hash must be an argon2 hash, never the password")
    fields: dict[str, Any] = {
        "username": username.lower(),
        "display_name": display_name,
        "phone": phone,
        "role": role,
        "region_code": region_code,
        "active": True,
        "created_at": _now(),
        "form_admin": False,
    }
    rows = await Staff.insert(Staff(password_hash=password_hash, **fields)).returning(Staff.id)
    return msgspec.convert({**fields, "id": int(rows[0]["id"])}, StaffRecord)


async def staff_by_username(db: Database, username: str) -> tuple[StaffRecord, str] | None:
    """Find an account and its password hash by username (case-insensitive).

    Args:
        db: the open database.
        username: as typed.

    Returns:
        The account and its argon2 hash, or ``None`` when there is no such account.
    """
    db.check_bound()
    row = (
        await Staff.select(*_STAFF_COLUMNS, Staff.password_hash)
        .where(Staff.username == username.strip().lower())
        .first()
    )
    if row is None:
        return None
    password_hash = str(row.pop("password_hash"))
    return _staff(row), password_hash


async def create_session(
    db: Database,
    *,
    staff_id: int,
    token_digest: str,
    csrf_token: str,
    client: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new session (by the digest of its token), and drop the sessions that have expired.

    Args:
        db: the open database.
        staff_id: who signed in.
        token_digest: SHA-256 hex of the cookie's token.
        csrf_token: the session's CSRF token.
        client: the address that signed in.
        now: the current time (UTC).
        expires_at: when the session ends.
    """
    db.check_bound()
    async with db.transaction():
        await StaffSession.delete().where(StaffSession.expires_at <= now)
        await StaffSession.insert(
            StaffSession(
                token_digest=token_digest,
                staff_id=staff_id,
                created_at=now,
                expires_at=expires_at,
                csrf_token=csrf_token,
                client=client[:64],
            )
        )


async def session_staff(db: Database, token_digest: str, now: datetime) -> SignedIn | None:
    """The live session with this token digest, and its staff member.

    Args:
        db: the open database.
        token_digest: SHA-256 hex of the cookie's token.
        now: the current time (UTC).

    Returns:
        The session, or ``None`` when there is none, it has expired, or the account was deactivated.
    """
    db.check_bound()
    session = (
        await StaffSession.select(StaffSession.staff_id, StaffSession.csrf_token, StaffSession.expires_at)
        .where((StaffSession.token_digest == token_digest) & (StaffSession.expires_at > now))
        .first()
    )
    if session is None:
        return None
    row = await Staff.select(*_STAFF_COLUMNS).where(Staff.id == session["staff_id"]).first()
    if row is None or not row["active"]:
        return None
    return SignedIn(
        staff=_staff(row), csrf_token=str(session["csrf_token"]), expires_at=as_utc(session["expires_at"])
    )


async def end_session(db: Database, token_digest: str) -> bool:
    """Delete a session (sign out).

    Args:
        db: the open database.
        token_digest: SHA-256 hex of the cookie's token.

    Returns:
        Whether there was such a session.
    """
    db.check_bound()
    rows = (
        await StaffSession.delete()
        .where(StaffSession.token_digest == token_digest)
        .returning(StaffSession.id)
    )
    return bool(rows)


def login_limit_key(username: str) -> str:
    """The key that counts sign-in tries for ``username`` (:mod:`shenbao.store.limits`), as typed or stored."""
    return "login:" + username.strip().lower()[:64]


def region_bounds(region_code: str) -> tuple[str, str | None]:
    """The half-open range of codes in the subtree of ``region_code``: ``low <= code < high``.

    A range rather than ``LIKE 'prefix%'``, so PostgreSQL uses the plain b-tree index whatever the database's
    collation. ``high`` is the decimal successor of the prefix (``"6209"`` → ``"621"``); ``None`` when there is
    none (all nines).

    Args:
        region_code: a division code (digits).

    Returns:
        ``(low, high)``.
    """
    digits = region_code.rstrip("9")
    if not digits:
        return region_code, None
    return region_code, digits[:-1] + str(int(digits[-1]) + 1)


async def application_in_region(
    db: Database, application_id: int, region_code: str, *, for_update: bool = False
) -> StaffApplication | None:
    """One application, only when it lies in the subtree of ``region_code`` (else ``None``, as if absent).

    Args:
        db: the open database.
        application_id: the application.
        region_code: the staff member's region.
        for_update: lock the row until the caller's transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
            ``BEGIN IMMEDIATE`` transaction already holds the write lock), for a read-then-write.

    Raises:
        ValueError: ``region_code`` is not a string of digits.
    """
    db.check_bound()
    if not region_code or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"{region_code!r} is not a region code")
    low, high = region_bounds(region_code)
    sql = "SELECT * FROM application WHERE id = {} AND region_code >= {}"
    args: list[Any] = [application_id, low]
    if high is not None:
        sql += " AND region_code < {}"
        args.append(high)
    if for_update and db.kind == "postgres":
        sql += " FOR UPDATE"
    rows = await db.fetch(sql, *args)
    if not rows:
        return None
    row = dict(rows[0])
    for key in ("flags", "answers", "workflow_state"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    state = row.pop("workflow_state", None)
    row["created_at"] = as_utc(_moment(row["created_at"]))
    row["updated_at"] = as_utc(_moment(row["updated_at"]))
    return StaffApplication(record=application_record(row, db.keys), workflow_state=state)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _staff(row: dict[str, Any]) -> StaffRecord:
    fields = {
        **row,
        "active": bool(row["active"]),
        "form_admin": bool(row["form_admin"]),
        "created_at": as_utc(row["created_at"]),
    }
    return msgspec.convert(fields, StaffRecord)


def _now() -> datetime:
    return datetime.now(UTC)


async def staff_phones(db: Database, role: Role, region_code: str) -> list[str]:
    """The phones of the active staff with ``role`` serving exactly ``region_code`` (those without one left out).

    Args:
        db: the open database.
        role: the staff role, matched exactly, e.g. ``village`` or ``county:民政``.
        region_code: the division they serve, e.g. the applicant's village.

    Returns:
        The distinct phone numbers, in account order.
    """
    db.check_bound()
    rows = (
        await Staff.select(Staff.phone)
        .where((Staff.role == role) & (Staff.region_code == region_code) & (Staff.active == True))  # noqa: E712
        .order_by(Staff.id)
    )
    return list(dict.fromkeys(row["phone"] for row in rows if row["phone"]))
