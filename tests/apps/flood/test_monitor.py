"""The per-gauge monitor: which readings count, rise, forecast and held alert levels."""

from __future__ import annotations

import pytest

from dosi.apps.flood.monitor import FloodMonitor
from dosi.apps.flood.settings import FloodSettings, Thresholds

LEVELS = Thresholds(attention=1.0, warning=2.0, alarm=3.0)
KEY = ("", "urn:g")


def monitor(**overrides: object) -> FloodMonitor:
    plain = {"alpha": 1.0, "beta": 1.0, "step": "PT5M", "horizon": "PT5M", **overrides}
    return FloodMonitor(FloodSettings.model_validate(plain))


def test_only_new_readings_are_assessed() -> None:
    m = monitor()
    assert m.assess(KEY, 600.0, 0.5, LEVELS) is not None
    assert m.assess(KEY, 600.0, 0.5, LEVELS) is None  # the same reading again
    assert m.assess(KEY, 300.0, 0.4, LEVELS) is None  # older than the last one
    corrected = m.assess(KEY, 600.0, 0.6, LEVELS)  # a correction replaces the reading
    assert corrected is not None and corrected.value == 0.6
    assert m.window(KEY) == [(600.0, 0.6)]


def test_rise_needs_the_minimum_span() -> None:
    m = monitor()
    m.assess(KEY, 0.0, 1.0, LEVELS)
    quick = m.assess(KEY, 30.0, 1.01, LEVELS)
    assert quick is not None and quick.rise_rate is None and quick.forecast is None
    later = m.assess(KEY, 300.0, 1.1, LEVELS)
    assert later is not None and later.rise_rate is not None and later.rise_rate > 0


def test_the_forecast_raises_the_alert_before_the_level_does() -> None:
    m = monitor()
    m.assess(KEY, 0.0, 0.5, LEVELS)
    rising = m.assess(KEY, 300.0, 0.9, LEVELS)
    assert rising is not None
    assert rising.forecast == pytest.approx(1.3)
    assert (rising.level, rising.alert, rising.previous_alert) == (0, 1, 0)


def test_seeding_keeps_the_window_and_the_rated_level() -> None:
    m = monitor(fit_window="PT1H", rise_window="PT30M")
    m.seed(KEY, [(7200.0, 2.5), (0.0, 9.9), (6900.0, 2.4)], level=2)
    assert m.window(KEY) == [(6900.0, 2.4), (7200.0, 2.5)]  # older than the window: dropped
    within_band = m.assess(KEY, 7500.0, 1.95, LEVELS)
    assert within_band is not None and within_band.level == 2  # hysteresis from the seed
