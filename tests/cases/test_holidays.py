"""Saving a pack's holiday year: checked, stored once per revision, audited, installed at once, pending deadlines
filled; deleting one; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

import pytest
import time_machine

from shenbao import store
from shenbao.cases import holidays, submit_evaluated
from shenbao.forms import evaluate
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.store import holidays as stored
from shenbao.store.audit import AuditFilter, audit_page
from shenbao.store.catalog import generation
from shenbao.store.staff import StaffRecord
from shenbao.web.services import Services
from shenbao.workflow.calendar import CHINA
from tests.support.samples import one_click_2023
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio

FORMS = FormRegistry.from_packs(["gansu"])
D = dt.date.fromisoformat
# Test data only, not the State Council's arrangement for 2027 (its Spring Festival is Saturday 6 February).
HOLIDAYS = [D("2027-01-01"), *(D("2027-02-05") + dt.timedelta(days=n) for n in range(7)), D("2027-10-01")]
WORKDAYS = [D("2027-02-20")]
LATE_DECEMBER = dt.datetime(2026, 12, 28, 10, 0, tzinfo=CHINA)
"""A Monday: the household check's deadline (5 working days) falls in 2027."""


async def _admins(db: store.Database) -> tuple[StaffRecord, StaffRecord]:
    return (
        await add_account(db, "province", "62", username="admin1"),
        await add_account(db, "province", "62", username="admin2"),
    )


async def _save(
    db: store.Database, chains: ChainRegistry, staff: StaffRecord, *, expected: int = 0, **changes: Any
) -> holidays.HolidaySaved | holidays.HolidayRefused | holidays.HolidayStale:
    values: dict[str, Any] = {"holidays": HOLIDAYS, "workdays": WORKDAYS, "note": "测试通知", **changes}
    return await holidays.save_holiday_year(
        db, chains, FORMS, staff, pack="gansu", year=2027, expected=expected, address="10.0.0.1", **values
    )


async def _submit_in_late_december(db: store.Database, chains: ChainRegistry) -> int:
    form = FORMS.get("gansu-yijian-2023")
    assert form is not None
    services = cast(Services, SimpleNamespace(database=db, chains=chains))
    with time_machine.travel(LATE_DECEMBER, tick=False):
        record, _ = await submit_evaluated(
            services, form, evaluate(form, one_click_2023()), idempotency_key="k1", draft_token=None
        )
    return record.id


async def _deadline(db: store.Database, application: int) -> dt.date | None:
    rows = await db.fetch("SELECT deadline FROM application WHERE id = {}", application)
    deadline = rows[0]["deadline"]
    return D(deadline) if isinstance(deadline, str) else deadline


async def test_a_good_year_is_stored_audited_and_counted_with_at_once(db: store.Database) -> None:
    admin, _ = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    before = await generation(db)

    saved = await _save(db, chains, admin)

    assert isinstance(saved, holidays.HolidaySaved)
    assert (saved.saved.revision, saved.saved.note, saved.filled) == (1, "测试通知", 0)
    [row] = await stored.holiday_years(db, "gansu")
    assert (row.year, row.holidays, row.workdays, row.updated_by) == (2027, HOLIDAYS, WORKDAYS, admin.id)
    assert await generation(db) == before + 1
    [entry] = (await audit_page(db, AuditFilter(action="holidays.save"))).entries
    assert (entry.username, entry.target, entry.address) == ("admin1", "gansu:2027", "10.0.0.1")
    assert entry.detail == "2027年第1版：放假9天，调休上班1天；测试通知"
    pack_chain = chains.get("gansu-yijian-2023")
    assert pack_chain is not None
    calendar = pack_chain.calendar
    assert not calendar.is_working_day(D("2027-02-08")) and calendar.is_working_day(D("2027-02-20"))
    assert sorted(chains.saved_years("gansu")) == [2027]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"workdays": [D("2027-02-06")]},
            "workdays",
            "既写在放假日期里，又写在调休上班日期里",
            id="overlap",
        ),
        pytest.param({"workdays": [D("2027-03-03")]}, "workdays", "调休上班日只能是周六或周日", id="weekday"),
        pytest.param(
            {"holidays": [D("2027-01-01"), D("2027-10-01")]},
            "holidays",
            "不在放假日期里",
            id="no Spring Festival",
        ),
    ],
)
async def test_a_bad_year_stores_nothing(
    db: store.Database, changes: dict[str, Any], field: str, message: str
) -> None:
    admin, _ = await _admins(db)
    before = await generation(db)

    refused = await _save(db, ChainRegistry.from_packs(["gansu"]), admin, **changes)

    assert isinstance(refused, holidays.HolidayRefused)
    assert [(problem.field, message in problem.message) for problem in refused.problems] == [(field, True)]
    assert await stored.holiday_years(db) == []
    assert await generation(db) == before
    assert (await audit_page(db, AuditFilter(action="holidays.*"))).entries == []


async def test_a_year_chinesecalendar_knows_is_refused(db: store.Database) -> None:
    admin, _ = await _admins(db)
    refused = await holidays.save_holiday_year(
        db, ChainRegistry.from_packs(["gansu"]), FORMS, admin, pack="gansu", year=2026,
        holidays=[D("2026-02-17")], workdays=[], note="", expected=0,
    )  # fmt: skip
    assert isinstance(refused, holidays.HolidayRefused)
    assert refused.problems[0].field == "year" and "chinesecalendar 已经有了" in refused.problems[0].message


async def test_only_a_province_account_may_save(db: store.Database) -> None:
    county = await add_account(db, "county", "620102")
    with pytest.raises(PermissionError, match="省级管理员可以维护"):
        await _save(db, ChainRegistry.from_packs(["gansu"]), county)
    assert await stored.holiday_years(db) == []


async def test_a_save_on_an_older_revision_is_told_and_stores_nothing(db: store.Database) -> None:
    first, second = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    await _save(db, chains, first)
    await _save(db, chains, first, expected=1, note="第二次")

    stale = await _save(db, chains, second, expected=1, note="晚了一步")

    assert isinstance(stale, holidays.HolidayStale)
    assert stale.current is not None and (stale.current.revision, stale.current.note) == (2, "第二次")
    new_again = await _save(db, chains, second, expected=0)
    assert isinstance(new_again, holidays.HolidayStale)


@pytest.mark.parametrize("expected", [0, 1], ids=["a new year", "a saved year"])
async def test_of_two_admins_saving_one_year_at_once_exactly_one_wins(
    db: store.Database, expected: int
) -> None:
    first, second = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    if expected:
        await _save(db, chains, first)
    before = await generation(db)

    results = await asyncio.gather(
        _save(db, chains, first, expected=expected, note="甲"),
        _save(db, chains, second, expected=expected, note="乙"),
    )

    assert sorted(type(each).__name__ for each in results) == ["HolidaySaved", "HolidayStale"]
    [winner] = [each for each in results if isinstance(each, holidays.HolidaySaved)]
    [row] = await stored.holiday_years(db)
    assert (row.revision, row.note) == (expected + 1, winner.saved.note)
    assert await generation(db) == before + 1
    assert len((await audit_page(db, AuditFilter(action="holidays.save"))).entries) == expected + 1


async def test_pending_deadlines_are_filled_when_the_year_is_saved(db: store.Database) -> None:
    admin, _ = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    application = await _submit_in_late_december(db, chains)
    assert await _deadline(db, application) is None  # 期限待定: chinesecalendar 1.11 has no 2027
    assert await stored.pending_deadlines_by_form(db) == {"gansu-yijian-2023": 1}

    saved = await _save(db, chains, admin)

    assert isinstance(saved, holidays.HolidaySaved) and saved.filled == 1
    # 29, 30, 31 December, then 1 January is off: 4 and 5 January 2027.
    assert await _deadline(db, application) == D("2027-01-05")
    assert await stored.pending_deadlines_by_form(db) == {}


async def test_saved_years_are_loaded_at_start_and_by_a_process_that_did_not_save_them(
    db: store.Database,
) -> None:
    admin, _ = await _admins(db)
    here, elsewhere = ChainRegistry.from_packs(["gansu"]), ChainRegistry.from_packs(["gansu"])
    assert await holidays.load_holiday_years(db, elsewhere) == 0
    application = await _submit_in_late_december(db, elsewhere)
    # The year is saved in another process, which fills the waiting deadline (from the case's own chain); this one's
    # calendar does not know the year until it looks.
    saved = await holidays.save_holiday_year(
        db, here, FormRegistry([]), admin, pack="gansu", year=2027, holidays=HOLIDAYS, workdays=WORKDAYS,
        note="", expected=0,
    )  # fmt: skip
    assert isinstance(saved, holidays.HolidaySaved) and saved.filled == 1
    assert not elsewhere.calendar("gansu").knows(2027) and await _deadline(db, application) == D("2027-01-05")

    assert (
        await holidays.refresh_holiday_years(db, FORMS, elsewhere) == 0
    )  # learnt the year; nothing left to fill

    assert elsewhere.calendar("gansu").knows(2027)
    assert await holidays.refresh_holiday_years(db, FORMS, elsewhere) == 0  # nothing new since
    started = ChainRegistry.from_packs(["gansu"])
    assert await holidays.load_holiday_years(db, started) == 1 and started.calendar("gansu").knows(2027)


async def test_a_year_an_open_deadline_falls_in_is_not_deleted(db: store.Database) -> None:
    admin, _ = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    await _submit_in_late_december(db, chains)
    await _save(db, chains, admin)

    refused = await holidays.delete_holiday_year(
        db, chains, FORMS, admin, pack="gansu", year=2027, expected=1
    )

    assert isinstance(refused, holidays.HolidayRefused)
    assert (
        "有1件未办结的申请" in refused.problems[0].message
        and "请直接改正后保存" in refused.problems[0].message
    )
    assert len(await stored.holiday_years(db)) == 1 and chains.calendar("gansu").knows(2027)


async def test_a_year_nothing_depends_on_is_deleted_and_forgotten(db: store.Database) -> None:
    admin, _ = await _admins(db)
    chains = ChainRegistry.from_packs(["gansu"])
    await _save(db, chains, admin)
    stale = await holidays.delete_holiday_year(db, chains, FORMS, admin, pack="gansu", year=2027, expected=2)
    assert isinstance(stale, holidays.HolidayStale)

    deleted = await holidays.delete_holiday_year(
        db, chains, FORMS, admin, pack="gansu", year=2027, expected=1
    )

    assert isinstance(deleted, holidays.HolidayDeleted)
    assert await stored.holiday_years(db) == [] and not chains.calendar("gansu").knows(2027)
    [entry] = (await audit_page(db, AuditFilter(action="holidays.delete"))).entries
    assert (entry.target, entry.detail) == ("gansu:2027", "删除了2027年第1版")
