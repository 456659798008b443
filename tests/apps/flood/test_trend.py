"""Rate of rise, resampling and Holt's forecast against hand-computed values."""

from __future__ import annotations

import pytest

from dosi.apps.flood.trend import forecast, holt, resample, rise_rate


def test_rise_rate_is_the_least_squares_slope_per_hour() -> None:
    # 0.1 m per 5 minutes = 1.2 m/h
    assert rise_rate([(0, 1.0), (300, 1.1), (600, 1.2)]) == pytest.approx(1.2)
    # t = 0,1,2,3 steps of 300 s, y = 1,1,1,1.3: slope 0.45 / 5 = 0.09 m per step
    points = [(0.0, 1.0), (300.0, 1.0), (600.0, 1.0), (900.0, 1.3)]
    assert rise_rate(points) == pytest.approx(0.09 * 12)
    assert rise_rate([(0, 2.0), (3600, 1.0)]) == pytest.approx(-1.0)


def test_rise_rate_needs_two_times() -> None:
    assert rise_rate([]) is None
    assert rise_rate([(0, 1.0)]) is None
    assert rise_rate([(5, 1.0), (5, 1.2)]) is None


def test_holt_hand_example() -> None:
    # α = 0.5, β = 0.3, y = 1.0, 1.2, 1.5, 1.7
    # l0 = 1.0, b0 = 0.2
    # l1 = .5·1.2 + .5·(1.0 + .2)   = 1.2     b1 = .3·(1.2 - 1.0) + .7·.2     = 0.2
    # l2 = .5·1.5 + .5·(1.2 + .2)   = 1.45    b2 = .3·(1.45 - 1.2) + .7·.2    = 0.215
    # l3 = .5·1.7 + .5·(1.45 + .215) = 1.6825 b3 = .3·(1.6825 - 1.45) + .7·.215 = 0.22025
    level, trend = holt([1.0, 1.2, 1.5, 1.7], 0.5, 0.3)
    assert level == pytest.approx(1.6825)
    assert trend == pytest.approx(0.22025)
    # two steps ahead: 1.6825 + 2 · 0.22025 = 2.123
    points = [(0.0, 1.0), (600.0, 1.2), (1200.0, 1.5), (1800.0, 1.7)]
    assert forecast(points, step=600, horizon=1200, alpha=0.5, beta=0.3) == pytest.approx(2.123)


def test_holt_needs_two_values() -> None:
    with pytest.raises(ValueError):
        holt([1.0], 0.5, 0.5)
    assert forecast([(0.0, 1.0)], step=300, horizon=3600, alpha=0.5, beta=0.5) is None
    assert forecast([(0.0, 1.0), (100.0, 2.0)], step=300, horizon=60, alpha=1, beta=1) is None


def test_resample_interpolates_onto_a_grid_ending_at_the_newest_reading() -> None:
    points = [(0.0, 0.0), (250.0, 1.0), (700.0, 2.0), (1000.0, 2.0)]
    # grid 100, 400, 700, 1000 (the oldest whole step inside the readings is 100)
    expected = [0.4, 1.0 + 150 / 450, 2.0, 2.0]
    assert resample(points, 300) == pytest.approx(expected)
    assert resample([], 300) == []
    assert resample([(5.0, 1.0)], 300) == [1.0]


def test_a_steady_rise_is_extrapolated() -> None:
    points = [(t * 300.0, 1.0 + 0.05 * t) for t in range(12)]
    assert forecast(points, step=300, horizon=3600, alpha=0.5, beta=0.3) == pytest.approx(
        1.55 + 0.6
    )
