"""Authoring forms in the admin builder: start or copy a form, apply an edit, undo and redo.

Each is one function owning its transaction, which saves the new revision and its audit row together. An edit
names the revision it was made on: when another admin saved first, nothing is overwritten and the caller gets
:class:`Stale` with the changes made since, to show the admin before they try again.

Undo and redo are revisions too (append-only history, the same for every admin): undoing the edit that made the
current content restores the content that edit was made on; redo restores the edit most recently undone, as long
as nothing new was edited since.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from shenbao.forms.editing import Edit, EditError, apply_edit, describe_edit
from shenbao.forms.model import FormDef, text_of
from shenbao.store import Database
from shenbao.store import authoring as stored
from shenbao.store.audit import record_audit
from shenbao.store.authoring import AuthoredFormRecord, Editor, RevisionRecord
from shenbao.store.staff import StaffRecord

__all__ = [
    "EDITING_WINDOW",
    "Refused",
    "Saved",
    "Stale",
    "apply_to_form",
    "definition_of",
    "may_author",
    "may_edit",
    "note_editor",
    "redo",
    "start_form",
    "undo",
]

EDITING_WINDOW = timedelta(minutes=2)
"""An admin seen in the builder within this long is "also editing" (each page and each edit refreshes it)."""


class Saved(msgspec.Struct, frozen=True, kw_only=True):
    """The change was saved: the form as it now is."""

    form: AuthoredFormRecord


class Stale(msgspec.Struct, frozen=True, kw_only=True):
    """The change was made on an older revision and was not saved: the form as it now is, and what changed."""

    form: AuthoredFormRecord
    since: list[RevisionRecord]


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """The change cannot be made (nothing to undo, a question already deleted); ``message`` says why, in Chinese."""

    message: str


def may_author(staff: StaffRecord) -> bool:
    """Whether ``staff`` may author forms: province accounts."""
    return staff.role == "province" and staff.active


def may_edit(staff: StaffRecord, form: AuthoredFormRecord) -> bool:
    """Whether ``staff`` may open and change ``form``: an author whose region contains the form's owner."""
    return may_author(staff) and form.owner_region.startswith(staff.region_code)


def definition_of(form: AuthoredFormRecord) -> FormDef:
    """The stored definition, decoded."""
    return msgspec.convert(form.definition, FormDef)


async def start_form(
    db: Database,
    staff: StaffRecord,
    definition: FormDef,
    *,
    source: str,
    summary: str,
    address: str = "",
) -> AuthoredFormRecord | None:
    """Store ``definition`` as a new authored form of ``staff``'s region; ``None`` when its id is taken.

    ``source`` says where it began (``pack:<form id>`` for a copy, ``import``, or empty for a new form).
    """
    now = datetime.now(UTC)
    async with db.transaction():
        form = await stored.create_authored_form(
            db,
            form_id=definition.id,
            title=text_of(definition.title),
            definition=msgspec.to_builtins(definition),
            owner_region=staff.region_code,
            source=source,
            staff=staff,
            summary=summary,
            action="import" if source == "import" else "create",
            now=now,
        )
        if form is not None:
            await record_audit(
                db,
                action="form.create",
                staff=staff,
                target=form.form_id,
                detail=summary,
                address=address,
                at=now,
            )
    return form


async def apply_to_form(
    db: Database,
    staff: StaffRecord,
    form: AuthoredFormRecord,
    edits: Edit | Sequence[Edit],
    *,
    expected: int,
    address: str = "",
) -> Saved | Stale | Refused:
    """Apply ``edits`` (one, or several made together in the property panel) to ``form`` as one new revision.

    ``expected`` is the revision the admin made them on. Edits that change nothing save nothing.
    """
    edits = [edits] if not isinstance(edits, Sequence) else list(edits)
    try:
        before = after = definition_of(form)
        for edit in edits:
            after = apply_edit(after, edit, region_root=form.owner_region[:2])
    except EditError as refused:
        return Refused(message=str(refused))
    if form.revision != expected:
        return await _stale(db, form.id, expected)
    if after == before:
        return Saved(form=form)
    return await _save(
        db, staff, form.id, after, expected=expected, action="edit", summary=describe_edit(before, edits[0]),
        state_of=None, parent=await _content_of(db, form), address=address,
    )  # fmt: skip


async def undo(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str = ""
) -> Saved | Stale | Refused:
    """Restore the content the current content's edit was made on."""
    if form.revision != expected:
        return await _stale(db, form.id, expected)
    content = await _content_of(db, form)
    parent = await stored.revision_parent(db, form.id, content)
    if parent is None:
        return Refused(message="没有可以撤销的修改了")
    definition = await stored.revision_definition(db, form.id, parent)
    assert definition is not None  # revisions are never deleted while their form exists
    return await _save(
        db, staff, form.id, msgspec.convert(definition, FormDef), expected=expected, action="undo",
        summary=f"撤销：{await _summary_of(db, form.id, content)}", state_of=parent, parent=None, address=address,
    )  # fmt: skip


async def redo(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str = ""
) -> Saved | Stale | Refused:
    """Restore the edit most recently undone, unless something was edited since."""
    if form.revision != expected:
        return await _stale(db, form.id, expected)
    latest = (await stored.latest_revisions(db, form.id, limit=1))[0]
    target = None
    if latest.action in ("undo", "redo"):
        target = await stored.undone_edit(db, form.id, state_of=latest.state_of, before=latest.number)
    if target is None:
        return Refused(message="没有可以重做的修改")
    definition = await stored.revision_definition(db, form.id, target)
    assert definition is not None
    return await _save(
        db, staff, form.id, msgspec.convert(definition, FormDef), expected=expected, action="redo",
        summary=f"重做：{await _summary_of(db, form.id, target)}", state_of=target, parent=None, address=address,
    )  # fmt: skip


async def can_undo_redo(db: Database, form: AuthoredFormRecord) -> tuple[bool, bool]:
    """Whether undo and redo have something to do now (for the builder's buttons)."""
    latest = (await stored.latest_revisions(db, form.id, limit=1))[0]
    can_undo = await stored.revision_parent(db, form.id, latest.state_of) is not None
    can_redo = latest.action in ("undo", "redo") and (
        await stored.undone_edit(db, form.id, state_of=latest.state_of, before=latest.number) is not None
    )
    return can_undo, can_redo


async def note_editor(db: Database, staff: StaffRecord, form: AuthoredFormRecord) -> list[Editor]:
    """Note that ``staff`` has ``form`` open, and return the others who had it open within the last minutes."""
    now = datetime.now(UTC)
    async with db.transaction():
        await stored.see_editor(db, form.id, staff, now)
    return [
        each
        for each in await stored.editors_since(db, form.id, now - EDITING_WINDOW)
        if each.staff_id != staff.id
    ]


async def _content_of(db: Database, form: AuthoredFormRecord) -> int:
    """The revision whose content the form has at its revision (an undo's content is an older revision's)."""
    found = await stored.revisions_after(db, form.id, form.revision - 1, limit=1)
    return found[0].state_of if found else form.revision


async def _summary_of(db: Database, form_pk: int, number: int) -> str:
    found = await stored.revisions_after(db, form_pk, number - 1, limit=1)
    return found[0].summary if found else ""


async def _stale(db: Database, form_pk: int, expected: int) -> Stale | Refused:
    current = await stored.authored_form(db, form_pk)
    if current is None:
        return Refused(message="这张表单已不存在")
    return Stale(form=current, since=await stored.revisions_after(db, form_pk, expected))


async def _save(
    db: Database,
    staff: StaffRecord,
    form_pk: int,
    definition: FormDef,
    *,
    expected: int,
    action: Any,
    summary: str,
    state_of: int | None,
    parent: int | None,
    address: str,
) -> Saved | Stale | Refused:
    now = datetime.now(UTC)
    async with db.transaction():
        number = await stored.save_revision(
            db, form_pk, expected=expected, definition=msgspec.to_builtins(definition),
            title=text_of(definition.title), action=action, state_of=state_of, parent=parent, summary=summary,
            staff=staff, now=now,
        )  # fmt: skip
        if number is not None:
            await record_audit(
                db, action=f"form.{action}", staff=staff, target=definition.id,
                detail=f"第{number}版：{summary}", address=address, at=now,
            )  # fmt: skip
            await stored.see_editor(db, form_pk, staff, now)
    if number is None:
        return await _stale(db, form_pk, expected)
    form = await stored.authored_form(db, form_pk)
    assert form is not None
    return Saved(form=form)
