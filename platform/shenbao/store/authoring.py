"""Queries for forms authored in the admin builder: the form, its append-only revisions, who has it open.

A change is saved with :func:`save_revision`: ONE conditional ``UPDATE ... WHERE revision = <the revision the
change was made on> RETURNING revision``, so of two admins saving on the same revision exactly one wins, in any
number of processes; the other gets ``None`` and is told what changed since (:func:`revisions_after`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.staff import StaffRecord
from shenbao.store.tables import AuthoredForm, FormEditor, FormRevision

__all__ = [
    "AuthoredFormRecord",
    "Editor",
    "RevisionAction",
    "RevisionRecord",
    "authored_form",
    "authored_form_by_form_id",
    "authored_form_ids",
    "authored_forms",
    "create_authored_form",
    "editors_since",
    "latest_revisions",
    "revision_definition",
    "revision_parent",
    "revisions_after",
    "save_revision",
    "see_editor",
    "undone_edit",
]

RevisionAction = Literal["create", "edit", "undo", "redo", "import"]


class AuthoredFormRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An authored form as stored: its definition (a ``form_defs/`` JSON object) at revision ``revision``."""

    id: int
    form_id: str
    title: str
    state: str
    definition: dict[str, Any]
    revision: int
    owner_region: str
    source: str
    created_by: int
    created_at: datetime
    updated_by: int
    updated_at: datetime


class RevisionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One change of an authored form (without its definition): see :class:`~shenbao.store.tables.FormRevision`."""

    number: int
    action: RevisionAction
    state_of: int
    parent: int | None
    summary: str
    staff_id: int
    username: str
    at: datetime


class Editor(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who has the form open in the builder."""

    staff_id: int
    display_name: str
    seen_at: datetime


_FORM_COLUMNS = tuple(AuthoredForm._meta.columns)
_REVISION_COLUMNS = (
    FormRevision.number,
    FormRevision.action,
    FormRevision.state_of,
    FormRevision.parent,
    FormRevision.summary,
    FormRevision.staff_id,
    FormRevision.username,
    FormRevision.at,
)


def _form(row: dict[str, Any]) -> AuthoredFormRecord:
    definition = row["definition"]
    if isinstance(definition, str):  # PostgreSQL's raw rows give JSON as text
        definition = json.loads(definition)
    return AuthoredFormRecord(
        **{
            **row,
            "definition": definition,
            "created_at": as_utc(row["created_at"]),
            "updated_at": as_utc(row["updated_at"]),
        }
    )


def _revision(row: dict[str, Any]) -> RevisionRecord:
    return msgspec.convert({**row, "at": as_utc(row["at"])}, RevisionRecord)


async def create_authored_form(
    db: Database,
    *,
    form_id: str,
    title: str,
    definition: dict[str, Any],
    owner_region: str,
    source: str,
    staff: StaffRecord,
    summary: str,
    action: RevisionAction,
    now: datetime,
) -> AuthoredFormRecord | None:
    """Store a new authored form at revision 1, with that revision; ``None`` when ``form_id`` is taken.

    Joins the caller's transaction (the use case owns it).
    """
    db.check_bound()
    inserted = await db.fetch(
        "INSERT INTO authored_form (form_id, title, state, definition, revision, owner_region, source, "
        "created_by, created_at, updated_by, updated_at) "
        "VALUES ({}, {}, 'draft', {}, 1, {}, {}, {}, {}, {}, {}) "
        "ON CONFLICT (form_id) DO NOTHING RETURNING id",
        form_id,
        title[:200],
        msgspec.json.encode(definition).decode(),
        owner_region,
        source[:100],
        staff.id,
        now,
        staff.id,
        now,
    )
    if not inserted:
        return None
    form_pk = int(inserted[0]["id"])
    await _insert_revision(
        form_pk, 1, action=action, state_of=1, parent=None, summary=summary, definition=definition,
        staff=staff, now=now,
    )  # fmt: skip
    return await authored_form(db, form_pk)


async def _insert_revision(
    form_pk: int,
    number: int,
    *,
    action: RevisionAction,
    state_of: int,
    parent: int | None,
    summary: str,
    definition: dict[str, Any],
    staff: StaffRecord,
    now: datetime,
) -> None:
    await FormRevision.insert(
        FormRevision(
            form=form_pk,
            number=number,
            action=action,
            state_of=state_of,
            parent=parent,
            summary=summary[:200],
            definition=definition,
            staff_id=staff.id,
            username=staff.username,
            at=now,
        )
    )


async def authored_form(db: Database, form_pk: int, *, for_update: bool = False) -> AuthoredFormRecord | None:
    """The authored form with database id ``form_pk``, or ``None``.

    ``for_update`` locks the row until the caller's transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
    ``BEGIN IMMEDIATE`` transaction already holds the write lock), for a read-then-write.
    """
    db.check_bound()
    query = AuthoredForm.select(*_FORM_COLUMNS).where(AuthoredForm.id == form_pk).output(load_json=True)
    if for_update and db.kind == "postgres":
        query = query.lock_rows()
    rows = await query
    return _form(rows[0]) if rows else None


async def authored_form_by_form_id(db: Database, form_id: str) -> AuthoredFormRecord | None:
    """The authored form whose definition's id is ``form_id``, or ``None``."""
    db.check_bound()
    row = (
        await AuthoredForm.select(*_FORM_COLUMNS)
        .where(AuthoredForm.form_id == form_id)
        .output(load_json=True)
        .first()
    )
    return _form(row) if row else None


async def authored_forms(db: Database, *, within: str | None = None) -> list[AuthoredFormRecord]:
    """The authored forms owned by ``within`` or a region below it (all of them for ``None``), newest first."""
    db.check_bound()
    query = AuthoredForm.select(*_FORM_COLUMNS).order_by(AuthoredForm.updated_at, ascending=False)
    if within is not None:
        query = query.where(AuthoredForm.owner_region.like(f"{within}%"))
    return [_form(row) for row in await query.output(load_json=True)]


async def authored_form_ids(db: Database) -> set[str]:
    """The form ids of every authored form, of any region (which published forms are not a pack's own)."""
    db.check_bound()
    return {str(row["form_id"]) for row in await AuthoredForm.select(AuthoredForm.form_id)}


async def save_revision(
    db: Database,
    form_pk: int,
    *,
    expected: int,
    definition: dict[str, Any],
    title: str,
    action: RevisionAction,
    state_of: int | None,
    parent: int | None,
    summary: str,
    staff: StaffRecord,
    now: datetime,
) -> int | None:
    """Make ``definition`` the form's content as a new revision, if the form is still at ``expected``.

    Args:
        db: the open database (joins the caller's transaction).
        form_pk: the authored form's database id.
        expected: the revision the change was made on.
        definition: the whole definition after the change.
        title: its title (Chinese), kept for lists.
        action: what the change was.
        state_of: the revision whose content this is (``None`` for an edit: its own number).
        parent: for an edit, the ``state_of`` of the revision it was made on.
        summary: what changed, in Chinese, for the history.
        staff: who made it.
        now: when (UTC).

    Returns:
        The new revision's number, or ``None`` when the form is no longer at ``expected`` (or is gone).
    """
    db.check_bound()
    rows = await db.fetch(
        "UPDATE authored_form SET definition = {}, title = {}, revision = revision + 1, updated_by = {}, "
        "updated_at = {} WHERE id = {} AND revision = {} RETURNING revision",
        msgspec.json.encode(definition).decode(),
        title[:200],
        staff.id,
        now,
        form_pk,
        expected,
    )
    if not rows:
        return None
    number = int(rows[0]["revision"])
    await _insert_revision(
        form_pk, number, action=action, state_of=number if state_of is None else state_of, parent=parent,
        summary=summary, definition=definition, staff=staff, now=now,
    )  # fmt: skip
    return number


async def revisions_after(db: Database, form_pk: int, after: int, *, limit: int = 50) -> list[RevisionRecord]:
    """The form's revisions numbered above ``after``, oldest first (at most ``limit``)."""
    db.check_bound()
    rows = (
        await FormRevision.select(*_REVISION_COLUMNS)
        .where((FormRevision.form == form_pk) & (FormRevision.number > after))
        .order_by(FormRevision.number)
        .limit(limit)
    )
    return [_revision(row) for row in rows]


async def latest_revisions(db: Database, form_pk: int, *, limit: int = 50) -> list[RevisionRecord]:
    """The form's newest revisions, newest first."""
    db.check_bound()
    rows = (
        await FormRevision.select(*_REVISION_COLUMNS)
        .where(FormRevision.form == form_pk)
        .order_by(FormRevision.number, ascending=False)
        .limit(limit)
    )
    return [_revision(row) for row in rows]


async def revision_definition(db: Database, form_pk: int, number: int) -> dict[str, Any] | None:
    """The definition as revision ``number`` left it, or ``None``."""
    db.check_bound()
    row = (
        await FormRevision.select(FormRevision.definition)
        .where((FormRevision.form == form_pk) & (FormRevision.number == number))
        .output(load_json=True)
        .first()
    )
    return dict(row["definition"]) if row else None


async def undone_edit(db: Database, form_pk: int, *, state_of: int, before: int) -> int | None:
    """The newest edit made on the content ``state_of`` before revision ``before``: what a redo restores."""
    db.check_bound()
    row = (
        await FormRevision.select(FormRevision.number)
        .where(
            (FormRevision.form == form_pk)
            & (FormRevision.action == "edit")
            & (FormRevision.parent == state_of)
            & (FormRevision.number < before)
        )
        .order_by(FormRevision.number, ascending=False)
        .first()
    )
    return int(row["number"]) if row else None


async def revision_parent(db: Database, form_pk: int, number: int) -> int | None:
    """The content an edit was made on (what undoing it restores); ``None`` for the first revision."""
    db.check_bound()
    row = (
        await FormRevision.select(FormRevision.parent)
        .where((FormRevision.form == form_pk) & (FormRevision.number == number))
        .first()
    )
    return int(row["parent"]) if row and row["parent"] is not None else None


async def see_editor(db: Database, form_pk: int, staff: StaffRecord, now: datetime) -> None:
    """Note that ``staff`` has the form open now (one upsert)."""
    db.check_bound()
    await db.fetch(
        "INSERT INTO form_editor (form, staff_id, display_name, seen_at) VALUES ({}, {}, {}, {}) "
        "ON CONFLICT (form, staff_id) DO UPDATE SET seen_at = excluded.seen_at, "
        "display_name = excluded.display_name RETURNING id",
        form_pk,
        staff.id,
        (staff.display_name or staff.username)[:100],
        now,
    )


async def editors_since(db: Database, form_pk: int, since: datetime) -> list[Editor]:
    """Who has had the form open since ``since``, most recent first."""
    db.check_bound()
    rows = (
        await FormEditor.select(FormEditor.staff_id, FormEditor.display_name, FormEditor.seen_at)
        .where((FormEditor.form == form_pk) & (FormEditor.seen_at >= since))
        .order_by(FormEditor.seen_at, ascending=False)
    )
    return [
        Editor(staff_id=row["staff_id"], display_name=row["display_name"], seen_at=as_utc(row["seen_at"]))
        for row in rows
    ]
