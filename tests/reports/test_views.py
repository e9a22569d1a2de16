"""The statistics page's chart geometry and table rows, from counts alone."""

from __future__ import annotations

import datetime as dt

from shenbao.store.reports import RegionStatistics, SubRegionCount, WeekCount, week_starts
from shenbao.web.staff.report_views import status_rows, sub_region_rows, week_chart
from tests.support.packs import gansu_divisions

TODAY = dt.date(2026, 6, 17)


def _weeks(*counts: int) -> list[WeekCount]:
    return [
        WeekCount(starts_on=day, count=count)
        for day, count in zip(week_starts(TODAY, len(counts)), counts, strict=True)
    ]


def test_the_busiest_week_reaches_the_top_and_the_others_scale() -> None:
    chart = week_chart(_weeks(0, 10, 5, 1, 0, 0, 0, 0, 0, 0, 200, 3))
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.value == 200 and tallest.y == 22.0 and tallest.y + tallest.height == chart.baseline
    ten = chart.bars[1]
    assert ten.height == round((chart.baseline - 22.0) * 10 / 200, 1)
    assert chart.bars[0].height == 0 and chart.bars[0].y == chart.baseline
    assert chart.bars[3].height >= 2  # one application beside 200 still shows a bar


def test_bars_fit_the_width_in_order_without_overlapping() -> None:
    chart = week_chart(_weeks(*range(12)))
    assert len(chart.bars) == 12
    for left, right in zip(chart.bars, chart.bars[1:], strict=False):
        assert left.x + left.width < right.x
    assert chart.bars[0].x >= 0 and chart.bars[-1].x + chart.bars[-1].width <= chart.width


def test_every_other_week_is_labelled_ending_with_this_week() -> None:
    chart = week_chart(_weeks(*[1] * 12))
    labels = [bar.label for bar in chart.bars]
    assert labels[-1] == "6/15" and labels[-2] == "" and labels[-3] == "6/1" and labels[0] == ""
    assert [bar.current for bar in chart.bars] == [False] * 11 + [True]


def test_the_description_says_every_number() -> None:
    chart = week_chart(_weeks(0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2))
    assert chart.title == "近12周每周提交的申请数"
    assert "6月1日起的一周4份" in chart.description and "6月8日起的一周1份" in chart.description
    assert "本周（6月15日起，还没过完）2份" in chart.description
    assert chart.description.count("份") == 12


def test_a_chart_of_nothing_draws_flat_bars() -> None:
    chart = week_chart(_weeks(*[0] * 12))
    assert all(bar.height == 0 for bar in chart.bars)


def test_statuses_come_in_chain_order_with_zeros_and_unknown_ones_last() -> None:
    labels = {"submitted": "待受理", "in_progress": "办理中", "approved": "已批准", "refused": "未通过"}
    rows = status_rows({"approved": 2, "archived": 1, "submitted": 3}, labels)
    assert [(row.status, row.label, row.count) for row in rows] == [
        ("submitted", "待受理", 3),
        ("in_progress", "办理中", 0),
        ("approved", "已批准", 2),
        ("refused", "未通过", 0),
        ("archived", "archived", 1),
    ]


def _statistics(region: str, *counts: SubRegionCount) -> RegionStatistics:
    return RegionStatistics(
        region_code=region, total=0, by_status={}, overdue=0, green=0, weeks=(), sub_regions=counts
    )


def test_every_township_of_a_county_is_listed_with_its_name_and_zeros() -> None:
    divisions = gansu_divisions()
    townships = divisions.children("620102")
    counted = SubRegionCount(code=townships[1].code, total=4, open=1, approved=3, overdue=1)
    rows = sub_region_rows(_statistics("620102", counted), divisions)
    assert [row.code for row in rows] == [township.code for township in townships]
    assert rows[0].name == townships[0].name and rows[0].total == 0
    assert (rows[1].name, rows[1].total, rows[1].open, rows[1].approved, rows[1].overdue) == (
        townships[1].name,
        4,
        1,
        3,
        1,
    )


def test_answers_that_stop_at_the_township_are_a_row_of_their_own() -> None:
    divisions = gansu_divisions()
    stopped = SubRegionCount(code="620102001", total=2, open=2, approved=0, overdue=0)
    unknown = SubRegionCount(code="620102001999", total=1, open=1, approved=0, overdue=0)
    rows = sub_region_rows(_statistics("620102001", stopped, unknown), divisions)
    villages = divisions.children("620102001")
    assert [row.code for row in rows[: len(villages)]] == [village.code for village in villages]
    assert [(row.code, row.name, row.total) for row in rows[len(villages) :]] == [
        ("620102001", "未选到村（居）", 2),
        ("620102001999", "620102001999", 1),  # a code the division data does not know
    ]


def test_a_village_has_no_sub_region_rows() -> None:
    assert sub_region_rows(_statistics("620102001001"), gansu_divisions()) == []
