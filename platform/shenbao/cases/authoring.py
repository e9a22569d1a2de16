"""Authoring forms in the admin builder: start or copy a form, apply an edit, undo and redo.

Each is one function owning its transaction, which saves the new revision and its audit row together. An edit
names the revision it was made on: when another admin saved first, nothing is overwritten and the caller gets
:class:`Stale` with the changes made since, to show the admin before they try again.

Undo and redo are revisions too (append-only history, the same for every admin): undoing the edit that made the
current content restores the content that edit was made on; redo restores the edit most recently undone, as long
as nothing new was edited since.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from shenbao.forms.editing import Edit, EditError, apply_edit, describe_edit
from shenbao.forms.model import FormDef, text_of
from shenbao.roles import role_level
from shenbao.staff.rules import FORM_ADMIN_ROLES
from shenbao.store import Database
from shenbao.store import authoring as stored
from shenbao.store.audit import record_audit
from shenbao.store.authoring import AuthoredFormRecord, Editor, RevisionAction, RevisionRecord
from shenbao.store.staff import StaffRecord

__all__ = [
    "EDITING_WINDOW",
    "Refused",
    "Saved",
    "Stale",
    "apply_to_form",
    "content_key",
    "decoded_definition",
    "definition_of",
    "may_author",
    "may_edit",
    "note_editor",
    "other_editors",
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
    """Whether ``staff`` may author forms: active province accounts, and active county accounts the province
    admin granted 表单管理权限 (``form_admin``); the flag means nothing on any other role."""
    if not staff.active:
        return False
    level = role_level(staff.role)
    return level == "province" or (level in FORM_ADMIN_ROLES and staff.form_admin)


def may_edit(staff: StaffRecord, form: AuthoredFormRecord) -> bool:
    """Whether ``staff`` may open and change ``form``: an author whose region contains the form's owner (a county
    author its own county's forms; the province admin every form of the province, its counties' included)."""
    return may_author(staff) and form.owner_region.startswith(staff.region_code)


def definition_of(form: AuthoredFormRecord) -> FormDef:
    """The stored definition, decoded (once per content: decoding a 47-question form takes a millisecond or two, and
    a builder request would do it several times)."""
    return decoded_definition(form.definition)


_DECODED: OrderedDict[bytes, FormDef] = OrderedDict()
_DECODED_SIZE = 32


def content_key(stored: Mapping[str, Any]) -> bytes:
    """A digest of a stored definition: what memos of pure computations on it are keyed by."""
    return hashlib.blake2b(msgspec.json.encode(stored), digest_size=16).digest()


def decoded_definition(stored: Mapping[str, Any], known: FormDef | None = None) -> FormDef:
    """``stored`` as a :class:`FormDef`, from a memo keyed by its content (``known``: its decoded form, to keep)."""
    key = content_key(stored)
    found = _DECODED.get(key)
    if found is None:
        found = _DECODED[key] = known if known is not None else msgspec.convert(stored, FormDef)
        while len(_DECODED) > _DECODED_SIZE:
            _DECODED.popitem(last=False)
    else:
        _DECODED.move_to_end(key)
    return found


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

    ``expected`` is the revision the admin made them on. When revisions were saved since, by this admin only (a
    field saved as they clicked a button, a second tab), the edits apply to the newest: they name what they change
    by id, and nobody else's work is in between. A revision by anyone else in between refuses them (:class:`Stale`).
    Edits that change nothing save nothing.
    """
    edits = [edits] if not isinstance(edits, Sequence) else list(edits)
    async with db.transaction():
        result = await _apply_held(db, staff, form, edits, expected=expected, address=address)
    return result


async def _apply_held(
    db: Database,
    staff: StaffRecord,
    form: AuthoredFormRecord,
    edits: list[Edit],
    *,
    expected: int,
    address: str,
) -> Saved | Stale | Refused:
    base = await _base(db, staff, form.id, expected)
    if isinstance(base, Stale | Refused):
        return base
    try:
        before = after = definition_of(base)
        for edit in edits:
            after = apply_edit(after, edit, region_root=base.owner_region)  # a county's form: its county
    except EditError as refused:
        return Refused(message=str(refused))
    if after == before:
        return Saved(form=base)
    return await _save(
        db, staff, base, after, action="edit", summary=describe_edit(before, edits[0]), state_of=None,
        parent=await _content_of(db, base), address=address,
    )  # fmt: skip


async def _base(
    db: Database, staff: StaffRecord, form_pk: int, expected: int
) -> AuthoredFormRecord | Stale | Refused:
    """The form to apply an admin's change to, locked for the caller's transaction: as it is now, if every
    revision after ``expected`` is theirs."""
    current = await stored.authored_form(db, form_pk, for_update=True)
    if current is None:
        return Refused(message="这张表单已不存在")
    if current.revision == expected:
        return current
    since = await stored.revisions_after(db, form_pk, expected)
    if expected < 1 or any(each.staff_id != staff.id for each in since):
        return Stale(form=current, since=since)
    return current


async def undo(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str = ""
) -> Saved | Stale | Refused:
    """Restore the content the current content's edit was made on."""
    async with db.transaction():
        result = await _undo_held(db, staff, form, expected=expected, address=address)
    return result


async def _undo_held(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str
) -> Saved | Stale | Refused:
    base = await _base(db, staff, form.id, expected)
    if isinstance(base, Stale | Refused):
        return base
    content = await _content_of(db, base)
    parent = await stored.revision_parent(db, base.id, content)
    if parent is None:
        return Refused(message="没有可以撤销的修改了")
    return await _restore(
        db,
        staff,
        base,
        parent,
        action="undo",
        summary=f"撤销：{await _summary_of(db, base.id, content)}",
        address=address,
    )


async def redo(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str = ""
) -> Saved | Stale | Refused:
    """Restore the edit most recently undone, unless something was edited since."""
    async with db.transaction():
        result = await _redo_held(db, staff, form, expected=expected, address=address)
    return result


async def _redo_held(
    db: Database, staff: StaffRecord, form: AuthoredFormRecord, *, expected: int, address: str
) -> Saved | Stale | Refused:
    base = await _base(db, staff, form.id, expected)
    if isinstance(base, Stale | Refused):
        return base
    latest = (await stored.latest_revisions(db, base.id, limit=1))[0]
    target = None
    if latest.action in ("undo", "redo"):
        target = await stored.undone_edit(db, base.id, state_of=latest.state_of, before=latest.number)
    if target is None:
        return Refused(message="没有可以重做的修改")
    return await _restore(
        db,
        staff,
        base,
        target,
        action="redo",
        summary=f"重做：{await _summary_of(db, base.id, target)}",
        address=address,
    )


async def _restore(
    db: Database,
    staff: StaffRecord,
    form: AuthoredFormRecord,
    number: int,
    *,
    action: RevisionAction,
    summary: str,
    address: str,
) -> Saved:
    """Make revision ``number``'s content the form's again, as a new revision (inside the caller's transaction)."""
    definition = await stored.revision_definition(db, form.id, number)
    assert definition is not None  # revisions are never deleted while their form exists
    return await _save(
        db, staff, form, msgspec.convert(definition, FormDef), action=action, summary=summary, state_of=number,
        parent=None, address=address,
    )  # fmt: skip


async def can_undo_redo(db: Database, form: AuthoredFormRecord) -> tuple[bool, bool]:
    """Whether undo and redo have something to do now (for the builder's buttons)."""
    latest = (await stored.latest_revisions(db, form.id, limit=1))[0]
    can_undo = await stored.revision_parent(db, form.id, latest.state_of) is not None
    can_redo = latest.action in ("undo", "redo") and (
        await stored.undone_edit(db, form.id, state_of=latest.state_of, before=latest.number) is not None
    )
    return can_undo, can_redo


async def other_editors(db: Database, staff: StaffRecord, form: AuthoredFormRecord) -> list[Editor]:
    """The others who had ``form`` open within the last minutes (nothing noted: a save notes its author)."""
    since = datetime.now(UTC) - EDITING_WINDOW
    return [each for each in await stored.editors_since(db, form.id, since) if each.staff_id != staff.id]


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


async def _save(
    db: Database,
    staff: StaffRecord,
    form: AuthoredFormRecord,
    definition: FormDef,
    *,
    action: RevisionAction,
    summary: str,
    state_of: int | None,
    parent: int | None,
    address: str,
) -> Saved:
    """Save ``definition`` as the revision after ``form``'s, with its audit row, in the caller's transaction (which
    holds the form's row: see :func:`_base`)."""
    now = datetime.now(UTC)
    content = msgspec.to_builtins(definition)
    decoded_definition(content, definition)  # what the next requests will decode
    number = await stored.save_revision(
        db, form.id, expected=form.revision, definition=content, title=text_of(definition.title), action=action,
        state_of=state_of, parent=parent, summary=summary, staff=staff, now=now,
    )  # fmt: skip
    assert number is not None, "the form's row is held by this transaction"
    await record_audit(
        db, action=f"form.{action}", staff=staff, target=definition.id, detail=f"第{number}次保存：{summary}",
        address=address, at=now,
    )  # fmt: skip
    await stored.see_editor(db, form.id, staff, now)
    saved = msgspec.structs.replace(
        form, definition=content, title=text_of(definition.title)[:200], revision=number, updated_by=staff.id,
        updated_at=now,
    )  # fmt: skip
    return Saved(form=saved)
