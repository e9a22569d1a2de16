"""Holiday years as data the province admin keeps: save one (checked, conditional on its revision), delete one, and
load the saved years into the running platform.

A save is ONE transaction: the year (only if it is still at the revision the admin saw: of two admins saving the same
year at once, one wins and the other is told), its audit row and a new catalog generation. Then, in the same process,
the pack's calendar gets the year and every deadline left pending (期限待定) for want of it is computed: the admin
sees how many. Other processes notice the new generation (:func:`refresh_holiday_years`) and do the same.

Deleting a saved year is refused while an open application's current deadline falls in that year: that deadline was
counted with the year's arrangement, and a year corrected is saved again rather than deleted.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from shenbao import store
from shenbao.cases.deadlines import fill_pending_deadlines
from shenbao.cases.publishing import keeps_province
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.store import holidays as stored
from shenbao.store.audit import record_audit
from shenbao.store.catalog import bump_generation, generation
from shenbao.store.holidays import HolidayYearRecord
from shenbao.store.staff import StaffRecord
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.holidays import YearProblem, year_problems, year_refusal

__all__ = [
    "NOT_PROVINCE",
    "HolidayDeleted",
    "HolidayRefused",
    "HolidaySaved",
    "HolidayStale",
    "delete_holiday_year",
    "load_holiday_years",
    "may_keep_holidays",
    "pack_form_ids",
    "refresh_holiday_years",
    "save_holiday_year",
]

log = logging.getLogger("shenbao.cases.holidays")

NOT_PROVINCE = "只有本省的省级管理员可以维护本省配置包的节假日安排；如需添加或修改，请联系省级管理员。"


class HolidaySaved(msgspec.Struct, frozen=True, kw_only=True):
    """The year was saved (at ``saved.revision``) and installed; ``filled`` pending deadlines were computed."""

    saved: HolidayYearRecord
    filled: int


class HolidayDeleted(msgspec.Struct, frozen=True, kw_only=True):
    """The saved year was deleted; the pack's calendar is back to its files and chinesecalendar for that year."""

    pack: str
    year: int


class HolidayRefused(msgspec.Struct, frozen=True, kw_only=True):
    """Nothing was stored: what is wrong, each with where to show it."""

    problems: list[YearProblem]


class HolidayStale(msgspec.Struct, frozen=True, kw_only=True):
    """Someone saved or deleted the year since the admin opened it: nothing was stored; the year as it is now."""

    current: HolidayYearRecord | None


def may_keep_holidays(staff: StaffRecord, province: str | None = None) -> bool:
    """Whether ``staff`` may save and delete holiday years (of a pack of ``province``): active province accounts
    of that province only."""
    return keeps_province(staff, province)


def pack_form_ids(forms: FormRegistry, chains: ChainRegistry, pack: str) -> list[str]:
    """The forms whose applications go through a chain of ``pack``."""
    return [
        form.id
        for form in forms
        if form.definition.chain is not None and chains.pack_of(form.definition.chain) == pack
    ]


def _override(record: HolidayYearRecord) -> YearOverride:
    return YearOverride(holidays=record.holidays, workdays=record.workdays)


async def load_holiday_years(database: store.Database, chains: ChainRegistry) -> int:
    """Install every saved year into ``chains`` (at start-up, before pending deadlines are filled); how many.

    A saved year of a pack not loaded is left alone (the pack may come back).
    """
    at = await generation(database)
    records = await stored.holiday_years(database)
    by_pack: dict[str, dict[int, YearOverride]] = {pack: {} for pack in chains.packs()}
    for record in records:
        if record.pack in by_pack:
            by_pack[record.pack][record.year] = _override(record)
    for pack, years in by_pack.items():
        chains.use_years(pack, years)
    chains.generation = at
    return sum(len(years) for years in by_pack.values())


async def refresh_holiday_years(database: store.Database, forms: FormRegistry, chains: ChainRegistry) -> int:
    """When another process changed the published data since ``chains`` loaded it, load the saved years again and
    fill the pending deadlines they allow; how many were filled (0 when nothing changed)."""
    if await generation(database) == chains.generation:
        return 0
    await load_holiday_years(database, chains)
    return await fill_pending_deadlines(database, chains)


def _checked_pack(chains: ChainRegistry, pack: str) -> None:
    if pack not in chains.packs():
        raise LookupError(f"没有名为“{pack}”的省级配置包")


async def save_holiday_year(
    database: store.Database,
    chains: ChainRegistry,
    forms: FormRegistry,
    staff: StaffRecord,
    *,
    pack: str,
    year: int,
    holidays: list[dt.date],
    workdays: list[dt.date],
    note: str,
    expected: int,
    address: str = "",
) -> HolidaySaved | HolidayRefused | HolidayStale:
    """Check and save a pack's year, install it and fill the deadlines that waited for it.

    Args:
        database: the open database.
        chains: the running platform's chains, whose pack calendar gets the year.
        forms: the published forms (whose pending deadlines are filled).
        staff: the province admin saving it.
        pack: the pack (a folder of ``form_defs/``).
        year: the year, e.g. 2027.
        holidays: the days off, as the notice lists them.
        workdays: the weekend days worked (调休上班).
        note: the notice it follows, e.g. 国办发明电〔2026〕…号.
        expected: the revision the admin saw (0: the year was not saved yet).
        address: the client's address, for the audit log.

    Raises:
        PermissionError: ``staff`` is not an active province account.
        LookupError: no chain of ``pack`` is loaded.
    """
    if not may_keep_holidays(staff, chains.province_of(pack)):
        raise PermissionError(NOT_PROVINCE)
    _checked_pack(chains, pack)
    refusal = year_refusal(year)
    problems = [YearProblem("year", refusal)] if refusal else year_problems(year, holidays, workdays)
    if problems:
        return HolidayRefused(problems=problems)
    now = dt.datetime.now(dt.UTC)
    note = note.strip()[:200]
    async with database.transaction():
        revision = await stored.save_holiday_year(
            database, pack=pack, year=year, holidays=holidays, workdays=workdays, note=note, expected=expected,
            staff_id=staff.id, now=now,
        )  # fmt: skip
        if revision is None:
            current = await stored.holiday_year(database, pack, year)
            return HolidayStale(current=current)
        detail = f"{year}年第{revision}版：放假{len(holidays)}天，调休上班{len(workdays)}天"
        await record_audit(
            database, action="holidays.save", staff=staff, target=f"{pack}:{year}",
            detail=f"{detail}；{note}" if note else detail, address=address, at=now,
        )  # fmt: skip
        await bump_generation(database)
    assert revision is not None  # a stale save returned inside the transaction
    saved = HolidayYearRecord(
        pack=pack, year=year, holidays=sorted(holidays), workdays=sorted(workdays), note=note, revision=revision,
        updated_by=staff.id, updated_at=now,
    )  # fmt: skip
    filled = await _install(database, forms, chains)
    log.info(
        "holiday year %s %d saved (revision %d): %d pending deadline(s) filled", pack, year, revision, filled
    )
    return HolidaySaved(saved=saved, filled=filled)


async def delete_holiday_year(
    database: store.Database,
    chains: ChainRegistry,
    forms: FormRegistry,
    staff: StaffRecord,
    *,
    pack: str,
    year: int,
    expected: int,
    address: str = "",
) -> HolidayDeleted | HolidayRefused | HolidayStale:
    """Delete a saved year, unless an open application's current deadline falls in it.

    Raises:
        PermissionError: ``staff`` is not an active province account.
        LookupError: no chain of ``pack`` is loaded.
    """
    if not may_keep_holidays(staff, chains.province_of(pack)):
        raise PermissionError(NOT_PROVINCE)
    _checked_pack(chains, pack)
    waiting = await stored.open_deadlines_in(database, year, pack_form_ids(forms, chains, pack))
    if waiting:
        return HolidayRefused(
            problems=[
                YearProblem(
                    "year",
                    f"有{waiting}件未办结的申请，期限按{year}年的这份安排算出、落在{year}年，所以不能删除；"
                    "安排有误时，请直接改正后保存",
                )
            ]
        )
    now = dt.datetime.now(dt.UTC)
    async with database.transaction():
        if not await stored.delete_holiday_year(database, pack=pack, year=year, expected=expected):
            return HolidayStale(current=await stored.holiday_year(database, pack, year))
        await record_audit(
            database, action="holidays.delete", staff=staff, target=f"{pack}:{year}",
            detail=f"删除了{year}年第{expected}版", address=address, at=now,
        )  # fmt: skip
        await bump_generation(database)
    await _install(database, forms, chains)
    return HolidayDeleted(pack=pack, year=year)


async def _install(database: store.Database, forms: FormRegistry, chains: ChainRegistry) -> int:
    """Load the saved years into this process's calendars and fill the pending deadlines; how many were filled."""
    await load_holiday_years(database, chains)
    return await fill_pending_deadlines(database, chains)
