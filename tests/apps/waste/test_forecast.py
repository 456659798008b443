"""Fill-rate estimation and threshold prediction on synthetic saw-tooth series."""

from __future__ import annotations

import random
from datetime import date

import pytest

from dosi.apps.waste.forecast import Calendar, FillModel, fit, segments, theil_sen

UTC_CAL = Calendar(0.0)
#: A Monday, 00:00 UTC.
T0 = 1_793_577_600.0
HOUR = 3600.0


def sawtooth(
    rate_per_day: float,
    *,
    days: int,
    empty_at: float = 0.75,
    noise: float = 0.0,
    outliers: int = 0,
    seed: int = 1,
    factor: dict[int, float] | None = None,
    per_hour: int = 1,
) -> tuple[list[float], list[float]]:
    """Readings every hour/per_hour; emptied (reset to ~0.02) whenever over ``empty_at``."""
    rng = random.Random(seed)
    times, values = [], []
    level = 0.1
    step = HOUR / per_hour
    for i in range(days * 24 * per_hour):
        t = T0 + i * step
        day = UTC_CAL.day(t)
        rate = rate_per_day * (factor or {}).get(day.weekday(), 1.0)
        level += rate * step / 86_400
        if level > empty_at:
            level = rng.uniform(0.0, 0.04)
        times.append(t)
        values.append(level + rng.gauss(0, noise) if noise else level)
    for _ in range(outliers):
        k = rng.randrange(len(values))
        values[k] = rng.choice((0.0, 1.0, values[k] + 0.4))
    return times, values


def test_theil_sen_ignores_an_outlier() -> None:
    points = [(float(x), 2.0 * x + 1) for x in range(10)]
    points[4] = (4.0, 100.0)
    assert theil_sen(points) == pytest.approx(2.0)
    assert theil_sen([(0.0, 1.0)]) == 0.0


def test_segments_cut_at_resets() -> None:
    times, values = sawtooth(0.5, days=6)
    parts = segments(times, values)
    assert len(parts) >= 3
    for part in parts:
        levels = [v for _, v in part]
        assert levels == sorted(levels)  # rising within a segment


@pytest.mark.parametrize("rate", [0.2, 0.45, 0.9])
def test_rate_with_resets_and_noise(rate: float) -> None:
    times, values = sawtooth(rate, days=10, noise=0.03, outliers=6, per_hour=4)
    model = fit(times, values, UTC_CAL)
    assert model is not None
    assert model.rate == pytest.approx(rate, rel=0.1)
    assert model.at == times[-1]


def test_weekday_effect_is_learned() -> None:
    weekend = {5: 2.0, 6: 2.0}
    times, values = sawtooth(0.3, days=28, noise=0.01, factor=weekend)
    model = fit(times, values, UTC_CAL)
    assert model is not None
    saturday = date(2026, 11, 7)
    wednesday = date(2026, 11, 4)
    ratio = model.rate_on(saturday, UTC_CAL) / model.rate_on(wednesday, UTC_CAL)
    assert 1.5 < ratio < 2.5


def test_flat_factors_when_history_is_short() -> None:
    times, values = sawtooth(0.3, days=2)
    model = fit(times, values, UTC_CAL)
    assert model is not None
    assert set(model.factors) == {1.0}


def test_too_little_history() -> None:
    assert fit([], [], UTC_CAL) is None
    assert fit([T0, T0 + HOUR], [0.1, 0.11], UTC_CAL) is None


def test_crossing_time() -> None:
    model = FillModel(level=0.2, at=T0, rate=0.3)
    crossing = model.crossing(0.8, UTC_CAL)
    assert crossing == pytest.approx(T0 + 2 * 86_400)
    assert model.level_at(T0 + 86_400, UTC_CAL) == pytest.approx(0.5)
    assert model.level_at(T0 + 10 * 86_400, UTC_CAL) == 1.0
    assert FillModel(level=0.9, at=T0, rate=0.1).crossing(0.8, UTC_CAL) == T0
    assert FillModel(level=0.1, at=T0, rate=0.0).crossing(0.8, UTC_CAL) is None


def test_crossing_follows_day_factors_and_holidays() -> None:
    # Friday 00:00; weekend days fill twice as fast; Monday is a holiday (like a day off)
    friday = T0 + 4 * 86_400
    holiday = date(2026, 11, 9)
    calendar = Calendar(0.0, frozenset({holiday}))
    factors = (1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0)
    model = FillModel(level=0.0, at=friday, rate=0.2, factors=factors)
    # Fri 0.2, Sat 0.4, Sun 0.4 → 1.0 at the end of Sunday
    assert model.crossing(1.0, calendar) == pytest.approx(friday + 3 * 86_400)
    assert model.rate_on(holiday, calendar) == pytest.approx(0.4)


def test_local_days_follow_the_utc_offset() -> None:
    seoul = Calendar(9.0)
    assert seoul.day(T0 - 8 * HOUR) == date(2026, 11, 2)  # Sunday 16:00 UTC = Monday 01:00
    assert seoul.day_start(date(2026, 11, 2)) == T0 - 9 * HOUR
