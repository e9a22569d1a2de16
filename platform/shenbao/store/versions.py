"""Queries for published versions of forms and chains: each version as published, which one is served, every
publication. ``kind`` says which (``"form"`` or ``"chain"``); ``item_id`` is the form's or the chain's id.

A version is stored once and never changed (``INSERT ... ON CONFLICT DO NOTHING``: of two admins publishing the
same next number, one stores it). Which version farmers get moves by ONE conditional statement
(:func:`move_current`: ``UPDATE ... WHERE version = <the version the admin saw>``), so a publication made on a
stale view is refused in any number of processes. The application keeps its own ``form_version``; so does a draft.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import msgspec

from shenbao.forms.personal import PersonalFields
from shenbao.store.database import Database, as_utc
from shenbao.store.sealing import seal_answers
from shenbao.store.staff import StaffRecord

__all__ = [
    "Impact",
    "Kind",
    "PublicationAction",
    "PublicationRecord",
    "VersionRecord",
    "carry_draft",
    "current_version",
    "current_versions",
    "definition_digest",
    "impact",
    "move_current",
    "next_version",
    "publications",
    "record_publication",
    "store_version",
    "take_carried",
    "version_record",
    "versions_of",
    "versions_since",
]

PublicationAction = Literal["publish", "rollback", "pack", "import"]
"""How a version became current: published in the builder, rolled back to, a pack file at start-up, or a pack
folder imported (``shenbao pack import``, ``/admin/packs``)."""
Kind = Literal["form", "chain"]

_FINISHED = ("approved", "refused")


class VersionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A published version: ``definition`` is the form (or chain) in the ``form_defs/`` format, exactly as published."""

    row: int
    kind: Kind
    item_id: str
    version: int
    title: str
    definition: dict[str, Any]
    digest: str
    source: str
    owner_region: str
    staff_id: int | None
    username: str
    reason: str
    at: datetime


class PublicationRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One publication: which version became the one farmers get, which it replaced, who, when and why."""

    id: int
    kind: Kind
    item_id: str
    version: int
    previous: int | None
    action: PublicationAction
    staff_id: int | None
    username: str
    reason: str
    at: datetime


class Impact(msgspec.Struct, frozen=True, kw_only=True):
    """Who is on each version of a form now: farmers' drafts and open cases, by version number."""

    drafts: dict[int, int]
    open_cases: dict[int, int]


def definition_digest(definition: dict[str, Any]) -> str:
    """The SHA-256 of a definition's canonical JSON (keys sorted): equal content, equal digest."""
    return hashlib.sha256(msgspec.json.encode(definition, order="sorted")).hexdigest()


_COLUMNS = (
    "id AS row, kind, item_id, version, title, definition, digest, source, owner_region, staff_id, username, "
    "reason, at"
)


def _version(row: dict[str, Any]) -> VersionRecord:
    definition = row["definition"]
    if isinstance(definition, str):  # SQLite, and PostgreSQL's raw rows, give JSON as text
        definition = json.loads(definition)
    return VersionRecord(**{**row, "definition": definition, "at": as_utc(row["at"])})


async def store_version(
    db: Database,
    *,
    kind: Kind = "form",
    item_id: str,
    version: int,
    definition: dict[str, Any],
    title: str,
    source: str,
    owner_region: str,
    staff: StaffRecord | None,
    reason: str,
    now: datetime,
) -> bool:
    """Store version ``version`` of ``item_id``; ``False`` when that number is already stored (by anyone).

    Joins the caller's transaction (the use case owns it).
    """
    db.check_bound()
    inserted = await db.fetch(
        "INSERT INTO published_version (kind, item_id, version, title, definition, digest, source, owner_region, "
        "staff_id, username, reason, at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
        "ON CONFLICT (kind, item_id, version) DO NOTHING RETURNING id",
        kind,
        item_id,
        version,
        title[:200],
        msgspec.json.encode(definition).decode(),
        definition_digest(definition),
        source[:100],
        owner_region,
        staff.id if staff else None,
        staff.username if staff else "",
        reason[:500],
        now,
    )
    return bool(inserted)


async def next_version(db: Database, item_id: str, *, kind: Kind = "form") -> int:
    """One more than the highest version of ``item_id`` ever stored (1 for one never published)."""
    rows = await db.fetch(
        "SELECT MAX(version) AS top FROM published_version WHERE kind = {} AND item_id = {}", kind, item_id
    )
    top = rows[0]["top"] if rows else None
    return int(top or 0) + 1


async def version_record(
    db: Database, item_id: str, version: int, *, kind: Kind = "form"
) -> VersionRecord | None:
    """Version ``version`` of ``item_id`` as published, or ``None``."""
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM published_version WHERE kind = {{}} AND item_id = {{}} AND version = {{}}",
        kind,
        item_id,
        version,
    )
    return _version(rows[0]) if rows else None


async def versions_of(db: Database, item_id: str, *, kind: Kind = "form") -> list[VersionRecord]:
    """Every published version of ``item_id``, newest first."""
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM published_version WHERE kind = {{}} AND item_id = {{}} ORDER BY version DESC",
        kind,
        item_id,
    )
    return [_version(row) for row in rows]


async def versions_since(db: Database, row: int) -> list[VersionRecord]:
    """Every version of any kind stored after row ``row`` (append-only: a process catches up from its last look)."""
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM published_version WHERE id > {{}} ORDER BY id", row)
    return [_version(each) for each in rows]


async def current_versions(db: Database, *, kind: Kind = "form") -> dict[str, int]:
    """The version served, by form (or chain) id."""
    rows = await db.fetch("SELECT item_id, version FROM published_current WHERE kind = {}", kind)
    return {str(row["item_id"]): int(row["version"]) for row in rows}


async def current_version(
    db: Database, item_id: str, *, kind: Kind = "form", for_update: bool = False
) -> int | None:
    """The version of ``item_id`` served, or ``None`` for one never published."""
    lock = " FOR UPDATE" if for_update and db.kind == "postgres" else ""
    rows = await db.fetch(
        f"SELECT version FROM published_current WHERE kind = {{}} AND item_id = {{}}{lock}", kind, item_id
    )
    return int(rows[0]["version"]) if rows else None


async def move_current(
    db: Database, item_id: str, *, kind: Kind = "form", expected: int | None, version: int, now: datetime
) -> bool:
    """Serve ``version`` from now on, if ``expected`` is still the current one (``None``: none yet).

    ONE statement either way, so of two publications made on the same view exactly one moves it.
    """
    if expected is None:
        rows = await db.fetch(
            "INSERT INTO published_current (kind, item_id, version, at) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (kind, item_id) DO NOTHING RETURNING version",
            kind,
            item_id,
            version,
            now,
        )
    else:
        rows = await db.fetch(
            "UPDATE published_current SET version = {}, at = {} "
            "WHERE kind = {} AND item_id = {} AND version = {} RETURNING version",
            version,
            now,
            kind,
            item_id,
            expected,
        )
    return bool(rows)


async def record_publication(
    db: Database,
    *,
    kind: Kind = "form",
    item_id: str,
    version: int,
    previous: int | None,
    action: PublicationAction,
    staff: StaffRecord | None,
    reason: str,
    now: datetime,
) -> None:
    """Append a publication (inside the caller's transaction)."""
    await db.fetch(
        "INSERT INTO publication (kind, item_id, version, previous, action, staff_id, username, reason, at) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id",
        kind,
        item_id,
        version,
        previous,
        action,
        staff.id if staff else None,
        staff.username if staff else "",
        reason[:500],
        now,
    )


async def publications(db: Database, item_id: str, *, kind: Kind = "form") -> list[PublicationRecord]:
    """Every publication of ``item_id``, newest first."""
    rows = await db.fetch(
        "SELECT id, kind, item_id, version, previous, action, staff_id, username, reason, at FROM publication "
        "WHERE kind = {} AND item_id = {} ORDER BY id DESC",
        kind,
        item_id,
    )
    return [msgspec.convert({**row, "at": as_utc(row["at"])}, PublicationRecord) for row in rows]


async def impact(db: Database, form_id: str) -> Impact:
    """How many farmers' drafts and open cases are on each version of ``form_id``."""
    drafts = await db.fetch(
        "SELECT form_version, COUNT(*) AS n FROM draft WHERE form_id = {} GROUP BY form_version", form_id
    )
    cases = await db.fetch(
        "SELECT form_version, COUNT(*) AS n FROM application WHERE form_id = {} AND status NOT IN ({}, {}) "
        "GROUP BY form_version",
        form_id,
        *_FINISHED,
    )
    return Impact(
        drafts={int(row["form_version"]): int(row["n"]) for row in drafts},
        open_cases={int(row["form_version"]): int(row["n"]) for row in cases},
    )


async def carry_draft(
    db: Database,
    *,
    token: str,
    form_id: str,
    from_version: int,
    to_version: int,
    answers: Mapping[str, Any],
    section: str,
    personal: PersonalFields,
    carried: dict[str, Any],
    now: datetime,
) -> bool:
    """Move a farmer's draft from ``from_version`` to ``to_version`` with the answers that version keeps, and what
    the farmer is to be told; ``False`` when the draft is no longer on ``from_version`` (another request moved it)."""
    db.check_bound()
    rows = await db.fetch(
        "UPDATE draft SET form_version = {}, answers = {}, section = {}, carried = {}, updated_at = {} "
        "WHERE token = {} AND form_id = {} AND form_version = {} RETURNING id",
        to_version,
        msgspec.json.encode(seal_answers(answers, personal, db.keys)).decode(),
        section,
        msgspec.json.encode(carried).decode(),
        now,
        token,
        form_id,
        from_version,
    )
    return bool(rows)


async def take_carried(db: Database, token: str, form_id: str) -> bool:
    """Clear what a draft's farmer was to be told of its move to a newer version; ``True`` for the one request that
    cleared it (so it is shown once, however many pages load at the same moment)."""
    db.check_bound()
    rows = await db.fetch(
        "UPDATE draft SET carried = NULL WHERE token = {} AND form_id = {} AND carried IS NOT NULL RETURNING id",
        token,
        form_id,
    )
    return bool(rows)
