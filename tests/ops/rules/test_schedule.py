"""Active windows: days, crossing midnight, time zones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dosi.ops.rules.model import Schedule
from dosi.ops.rules.schedule import is_active

SEOUL = ZoneInfo("Asia/Seoul")


def at(text: str, zone: ZoneInfo = SEOUL) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


NIGHTS = Schedule.model_validate(
    {
        "timezone": "Asia/Seoul",
        "windows": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "22:00", "end": "06:00"}
        ],
    }
)


@pytest.mark.parametrize(
    ("moment", "active"),
    [
        ("2026-11-23T21:59:59", False),  # Monday evening, before
        ("2026-11-23T22:00:00", True),
        ("2026-11-24T05:59:00", True),  # Tuesday morning belongs to Monday's night
        ("2026-11-24T06:00:00", False),
        ("2026-11-27T23:30:00", True),  # Friday night
        ("2026-11-28T03:00:00", True),  # ... runs into Saturday morning
        ("2026-11-28T23:00:00", False),  # Saturday night is not listed
        ("2026-11-30T02:00:00", False),  # Monday 02:00 belongs to Sunday's night
        ("2026-11-25T12:00:00", False),
    ],
)
def test_night_window_crossing_midnight(moment: str, active: bool) -> None:
    assert is_active(NIGHTS, None, at(moment)) is active


def test_time_zone_is_the_rules() -> None:
    # 13:00 UTC on Monday is 22:00 in Seoul (active) and 14:00 in Paris
    moment = at("2026-11-23T13:00:00", ZoneInfo("UTC"))
    assert is_active(NIGHTS, None, moment)
    paris = NIGHTS.model_copy(update={"timezone": "Europe/Paris"})
    assert not is_active(paris, None, moment)


def test_daytime_window_and_whole_day() -> None:
    office = Schedule.model_validate({"windows": [{"start": "09:00", "end": "18:00"}]})
    assert is_active(office, None, at("2026-11-29T09:00:00", ZoneInfo("UTC")))
    assert not is_active(office, None, at("2026-11-29T18:00:00", ZoneInfo("UTC")))
    sundays = Schedule.model_validate(
        {"windows": [{"days": ["sun"], "start": "00:00", "end": "00:00"}]}
    )
    assert is_active(sundays, None, at("2026-11-29T23:59:00", ZoneInfo("UTC")))
    assert not is_active(sundays, None, at("2026-11-30T00:00:00", ZoneInfo("UTC")))
    assert is_active(None, None, 0.0)
