"""The drafts: the answers of a form not yet submitted, kept per browser token and form.

Every answer a farmer gives reads and writes its draft, so these are the platform's busiest statements: each is
one row found by its unique key, run on the event loop on SQLite when the database lets it start at once
(:meth:`~shenbao.store.database.Database.on_loop`). Identity numbers and phones are sealed in the row
(:mod:`.sealing`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from shenbao.forms.personal import PersonalFields
from shenbao.store.database import Database, as_utc
from shenbao.store.records import DraftRecord
from shenbao.store.sealing import open_answers, seal_answers
from shenbao.store.tables import Draft

__all__ = [
    "delete_draft",
    "delete_draft_rows",
    "draft_exists",
    "load_draft",
    "save_draft",
    "save_draft_changes",
]

_SELECT_DRAFT = (
    f"SELECT {', '.join(DraftRecord.__struct_fields__)} FROM draft WHERE token = {{}} AND form_id = {{}}"
)
_PG_VALUES_DURABLE = "VALUES ({}, {}, {}, {}::jsonb, {}, {})"
# A draft's commit does not wait for the disk (the statement is its own transaction, and set_config(..., true)
# lasts to its end): a crash of the server may lose the last fraction of a second of drafts, never corrupt
# anything, and every application is still committed durably. SQLite's loop connection does the same
# (synchronous = NORMAL). It saves the wait for an fsync, most of a PostgreSQL answer's time.
_PG_VALUES = (
    "SELECT {}::varchar, {}::varchar, {}::integer, {}::jsonb, {}::varchar, {}::timestamptz "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS draft_commit"
)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_EMPTY: tuple[Any, ...] = (None, [], "")


async def save_draft(
    db: Database,
    token: str,
    form_id: str,
    form_version: int,
    answers: Mapping[str, Any],
    section: str,
    *,
    personal: PersonalFields,
) -> DraftRecord:
    """Save the answers of a form being filled, replacing the draft this token had for this form.

    Args:
        db: the open database.
        token: the browser's draft token.
        form_id: the form being filled.
        form_version: the version the answers were given for.
        answers: question id to answer (JSON-compatible values).
        section: the id of the section the farmer is on.
        personal: where the form's identity numbers and phones are (``form.personal``): sealed in the row.

    Returns:
        The draft as saved (with clear answers).

    Raises:
        KeysMissingError: there is an identity number or phone to seal and the database has no keys.
    """
    db.check_bound()
    draft = DraftRecord(
        token=token,
        form_id=form_id,
        form_version=form_version,
        answers=dict(answers),
        section=section,
        updated_at=_now(),
    )
    row = Draft(**{**msgspec.structs.asdict(draft), "answers": seal_answers(answers, personal, db.keys)})
    with db.on_loop():  # one row by its unique key
        await Draft.insert(row).on_conflict(
            target=(Draft.token, Draft.form_id),
            action="DO UPDATE",
            values=[Draft.form_version, Draft.answers, Draft.section, Draft.updated_at],
        )
    return draft


async def load_draft(db: Database, token: str, form_id: str) -> DraftRecord | None:
    """Return the draft this token has for this form, if any.

    Args:
        db: the open database.
        token: the browser's draft token.
        form_id: the form.

    Returns:
        The draft, or ``None`` when there is none (never saved, submitted, or deleted).
    """
    db.check_bound()
    # Plain SQL: Piccolo's query builder costs more than the statement itself on this, the busiest read.
    rows = await _fetch_on_loop(db, _SELECT_DRAFT, token, form_id)
    if not rows:
        return None
    row = rows[0]
    carried = row["carried"]
    return DraftRecord(
        token=row["token"],
        form_id=row["form_id"],
        form_version=int(row["form_version"]),
        answers=open_answers(_json(row["answers"]), db.keys),
        section=row["section"],
        updated_at=as_utc(row["updated_at"]),
        carried=None if carried is None else _json(carried),
    )


async def draft_exists(db: Database, token: str, form_id: str) -> bool:
    """Whether this token has a draft of this form (read without opening its answers)."""
    db.check_bound()
    with db.on_loop():  # one row by its unique key
        return bool(await Draft.exists().where((Draft.token == token) & (Draft.form_id == form_id)))


async def delete_draft(db: Database, token: str, form_id: str) -> bool:
    """Delete the draft this token has for this form.

    Args:
        db: the open database.
        token: the browser's draft token.
        form_id: the form.

    Returns:
        Whether there was a draft to delete.
    """
    db.check_bound()
    return await delete_draft_rows(token, form_id)


async def save_draft_changes(
    db: Database,
    token: str,
    form_id: str,
    form_version: int,
    changes: Mapping[str, Any],
    section: str,
    *,
    personal: PersonalFields,
) -> DraftRecord:
    """Lay ``changes`` over the draft in one statement, making the draft if there is none, and return it.

    The answers are merged in the database, not read, merged and written back: two answers posted at the same
    moment for the same draft (two taps, two tabs) both stay. An emptied answer (``None``, ``[]``, ``""``)
    removes the question's answer. Outside a transaction the commit does not wait for the disk: a crash of the
    database server may lose the last fraction of a second of drafts (never an application).

    Args:
        db: the open database.
        token: the browser's draft token.
        form_id: the form being filled.
        form_version: the version the answers were given for.
        changes: question id to its new answer (JSON-compatible values), for the questions the post carried.
        section: the id of the section the farmer is on.
        personal: where the form's identity numbers and phones are (``form.personal``): sealed in the row.

    Returns:
        The draft as it now is, with every answer in it (clear), those of any concurrent post included.

    Raises:
        ValueError: a question id is not a plain name (ids come from the form's definition).
        KeysMissingError: there is an identity number or phone to seal and the database has no keys.
    """
    db.check_bound()
    for key in changes:
        if not _KEY.match(key):
            raise ValueError(f"not a question id: {key!r}")
    kept = {key: value for key, value in changes.items() if value not in _EMPTY}
    removed = [key for key, value in changes.items() if value in _EMPTY]
    sealed = seal_answers(kept, personal, db.keys)
    encoded = msgspec.json.encode(sealed).decode()
    now = _now()
    args: list[Any] = []
    if db.kind == "sqlite":
        merged = "draft.answers"
        if removed:
            merged = f"json_remove({merged}, {', '.join('{}' for _ in removed)})"
            args += [f'$."{key}"' for key in removed]
        if kept:
            merged = f"json_set({merged}, {', '.join('{}, json({})' for _ in sealed)})"
            for key, value in sealed.items():
                args += [f'$."{key}"', msgspec.json.encode(value).decode()]
        values = "VALUES ({}, {}, {}, {}, {}, {})"
    else:
        merged = "(draft.answers - {}::text[]) || {}::jsonb"
        args += [removed, encoded]
        values = _PG_VALUES if db.engine.current_transaction.get() is None else _PG_VALUES_DURABLE
    rows = await _fetch_on_loop(
        db,
        f"INSERT INTO draft (token, form_id, form_version, answers, section, updated_at) {values} "
        "ON CONFLICT (token, form_id) DO UPDATE SET "
        f"answers = {merged}, form_version = excluded.form_version, section = excluded.section, "
        "updated_at = excluded.updated_at RETURNING answers",
        token,
        form_id,
        form_version,
        encoded,
        section,
        now,
        *args,
    )
    answers = _json(rows[0]["answers"])
    return DraftRecord(
        token=token,
        form_id=form_id,
        form_version=form_version,
        answers=open_answers(answers, db.keys),
        section=section,
        updated_at=now,
    )


async def delete_draft_rows(token: str, form_id: str) -> bool:
    """Delete the draft row (joining the caller's transaction, if any); whether there was one."""
    rows = await Draft.delete().where((Draft.token == token) & (Draft.form_id == form_id)).returning(Draft.id)
    return bool(rows)


async def _fetch_on_loop(db: Database, template: str, *args: Any) -> list[dict[str, Any]]:
    with db.on_loop():  # one row by its unique key
        return await db.fetch(template, *args)


def _json(value: Any) -> Any:
    """A JSON column's value: SQLite and asyncpg hand it back as text."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def _now() -> datetime:
    return datetime.now(UTC)
