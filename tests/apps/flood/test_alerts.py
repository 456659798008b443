"""Signals built from assessments: severity, clear, titles and the affected area."""

from __future__ import annotations

from typing import Any

from shapely.geometry import Point, shape

from dosi.apps.flood.alerts import affected_area, signal_for
from dosi.apps.flood.monitor import Assessment
from dosi.apps.flood.settings import FloodSettings, Thresholds

GAUGE: dict[str, Any] = {
    "id": "urn:g",
    "stationID": {"type": "Property", "value": "RG-SE-000"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [127.2, 36.5]}},
}
LEVELS = Thresholds(attention=1.0, warning=2.0, alarm=3.0)
AREA = {
    "type": "Polygon",
    "coordinates": [[[127.0, 36.0], [128.0, 36.0], [128.0, 37.0], [127.0, 37.0], [127.0, 36.0]]],
}


def assessment(alert: int, previous: int, forecast: float | None = None) -> Assessment:
    return Assessment(
        at=1_800_000_000.0,
        value=2.5,
        level=alert,
        alert=alert,
        previous_alert=previous,
        rise_rate=0.3,
        forecast=forecast,
    )


def test_no_change_no_signal() -> None:
    assert signal_for(GAUGE, "", assessment(2, 2), LEVELS, FloodSettings()) is None


def test_rise_fall_and_clear() -> None:
    settings = FloodSettings()
    up = signal_for(GAUGE, "t1", assessment(3, 1, forecast=3.4), LEVELS, settings)
    assert up is not None
    assert (up.severity, up.clear, up.tenant, up.key) == (
        "critical",
        False,
        "t1",
        "app:flood:urn:g",
    )
    assert up.title["en"] == (
        "RG-SE-000: flood alarm level reached (2.50 m), forecast 3.40 m in 60 min"
    )
    assert up.readings["thresholds"] == {"attention": 1.0, "warning": 2.0, "alarm": 3.0}
    down = signal_for(GAUGE, "", assessment(1, 3), LEVELS, settings)
    assert down is not None and (down.severity, down.clear) == ("warning", False)
    clear = signal_for(GAUGE, "", assessment(0, 2, forecast=0.5), LEVELS, settings)
    assert clear is not None and (clear.severity, clear.clear) == ("major", True)
    assert clear.title["en"] == "RG-SE-000: river level back to normal (2.50 m)"
    assert clear.observed_at.isoformat() == "2027-01-15T08:00:00+00:00"


def test_the_configured_area_wins_over_the_buffer() -> None:
    configured = FloodSettings.model_validate({"gauges": {"urn:g": {"area": AREA}}})
    assert affected_area(GAUGE, configured) == AREA
    around = affected_area(GAUGE, FloodSettings(buffer_m=250))
    assert around is not None and shape(around).contains(Point(127.2, 36.5))
    assert not shape(around).contains(Point(127.21, 36.5))  # about 900 m east
    assert affected_area({"id": "urn:nowhere"}, FloodSettings()) is None
