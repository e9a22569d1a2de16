"""The audit log: who did what, when, to what, from which address; append-only.

Every staff decision, sign-in, failed sign-in and sign-out, and every view of unmasked personal data writes one
row with :func:`record_audit`. Called inside ``async with db.transaction():`` it joins that transaction, so a
decision and its row commit together or not at all. The province admin reads the log through
:func:`audit_page`: newest first, filtered, a page at a time (keyset paging on ``id``, so a page costs the
same on the millionth row as on the first).

The database refuses to change or delete a row (schema step 6: triggers on both engines). A role that owns
the table can still drop those triggers, so a production PostgreSQL runs the application under a role that
holds only ``INSERT`` and ``SELECT`` on ``audit_log`` (and ``USAGE`` on its sequence)::

    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM shenbao_app;
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.staff import StaffRecord
from shenbao.store.tables import AuditLog

__all__ = ["AuditEntry", "AuditFilter", "AuditPage", "audit_page", "record_audit"]

_ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
_FAMILY = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*\.\*$")
_MAX_PAGE = 200


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the audit log.

    Attributes:
        id: increasing with time; the page's keyset.
        at: when (UTC).
        staff_id: the staff member who acted; ``None`` for the system or a failed sign-in.
        username: their username (for a failed sign-in: the username typed); ``None`` for the system.
        role: their role then; ``None`` for the system or a failed sign-in.
        region: the region code they served then.
        action: the code, e.g. ``decision.pass_up``, ``view.unmasked``, ``login.failed``.
        target: what it was done to (an application's receipt number, an account's username), or ``""``.
        detail: free text: a decision's reason, which fields were unmasked, why a sign-in failed.
        address: the client's address.
    """

    id: int
    at: datetime
    staff_id: int | None
    username: str | None
    role: str | None
    region: str | None
    action: str
    target: str
    detail: str
    address: str


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which rows a page shows; every field left ``None`` shows all.

    Attributes:
        username: exactly this username (any case).
        action: exactly this code, or a family written ``decision.*`` (every ``decision.`` code).
        target: exactly this target (e.g. a receipt number).
        since: at or after this moment (aware).
        until: before this moment (aware).
    """

    username: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the log, newest first.

    Attributes:
        entries: the rows.
        older: pass as ``before`` for the next (older) page; ``None`` on the last page.
        newer: pass as ``after`` for the previous (newer) page; ``None`` on the first page.
    """

    entries: list[AuditEntry]
    older: int | None
    newer: int | None


async def record_audit(
    db: Database,
    *,
    action: str,
    staff: StaffRecord | None = None,
    username: str | None = None,
    target: str = "",
    detail: str = "",
    address: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Append one row; joins the caller's transaction when there is one.

    Args:
        db: the open database.
        action: a short code of lower-case words joined by dots (``login``, ``decision.refuse``).
        staff: who acted; ``None`` for the system (the command line) or an unauthenticated request.
        username: without ``staff``, the username to keep (a failed sign-in's, as typed).
        target: what the action was done to, e.g. an application's receipt number.
        detail: free text kept as given.
        address: the client's address.
        at: when (default: now), aware.

    Returns:
        The row as stored.

    Raises:
        ValueError: the action code is not of the expected shape, ``staff`` and ``username`` are both given,
            or ``at`` has no time zone.
    """
    db.check_bound()
    if not _ACTION.fullmatch(action) or len(action) > 64:
        raise ValueError(
            f"audit action {action!r}: use lower-case words joined by dots, e.g. decision.refuse"
        )
    if staff is not None and username is not None:
        raise ValueError("give either the staff member who acted or the username typed, not both")
    moment = datetime.now(UTC) if at is None else at
    if moment.tzinfo is None:
        raise ValueError("the audit time must carry its time zone (UTC)")
    fields: dict[str, Any] = {
        "at": moment.astimezone(UTC),
        "staff_id": staff.id if staff else None,
        "username": staff.username if staff else (username.strip().lower()[:64] if username else None),
        "role": staff.role if staff else None,
        "region": staff.region_code if staff else None,
        "action": action,
        "target": target[:100],
        "detail": detail,
        "address": address[:64],
    }
    rows = await AuditLog.insert(AuditLog(**fields)).returning(AuditLog.id)
    return msgspec.convert({**fields, "id": int(rows[0]["id"])}, AuditEntry)


async def audit_page(
    db: Database,
    where: AuditFilter | None = None,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """One page of the log, newest first.

    Args:
        db: the open database.
        where: the filter (default: every row).
        before: only rows older than this id (the next page's ``older``).
        after: only rows newer than this id (the previous page's ``newer``); ignored with ``before``.
        limit: rows per page, 1 to 200.

    Returns:
        The page, with the keys of the pages beside it.

    Raises:
        ValueError: the filter's action is neither a code nor a family (``decision.*``), or a moment lacks
            its time zone.
    """
    db.check_bound()
    limit = max(1, min(limit, _MAX_PAGE))
    condition = _condition(where or AuditFilter())
    if before is not None:
        rows = await _rows(_and(condition, AuditLog.id < before), newest_first=True, limit=limit + 1)
        older = rows[limit - 1].id if len(rows) > limit else None
        entries = rows[:limit]
        newer = entries[0].id if entries and await _exists(_and(condition, AuditLog.id >= before)) else None
    elif after is not None:
        rows = await _rows(_and(condition, AuditLog.id > after), newest_first=False, limit=limit + 1)
        entries = list(reversed(rows[:limit]))
        newer = entries[0].id if len(rows) > limit else None
        older = entries[-1].id if entries and await _exists(_and(condition, AuditLog.id <= after)) else None
    else:
        rows = await _rows(condition, newest_first=True, limit=limit + 1)
        entries, newer = rows[:limit], None
        older = entries[-1].id if len(rows) > limit else None
    return AuditPage(entries=entries, older=older, newer=newer)


def _condition(where: AuditFilter) -> Any:
    """The WHERE clause of a filter (``None`` for no condition)."""
    parts: list[Any] = []
    if where.username:
        parts.append(AuditLog.username == where.username.strip().lower())
    if where.action:
        if _FAMILY.fullmatch(where.action):
            prefix = where.action[:-1]  # "decision." ; "/" is the character after "." in ASCII
            parts.append((AuditLog.action >= prefix) & (AuditLog.action < prefix[:-1] + "/"))
        elif _ACTION.fullmatch(where.action):
            parts.append(AuditLog.action == where.action)
        else:
            raise ValueError(f"audit action filter {where.action!r}: a code (login) or a family (decision.*)")
    if where.target:
        parts.append(AuditLog.target == where.target)
    if where.since is not None:
        parts.append(AuditLog.at >= _utc(where.since))
    if where.until is not None:
        parts.append(AuditLog.at < _utc(where.until))
    condition: Any = None
    for part in parts:
        condition = _and(condition, part)
    return condition


def _and(left: Any, right: Any) -> Any:
    return right if left is None else left & right


async def _rows(condition: Any, *, newest_first: bool, limit: int) -> list[AuditEntry]:
    query = AuditLog.select(*AuditLog._meta.columns)
    if condition is not None:
        query = query.where(condition)
    rows = await query.order_by(AuditLog.id, ascending=not newest_first).limit(limit)
    return [msgspec.convert({**row, "at": as_utc(row["at"])}, AuditEntry) for row in rows]


async def _exists(condition: Any) -> bool:
    return bool(await AuditLog.exists().where(condition))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("an audit filter's moments must carry their time zone")
    return moment.astimezone(UTC)
