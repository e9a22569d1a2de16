"""Finding applications by the applicant's identity number or phone, through their keyed digests.

The database never holds the values in clear: a look-up digests what was typed under every look-up key
(the current one and the retired ones still listed) and searches the indexed digest columns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.receipts import parse_receipt
from shenbao.store.sealing import id_number_digests, phone_digests
from shenbao.store.staff import region_bounds
from shenbao.store.tables import Application

__all__ = ["FoundApplication", "applications_by_id_number", "receipt_belongs_to_phone"]


class FoundApplication(msgspec.Struct, frozen=True, kw_only=True):
    """An application a look-up found (no answers: those are personal data, opened one case at a time)."""

    id: int
    receipt_number: str
    form_id: str
    status: str
    region_code: str | None
    created_at: datetime


async def applications_by_id_number(
    db: Database, id_number: str, region_code: str, *, limit: int = 100
) -> list[FoundApplication]:
    """The applications whose applicant has this identity number, in a staff member's region, newest first.

    For spotting duplicates: the same household applying twice, or in two villages (a province admin sees
    the whole province).

    Args:
        db: the open database.
        id_number: the number as typed (full-width digits, spaces and a lower-case x are normalised).
        region_code: the staff member's region; applications outside its subtree are not returned.
        limit: at most this many.

    Returns:
        The applications, newest first (no answers: open one to see them).

    Raises:
        ValueError: ``region_code`` is not a string of digits.
        KeysMissingError: the database was opened without keys.
    """
    db.check_bound()
    if not region_code or not region_code.isascii() or not region_code.isdigit():
        raise ValueError(f"{region_code!r} is not a region code")
    low, high = region_bounds(region_code)
    condition: Any = Application.id_number_hash.is_in(id_number_digests(db.require_keys(), id_number)) & (
        Application.region_code >= low
    )
    if high is not None:
        condition = condition & (Application.region_code < high)
    rows = (
        await Application.select(
            Application.id,
            Application.receipt_number,
            Application.form_id,
            Application.status,
            Application.region_code,
            Application.created_at,
        )
        .where(condition)
        .order_by(Application.created_at, Application.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    return [
        msgspec.convert({**row, "created_at": as_utc(row["created_at"])}, FoundApplication) for row in rows
    ]


async def receipt_belongs_to_phone(db: Database, receipt: str, phone: str) -> bool:
    """Whether the application with this receipt number was made with this phone as the applicant's.

    The applicant's status page asks this before it sends a code to the phone: a receipt number alone
    (read off a neighbour's notice) shows nothing.

    Args:
        db: the open database.
        receipt: the receipt number as typed (spaces, dashes, full-width digits).
        phone: the phone as typed.

    Returns:
        ``True`` only when both match one application; ``False`` for a malformed receipt number too.

    Raises:
        KeysMissingError: the database was opened without keys.
    """
    db.check_bound()
    number = parse_receipt(receipt)
    if number is None:
        return False
    return bool(
        await Application.exists().where(
            (Application.receipt_number == number)
            & Application.phone_hash.is_in(phone_digests(db.require_keys(), phone))
        )
    )
