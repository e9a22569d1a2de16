"""Queries the rest of the platform needs, each named for what it answers, each returning Structs.

Every function takes the open :class:`~shenbao.store.database.Database` first. Writes that belong
together run in one transaction; when the caller already holds one (``async with db.transaction():``,
e.g. to add the first chain step and the SMS to the outbox with the application), they join it.

Identity numbers and phones are sealed before they are written and opened when read (:mod:`.sealing`): the
writers take the form's :class:`~shenbao.forms.personal.PersonalFields` (``form.personal``), the readers need
nothing, and every record returned holds clear values.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from shenbao.forms.personal import PersonalFields
from shenbao.store.database import Database, Transaction
from shenbao.store.drafts import (
    delete_draft,
    draft_exists,
    load_draft,
    save_draft,
    save_draft_changes,
)
from shenbao.store.drafts import delete_draft_rows as _delete_draft_rows
from shenbao.store.receipts import new_receipt_number, parse_receipt
from shenbao.store.records import ApplicationRecord
from shenbao.store.sealing import applicant_digests, application_record, seal_answers
from shenbao.store.tables import Application

__all__ = [
    "ReceiptNumbersExhaustedError",
    "application_by_idempotency_key",
    "application_by_receipt",
    "count_applications",
    "delete_draft",
    "draft_exists",
    "load_draft",
    "save_draft",
    "save_draft_changes",
    "set_workflow_state",
    "submit_application",
]

MAX_IDEMPOTENCY_KEY_LENGTH = 255
_RECEIPT_DRAWS = 20

_APPLICATION_COLUMNS: tuple[Column, ...] = tuple(
    column for column in Application._meta.columns if column._meta.name in ApplicationRecord.__struct_fields__
)
# The unique constraints of ``application``, by the name PostgreSQL reports and the column SQLite reports.
_UNIQUE_COLUMNS = {
    "application_receipt_number_key": "receipt_number",
    "application_idempotency_key_key": "idempotency_key",
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: application\.(\w+)")


class ReceiptNumbersExhaustedError(RuntimeError):
    """No free receipt number was found for today after many draws (the day's numbers are nearly used)."""


async def submit_application(
    db: Database,
    *,
    idempotency_key: str | None,
    form_id: str,
    form_version: int,
    answers: Mapping[str, Any],
    personal: PersonalFields,
    flags: Sequence[str] = (),
    outcome_id: str | None = None,
    region_code: str | None = None,
    draft_token: str | None = None,
) -> tuple[ApplicationRecord, bool]:
    """Store a submitted application with a fresh receipt number, and delete its draft, in one transaction.

    A retry with the same ``idempotency_key`` returns the application the first attempt stored, also when
    both arrive at the same moment: the key is unique in the database, and the loser of the race reads the
    winner's row. The answers of a retry are not compared with the stored ones.

    Args:
        db: the open database.
        idempotency_key: the client's key for this submit (the ``Idempotency-Key`` header), or ``None``
            to always create (at most 255 characters).
        form_id: the form answered.
        form_version: the version of the form the answers belong to.
        answers: question id to answer, already checked by the form engine.
        personal: where the form's identity numbers and phones are (``form.personal``): they are sealed in
            the row, and keyed digests of the applicant's two are kept for look-ups.
        flags: what a reviewer should look at, e.g. ``["policy_mismatch"]``.
        outcome_id: the terminal outcome a jump rule reached, if any.
        region_code: the applicant's division code, when known.
        draft_token: the draft to delete (with ``form_id``), if the farmer had one.

    Returns:
        The application, and whether this call created it (``False`` for a retry).

    Raises:
        ValueError: the idempotency key is empty or too long.
        TypeError: ``flags`` is a single string instead of a list.
        ReceiptNumbersExhaustedError: no free receipt number could be drawn (see :mod:`.receipts`).
        KeysMissingError: there is an identity number or phone to seal and the database has no keys.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"an idempotency key has 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    if isinstance(flags, str):
        raise TypeError(f"flags is a list of flags, e.g. [{flags!r}], not a string")
    created: ApplicationRecord | None = None
    async with db.transaction() as transaction:
        existing = await application_by_idempotency_key(db, idempotency_key)
        if existing is None:
            now = _now()
            id_number_hash, phone_hash = applicant_digests(answers, personal, db.keys)
            fields: dict[str, Any] = {
                "form_id": form_id,
                "form_version": form_version,
                "status": "submitted",
                "flags": list(flags),
                "outcome_id": outcome_id,
                "answers": seal_answers(answers, personal, db.keys),
                "id_number_hash": id_number_hash,
                "phone_hash": phone_hash,
                "region_code": region_code,
                "idempotency_key": idempotency_key,
                "draft_token": draft_token,
                "created_at": now,
                "updated_at": now,
            }
            created, existing = await _insert_application(db, transaction, fields, dict(answers))
        if draft_token is not None:
            await _delete_draft_rows(draft_token, form_id)
    if created is not None:
        return created, True
    if existing is None:  # cannot happen: the key's unique violation means its row is committed
        raise RuntimeError(f"the application with idempotency key {idempotency_key!r} vanished")
    return existing, False


async def set_workflow_state(
    db: Database,
    application_id: int,
    *,
    state: Mapping[str, Any] | None,
    deadline: date | None,
    green: bool,
    status: str | None = None,
    chain_version: int | None = None,
) -> None:
    """Store an application's workflow state (the engine's ``ApplicationState`` as JSON), its deadline and
    whether it is in the green channel (and its status, when a decision changed it); joins the caller's
    transaction when there is one.

    Args:
        db: the open database.
        application_id: the application.
        state: the state as JSON-compatible values, or ``None`` when it could not be computed.
        deadline: the current step's deadline, if known.
        green: whether the green-channel rule picked the application.
        status: the application's new status (``in_progress``, ``approved``, ``refused``); unchanged if ``None``.
        chain_version: the chain version the case started on (set when it starts); unchanged if ``None``.
    """
    db.check_bound()
    values: dict[Any, Any] = {
        Application.workflow_state: None if state is None else dict(state),
        Application.deadline: deadline,
        Application.green: green,
        Application.updated_at: _now(),
    }
    if status is not None:
        values[Application.status] = status
    if chain_version is not None:
        values[Application.chain_version] = chain_version
    await Application.update(values).where(Application.id == application_id)


async def application_by_receipt(db: Database, receipt: str) -> ApplicationRecord | None:
    """Find an application by its receipt number, as a person typed it (spaces, dashes, full-width digits).

    Args:
        db: the open database.
        receipt: the receipt number.

    Returns:
        The application, or ``None`` when no application has that number or it is not a valid receipt
        number (use :func:`~shenbao.store.receipts.parse_receipt` first to tell a typo apart).
    """
    db.check_bound()
    number = parse_receipt(receipt)
    if number is None:
        return None
    return await _application_where(db, Application.receipt_number == number)


async def application_by_idempotency_key(db: Database, key: str | None) -> ApplicationRecord | None:
    """Find the application a submit with this idempotency key stored.

    Args:
        db: the open database.
        key: the idempotency key (``None`` finds nothing).

    Returns:
        The application, or ``None`` when no submit with this key was stored.
    """
    db.check_bound()
    if key is None:
        return None
    return await _application_where(db, Application.idempotency_key == key)


async def count_applications(db: Database, form_id: str | None = None) -> int:
    """Count the applications, all of them or those of one form.

    Args:
        db: the open database.
        form_id: only this form's applications, when given.

    Returns:
        How many there are.
    """
    db.check_bound()
    query = Application.count()
    if form_id is not None:
        query = query.where(Application.form_id == form_id)
    return int(await query)


async def _insert_application(
    db: Database, transaction: Transaction, fields: dict[str, Any], answers: dict[str, Any]
) -> tuple[ApplicationRecord | None, ApplicationRecord | None]:
    """Insert the row (``fields``, its answers sealed) with a free receipt number; return ``(created, None)``
    (with the clear ``answers``) or, when a concurrent submit with the same key won, ``(None, existing)``."""
    for _ in range(_RECEIPT_DRAWS):
        receipt = new_receipt_number(fields["created_at"])
        if await _receipt_taken(receipt):
            continue
        # A savepoint, so a unique violation leaves the transaction usable (PostgreSQL aborts it otherwise).
        savepoint: Any = await transaction.savepoint()  # Any: Piccolo's Savepoint methods are unannotated
        try:
            rows = await Application.insert(Application(receipt_number=receipt, **fields))
        except Exception as error:
            column = _violated_unique_column(error)
            if column is None:
                raise
            await savepoint.rollback_to()
            if column == "idempotency_key":
                key = fields["idempotency_key"]
                return None, await _application_where(db, Application.idempotency_key == key)
            continue  # another submit took this receipt number between our check and our insert
        await savepoint.release()
        stored = {**fields, "id": int(rows[0]["id"]), "receipt_number": receipt, "answers": answers}
        return msgspec.convert(
            {name: stored[name] for name in ApplicationRecord.__struct_fields__}, ApplicationRecord
        ), None
    raise ReceiptNumbersExhaustedError(
        f"no free receipt number after {_RECEIPT_DRAWS} draws: today's numbers are nearly used up"
    )


async def _receipt_taken(receipt: str) -> bool:
    return bool(await Application.exists().where(Application.receipt_number == receipt))


async def _application_where(db: Database, condition: Any) -> ApplicationRecord | None:
    row = await Application.select(*_APPLICATION_COLUMNS).where(condition).first().output(load_json=True)
    return None if row is None else application_record(row, db.keys)


def _violated_unique_column(error: Exception) -> str | None:
    """The ``application`` column whose unique constraint ``error`` reports, or ``None`` for other errors."""
    if isinstance(error, sqlite3.IntegrityError):
        match = _SQLITE_UNIQUE.match(str(error))
        return match.group(1) if match else None
    # asyncpg's UniqueViolationError, recognised by its SQLSTATE so this module needs no asyncpg import.
    if getattr(error, "sqlstate", None) == "23505":
        return _UNIQUE_COLUMNS.get(getattr(error, "constraint_name", None) or "")
    return None


def _now() -> datetime:
    return datetime.now(UTC)
