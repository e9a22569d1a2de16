"""What the statistics page shows, computed from the counts: the weekly bar chart's geometry and the table rows.

Pure: the template draws the chart as inline SVG from :class:`BarChart` (no script, no chart library), so it
is sharp on any screen, weighs a few hundred bytes and reads the same to a screen reader through its
``<title>``, its ``<desc>`` and the table of the same numbers beneath it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from shenbao.regions import LEVEL_LABELS, LEVELS, Divisions, level_of
from shenbao.statuses import STATUSES, status_label
from shenbao.store.reports import RegionStatistics, SubRegionCount, WeekCount

__all__ = [
    "Bar",
    "BarChart",
    "StatusRow",
    "SubRegionRow",
    "status_rows",
    "sub_region_rows",
    "week_chart",
]

# The chart's coordinate system (the SVG's viewBox): as wide as a 390px phone's content column, so one unit is
# about one CSS pixel there and text of 12 units stays readable; wider screens scale it up.
WIDTH = 340.0
HEIGHT = 190.0
_TOP = 22.0
"""Room above the tallest bar for its number."""
_BASELINE = 160.0
_SIDE = 4.0
_BAR_SHARE = 0.66
"""The share of its slot a bar fills; the rest is the gap to the next bar."""


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    """One week's bar: its rectangle, its number above it, and the date below it (every other week)."""

    x: float
    y: float
    width: float
    height: float
    centre: float
    value: int
    label: str
    """The week's Monday as ``11/24``; empty for the weeks left unlabelled so the dates do not collide."""
    current: bool
    """The week not over yet (drawn lighter)."""


class BarChart(msgspec.Struct, frozen=True, kw_only=True):
    """A bar chart of submissions per week, and its text for screen readers."""

    width: float
    height: float
    baseline: float
    bars: tuple[Bar, ...]
    title: str
    description: str


def _day(week: WeekCount) -> str:
    return f"{week.starts_on.month}月{week.starts_on.day}日"


def week_chart(weeks: Sequence[WeekCount]) -> BarChart:
    """The bars of the weekly submissions, scaled so the busiest week reaches the top.

    Args:
        weeks: counts oldest first; the last is the current week.

    Returns:
        The chart, with a title and a description that say every number.
    """
    slot = (WIDTH - 2 * _SIDE) / max(len(weeks), 1)
    tallest = max((week.count for week in weeks), default=0)
    room = _BASELINE - _TOP
    bars = []
    for index, week in enumerate(weeks):
        height = room * week.count / tallest if tallest else 0.0
        if week.count and height < 2:
            height = 2.0  # a week with a few applications beside a busy one must still show a bar
        width = slot * _BAR_SHARE
        x = _SIDE + index * slot + (slot - width) / 2
        last = index == len(weeks) - 1
        labelled = (len(weeks) - 1 - index) % 2 == 0  # every other week, counting back from this one
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(_BASELINE - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                centre=round(x + width / 2, 1),
                value=week.count,
                label=f"{week.starts_on.month}/{week.starts_on.day}" if labelled else "",
                current=last,
            )
        )
    title = f"近{len(weeks)}周每周提交的申请数"
    parts = [f"{_day(week)}起的一周{week.count}份" for week in weeks[:-1]]
    if weeks:
        parts.append(f"本周（{_day(weeks[-1])}起，还没过完）{weeks[-1].count}份")
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        baseline=_BASELINE,
        bars=tuple(bars),
        title=title,
        description="；".join(parts) + "。" if parts else "没有数据。",
    )


class StatusRow(msgspec.Struct, frozen=True, kw_only=True):
    """One status and its count."""

    status: str
    label: str
    count: int


def status_rows(by_status: Mapping[str, int], labels: Mapping[str, str] | None = None) -> list[StatusRow]:
    """Every status of the chain (zeros included) in the chain's order, then any other status found.

    ``labels`` names them (default: the staff's words, :data:`~shenbao.statuses.STATUS_LABELS`).
    """
    ordered = [*STATUSES, *sorted(set(by_status) - set(STATUSES))]
    return [
        StatusRow(
            status=status,
            label=labels.get(status, status) if labels is not None else status_label(status),
            count=by_status.get(status, 0),
        )
        for status in ordered
    ]


class SubRegionRow(msgspec.Struct, frozen=True, kw_only=True):
    """A division one level down (or the applications that stop above that level) and its counts."""

    code: str
    name: str
    total: int
    open: int
    approved: int
    overdue: int


def sub_region_rows(statistics: RegionStatistics, divisions: Divisions) -> list[SubRegionRow]:
    """The divisions one level below the region, each with its counts (zeros for those with none), in code order.

    Applications whose region stops at the staff member's own level (a 2021 questionnaire asks down to the
    township; a township account counts by village) come last as "未选到村（居）"; a code the division data
    does not know is shown as the code.
    """
    counted = {row.code: row for row in statistics.sub_regions}
    children = divisions.children(statistics.region_code) if statistics.region_code in divisions else []
    rows = [_row(child.code, child.name, counted.pop(child.code, None)) for child in children]
    level = level_of(statistics.region_code)
    below = LEVELS[LEVELS.index(level) + 1] if level is not None and level != LEVELS[-1] else None
    for code, count in sorted(counted.items()):
        division = divisions.get(code)
        if below is not None and code == statistics.region_code:
            name = f"未选到{LEVEL_LABELS[below]}"
        else:
            name = division.name if division is not None else code
        rows.append(_row(code, name, count))
    return rows


def _row(code: str, name: str, count: SubRegionCount | None) -> SubRegionRow:
    if count is None:
        return SubRegionRow(code=code, name=name, total=0, open=0, approved=0, overdue=0)
    return SubRegionRow(
        code=code,
        name=name,
        total=count.total,
        open=count.open,
        approved=count.approved,
        overdue=count.overdue,
    )
