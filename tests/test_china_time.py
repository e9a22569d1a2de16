"""China time: stored moments are UTC; what a person reads, and "today", are in China (UTC+8)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from shenbao import china_time
from shenbao.china_time import CHINA, SECONDS, SHORT, china_zone, format_china, to_china, today

INSTANT = dt.datetime(2026, 12, 4, 14, 30, 5, tzinfo=dt.UTC)


def test_an_aware_moment_is_shown_eight_hours_later() -> None:
    assert to_china(INSTANT) == dt.datetime(2026, 12, 4, 22, 30, 5, tzinfo=CHINA)
    assert format_china(INSTANT) == "2026-12-04 22:30"


def test_a_naive_moment_from_the_database_is_utc() -> None:
    assert format_china(INSTANT.replace(tzinfo=None)) == "2026-12-04 22:30"


def test_a_moment_in_another_zone_is_converted_too() -> None:
    assert format_china(INSTANT.astimezone(dt.timezone(dt.timedelta(hours=-5)))) == "2026-12-04 22:30"


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [(SECONDS, "2026-12-04 22:30:05"), (SHORT, "12-04 22:30"), ("%Y-%m-%d", "2026-12-04")],
)
def test_the_formats_people_read(pattern: str, shown: str) -> None:
    assert format_china(INSTANT, pattern) == shown


def test_no_moment_shows_nothing() -> None:
    assert format_china(None) == ""


def test_after_four_in_the_afternoon_utc_it_is_already_tomorrow_in_china() -> None:
    with time_machine.travel(dt.datetime(2026, 12, 4, 16, 30, tzinfo=dt.UTC), tick=False):
        assert today() == dt.date(2026, 12, 5)
        assert china_time.now().hour == 0 and china_time.now().utcoffset() == dt.timedelta(hours=8)


def test_without_a_time_zone_database_it_is_the_fixed_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(china_time, "ZoneInfo", missing)
    fixed = china_zone()
    assert fixed == dt.timezone(dt.timedelta(hours=8))
    assert INSTANT.astimezone(fixed).strftime("%H:%M") == "22:30"
