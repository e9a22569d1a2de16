"""The statistics and export queries on a known set of applications, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao import store
from shenbao.china_time import CHINA
from shenbao.store.reports import (
    ApprovedApplication,
    RegionStatistics,
    SubRegionCount,
    approved_in_region,
    region_statistics,
    week_starts,
)
from tests.reports.known_set import TODAY, add_known_set
from tests.support.applications import Built

pytestmark = pytest.mark.anyio


async def _statistics(db: store.Database, region: str) -> RegionStatistics:
    return await region_statistics(db, region, today=TODAY, zone=CHINA)


def _weeks(statistics: RegionStatistics) -> dict[str, int]:
    """The weeks with submissions, by Monday."""
    return {week.starts_on.isoformat(): week.count for week in statistics.weeks if week.count}


async def _approved(
    db: store.Database, region: str, batch_size: int = 500
) -> list[list[ApprovedApplication]]:
    return [batch async for batch in approved_in_region(db, region, batch_size=batch_size)]


def test_weeks_start_on_monday_and_end_with_this_week() -> None:
    starts = week_starts(dt.date(2026, 6, 17), 12)
    assert starts[-1] == dt.date(2026, 6, 15) and starts[0] == dt.date(2026, 3, 30)
    assert all(day.weekday() == 0 for day in starts) and len(starts) == 12
    assert week_starts(dt.date(2026, 6, 15), 1) == [dt.date(2026, 6, 15)]  # a Monday is its own week's start


async def test_a_county_counts_its_subtree_and_nothing_else(db: store.Database) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "620102")
    assert (
        statistics.total == 7
    )  # not h (another county), i (another province), nor anything without a region
    assert statistics.by_status == {"submitted": 2, "in_progress": 2, "approved": 2, "refused": 1}
    assert statistics.overdue == 1  # a: its village step was due on 8 June; b, e and g are due on 23 June
    assert statistics.green == 1  # c; h is green too, but in another county
    assert statistics.sub_regions == (
        SubRegionCount(code="620102001", total=5, open=3, approved=2, overdue=1),
        SubRegionCount(code="620102002", total=2, open=1, approved=0, overdue=0),
    )


async def test_weeks_are_counted_in_china_time(db: store.Database) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "620102")
    assert [week.starts_on for week in statistics.weeks] == week_starts(TODAY, 12)
    # g at 23:59:59 on Sunday 14 June and b at 00:00 on Monday 15 June (China time) fall in different weeks;
    # f, submitted in March, is before the 12 weeks.
    assert _weeks(statistics) == {"2026-06-01": 4, "2026-06-08": 1, "2026-06-15": 1}


async def test_a_township_counts_by_village_and_keeps_the_answers_that_stop_at_the_township(
    db: store.Database,
) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "620102001")
    assert statistics.total == 5 and statistics.overdue == 1 and statistics.green == 1
    assert statistics.by_status == {"submitted": 2, "in_progress": 1, "approved": 2}
    assert statistics.sub_regions == (
        SubRegionCount(code="620102001", total=1, open=1, approved=0, overdue=0),  # g
        SubRegionCount(code="620102001001", total=2, open=2, approved=0, overdue=1),
        SubRegionCount(code="620102001002", total=2, open=0, approved=2, overdue=0),
    )


async def test_a_village_has_no_sub_regions(db: store.Database) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "620102001001")
    assert statistics.total == 2 and statistics.sub_regions == ()
    assert statistics.by_status == {"submitted": 1, "in_progress": 1}
    assert _weeks(statistics) == {"2026-06-01": 1, "2026-06-15": 1}


async def test_the_province_counts_by_city_without_other_provinces(db: store.Database) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "62")
    assert statistics.total == 8 and statistics.green == 2
    assert statistics.sub_regions == (SubRegionCount(code="6201", total=8, open=4, approved=3, overdue=1),)


async def test_an_empty_region_counts_zero(db: store.Database) -> None:
    await add_known_set(db)
    statistics = await _statistics(db, "620103002")
    assert statistics.total == 0 and statistics.by_status == {} and statistics.overdue == 0
    assert statistics.sub_regions == () and all(week.count == 0 for week in statistics.weeks)


async def test_a_region_code_must_be_digits(db: store.Database) -> None:
    with pytest.raises(ValueError, match="not a region code"):
        await _statistics(db, "")
    with pytest.raises(ValueError, match="not a region code"):
        await _approved(db, "62%")


async def test_the_export_reads_approved_applications_of_the_region_only(db: store.Database) -> None:
    seeded = await add_known_set(db)
    batches = await _approved(db, "620102")
    found = [application.receipt_number for batch in batches for application in batch]
    # c and d finished approved; e was approved by the county and waits for the national entry.
    # Not a, b, g (open), f (refused), h (another county).
    assert found == [seeded["c"].receipt, seeded["d"].receipt, seeded["e"].receipt]
    e = batches[-1][-1]
    assert e.status == "in_progress" and e.workflow_state is not None
    assert e.workflow_state["step"] == "national_entry"
    assert e.answers["name"] == "戊" and e.created_at.tzinfo is not None


@pytest.mark.parametrize("batch_size", [1, 2, 3])
async def test_the_export_reads_in_batches_without_losing_or_repeating_a_row(
    db: store.Database, batch_size: int
) -> None:
    seeded = await add_known_set(db)
    batches = await _approved(db, "62", batch_size=batch_size)
    assert all(len(batch) <= batch_size for batch in batches)
    found = [application.receipt_number for batch in batches for application in batch]
    expected: list[Built] = sorted(
        (seeded[key] for key in "cdeh"), key=lambda application: (application.region, application.id)
    )
    assert found == [application.receipt for application in expected]


async def test_a_village_without_approved_applications_exports_nothing(db: store.Database) -> None:
    await add_known_set(db)
    assert await _approved(db, "620102001001") == []
