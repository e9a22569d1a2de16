"""Queries for the chain editor: its drafts (one per chain, saved by ONE conditional statement per edit), and
what it shows beside them (roles with accounts, open cases on each chain version)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.staff import StaffRecord

__all__ = [
    "ChainDraftRecord",
    "chain_draft",
    "chain_drafts",
    "open_cases_by_chain_version",
    "roles_with_accounts",
    "save_chain_draft",
    "start_chain_draft",
]


class ChainDraftRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A chain being edited: its definition at ``revision``, started from published version ``base_version``."""

    chain_id: str
    definition: dict[str, Any]
    revision: int
    base_version: int
    username: str
    summary: str
    updated_at: datetime


_COLUMNS = "chain_id, definition, revision, base_version, username, summary, updated_at"


def _draft(row: dict[str, Any]) -> ChainDraftRecord:
    definition = row["definition"]
    if isinstance(definition, str):
        definition = json.loads(definition)
    return ChainDraftRecord(**{**row, "definition": definition, "updated_at": as_utc(row["updated_at"])})


async def chain_draft(db: Database, chain_id: str) -> ChainDraftRecord | None:
    """The draft of ``chain_id``, or ``None``."""
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM chain_draft WHERE chain_id = {{}}", chain_id)
    return _draft(rows[0]) if rows else None


async def chain_drafts(db: Database) -> dict[str, ChainDraftRecord]:
    """Every chain draft, by chain id."""
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM chain_draft")
    return {str(row["chain_id"]): _draft(row) for row in rows}


async def start_chain_draft(
    db: Database,
    chain_id: str,
    definition: dict[str, Any],
    *,
    base_version: int,
    staff: StaffRecord,
    now: datetime,
) -> None:
    """Start the draft of ``chain_id`` from a published version, unless it has one already."""
    await db.fetch(
        "INSERT INTO chain_draft (chain_id, definition, revision, base_version, updated_by, username, summary, "
        "updated_at) VALUES ({}, {}, 1, {}, {}, {}, {}, {}) ON CONFLICT (chain_id) DO NOTHING RETURNING id",
        chain_id,
        msgspec.json.encode(definition).decode(),
        base_version,
        staff.id,
        staff.username,
        f"从第{base_version}版开始修改",
        now,
    )


async def save_chain_draft(
    db: Database,
    chain_id: str,
    definition: dict[str, Any],
    *,
    expected: int,
    staff: StaffRecord,
    summary: str,
    now: datetime,
    base_version: int | None = None,
) -> int | None:
    """Save a new definition if the draft is still at revision ``expected``; the new revision, or ``None`` when
    another save came first. ``base_version`` restarts the draft from a newly published version."""
    rows = await db.fetch(
        "UPDATE chain_draft SET definition = {}, revision = revision + 1, updated_by = {}, username = {}, "
        "summary = {}, updated_at = {}, base_version = COALESCE({}, base_version) "
        "WHERE chain_id = {} AND revision = {} RETURNING revision",
        msgspec.json.encode(definition).decode(),
        staff.id,
        staff.username,
        summary[:200],
        now,
        base_version,
        chain_id,
        expected,
    )
    return int(rows[0]["revision"]) if rows else None


async def roles_with_accounts(db: Database, within: str) -> set[str]:
    """The roles that have at least one active staff account in region ``within`` or below."""
    rows = await db.fetch(
        "SELECT DISTINCT role FROM staff WHERE active = {} AND region_code LIKE {}", True, f"{within}%"
    )
    return {str(row["role"]) for row in rows}


async def open_cases_by_chain_version(db: Database, form_ids: list[str]) -> dict[int | None, int]:
    """How many open cases of these forms are on each chain version (``None``: started before versions)."""
    if not form_ids:
        return {}
    marks = ", ".join("{}" for _ in form_ids)
    rows = await db.fetch(
        f"SELECT chain_version, COUNT(*) AS n FROM application WHERE form_id IN ({marks}) "
        "AND status NOT IN ({}, {}) GROUP BY chain_version",
        *form_ids,
        "approved",
        "refused",
    )
    return {row["chain_version"]: int(row["n"]) for row in rows}
