"""Report periods from the ``period`` parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dosi.apps.kpi.period import parse_period
from dosi.errors import BadRequestData

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


def test_duration_ends_now() -> None:
    assert parse_period("P7D", now=NOW, zone=UTC) == (NOW - timedelta(days=7), NOW)
    assert parse_period("PT12H", now=NOW, zone=UTC) == (NOW - timedelta(hours=12), NOW)


def test_intervals() -> None:
    start, end = parse_period("2026-11-01T00:00:00Z/2026-11-08T00:00:00Z", now=NOW, zone=UTC)
    assert (start, end) == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))
    start, end = parse_period("2026-11-01T00:00:00+09:00/P1D", now=NOW, zone=UTC)
    assert end - start == timedelta(days=1)
    assert start == datetime(2026, 10, 31, 15, tzinfo=UTC)


def test_calendar_periods_in_the_city_zone() -> None:
    start, end = parse_period("2026-11", now=NOW, zone=SEOUL)
    assert start == datetime(2026, 11, 1, tzinfo=SEOUL)
    assert end == datetime(2026, 12, 1, tzinfo=SEOUL)
    assert start.astimezone(UTC) == datetime(2026, 10, 31, 15, tzinfo=UTC)
    assert parse_period("2026-12", now=NOW, zone=UTC)[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_period("2026", now=NOW, zone=UTC) == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert parse_period("2026-02-28", now=NOW, zone=UTC)[1] == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", "P", "7D", "P0D", "yesterday", "2026-13", "2026-02-30", "2026-11-08T00:00Z/2026-11-01"],
)
def test_bad_periods(text: str) -> None:
    with pytest.raises(BadRequestData):
        parse_period(text, now=NOW, zone=UTC)
