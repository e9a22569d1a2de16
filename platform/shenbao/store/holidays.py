"""Queries for the holiday years admins keep: one row per pack and year, saved conditionally on its revision.

A save is ONE conditional statement: a new year is an ``INSERT ... ON CONFLICT DO NOTHING`` (expected revision 0),
a saved one an ``UPDATE ... WHERE revision = <the revision the admin saw>``; of two admins saving the same year at
once exactly one gets the new revision back, the other ``None``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec

from shenbao.store.database import Database, as_utc
from shenbao.store.tables import Application, HolidayYear

__all__ = [
    "HolidayYearRecord",
    "delete_holiday_year",
    "holiday_year",
    "holiday_years",
    "open_deadlines_in",
    "pending_deadlines_by_form",
    "save_holiday_year",
]

_FINISHED = ("approved", "refused")


class HolidayYearRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A saved year: its days off and adjusted working days, the notice it follows, who saved it last."""

    pack: str
    year: int
    holidays: list[dt.date]
    workdays: list[dt.date]
    note: str
    revision: int
    updated_by: int
    updated_at: dt.datetime


_COLUMNS = (
    HolidayYear.pack,
    HolidayYear.year,
    HolidayYear.holidays,
    HolidayYear.workdays,
    HolidayYear.note,
    HolidayYear.revision,
    HolidayYear.updated_by,
    HolidayYear.updated_at,
)


def _record(row: dict[str, Any]) -> HolidayYearRecord:
    lists = {
        key: json.loads(row[key]) if isinstance(row[key], str) else row[key]
        for key in ("holidays", "workdays")
    }
    return msgspec.convert(
        {**row, **lists, "updated_at": as_utc(row["updated_at"])}, HolidayYearRecord, strict=False
    )


def _dates(days: list[dt.date]) -> str:
    return msgspec.json.encode(sorted(days)).decode()


async def holiday_years(database: Database, pack: str | None = None) -> list[HolidayYearRecord]:
    """Every saved year (of ``pack``, or of every pack), by pack and year."""
    database.check_bound()
    query = HolidayYear.select(*_COLUMNS).order_by(HolidayYear.pack).order_by(HolidayYear.year)
    if pack is not None:
        query = query.where(HolidayYear.pack == pack)
    return [_record(row) for row in await query.output(load_json=True)]


async def holiday_year(database: Database, pack: str, year: int) -> HolidayYearRecord | None:
    """The saved ``year`` of ``pack``, or ``None``."""
    database.check_bound()
    row = (
        await HolidayYear.select(*_COLUMNS)
        .where((HolidayYear.pack == pack) & (HolidayYear.year == year))
        .output(load_json=True)
        .first()
    )
    return _record(row) if row else None


async def save_holiday_year(
    database: Database,
    *,
    pack: str,
    year: int,
    holidays: list[dt.date],
    workdays: list[dt.date],
    note: str,
    expected: int,
    staff_id: int,
    now: dt.datetime,
) -> int | None:
    """Store the year if it is still at revision ``expected`` (0: not saved yet); joins the caller's transaction.

    Returns:
        The new revision, or ``None`` when someone saved (or deleted) the year since ``expected``.
    """
    database.check_bound()
    if expected == 0:
        rows = await database.fetch(
            "INSERT INTO holiday_year (pack, year, holidays, workdays, note, revision, updated_by, updated_at) "
            "VALUES ({}, {}, {}, {}, {}, 1, {}, {}) ON CONFLICT (pack, year) DO NOTHING RETURNING revision",
            pack,
            year,
            _dates(holidays),
            _dates(workdays),
            note[:200],
            staff_id,
            now,
        )
    else:
        rows = await database.fetch(
            "UPDATE holiday_year SET holidays = {}, workdays = {}, note = {}, revision = revision + 1, "
            "updated_by = {}, updated_at = {} WHERE pack = {} AND year = {} AND revision = {} RETURNING revision",
            _dates(holidays),
            _dates(workdays),
            note[:200],
            staff_id,
            now,
            pack,
            year,
            expected,
        )
    return int(rows[0]["revision"]) if rows else None


async def delete_holiday_year(database: Database, *, pack: str, year: int, expected: int) -> bool:
    """Delete the saved year if it is still at revision ``expected``; whether it was (joins the transaction)."""
    database.check_bound()
    rows = await database.fetch(
        "DELETE FROM holiday_year WHERE pack = {} AND year = {} AND revision = {} RETURNING id",
        pack,
        year,
        expected,
    )
    return bool(rows)


async def pending_deadlines_by_form(database: Database) -> dict[str, int]:
    """How many open applications of each form wait for a deadline (期限待定: a year the calendar lacked)."""
    database.check_bound()
    rows = await database.fetch(
        "SELECT form_id, COUNT(*) AS waiting FROM application WHERE deadline IS NULL "
        "AND workflow_state IS NOT NULL AND status NOT IN ({}, {}) GROUP BY form_id",
        *_FINISHED,
    )
    return {row["form_id"]: int(row["waiting"]) for row in rows}


async def open_deadlines_in(database: Database, year: int, form_ids: list[str]) -> int:
    """How many open applications of ``form_ids`` have their current deadline in ``year``."""
    database.check_bound()
    if not form_ids:
        return 0
    return int(
        await Application.count()
        .where(Application.form_id.is_in(form_ids))
        .where(Application.deadline >= dt.date(year, 1, 1))
        .where(Application.deadline <= dt.date(year, 12, 31))
        .where(Application.status.not_in(list(_FINISHED)))
    )
