"""Rate of rise and a short-horizon forecast of a gauge's water level.

Readings are ``(epoch seconds, level in m)`` points, oldest first. The rate of rise is the
least-squares slope over a trailing window, robust to a single noisy reading. The forecast
is Holt's linear exponential smoothing (level and trend) on the readings resampled to a
regular step, extrapolated ``horizon`` ahead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]


def rise_rate(points: Sequence[Point]) -> float | None:
    """Least-squares slope in metres per hour; None with fewer than two distinct times."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    slope = sum((t - mean_t) * (y - mean_y) for t, y in points) / spread
    return slope * 3600


def resample(points: Sequence[Point], step: float) -> list[float]:
    """Levels on a regular grid of ``step`` seconds ending at the newest reading (linear
    interpolation between readings); the grid starts at or after the oldest reading."""
    if not points or step <= 0:
        return []
    first, last = points[0][0], points[-1][0]
    count = math.floor((last - first) / step + 1e-9)
    grid = [last - k * step for k in range(count, -1, -1)]
    values: list[float] = []
    i = 0
    for t in grid:
        while i + 1 < len(points) and points[i + 1][0] <= t:
            i += 1
        t0, y0 = points[i]
        if i + 1 < len(points) and t > t0:
            t1, y1 = points[i + 1]
            values.append(y0 + (y1 - y0) * (t - t0) / (t1 - t0))
        else:
            values.append(y0)
    return values


def holt(series: Sequence[float], alpha: float, beta: float) -> tuple[float, float]:
    """Holt's level and trend (per step) after the last value.

    Starts from ``l0 = y0`` and ``b0 = y1 - y0``, then for each later value
    ``l = αy + (1-α)(l + b)`` and ``b = β(l - l_prev) + (1-β)b``."""
    if len(series) < 2:
        raise ValueError("Holt's method needs at least two values")
    level, trend = series[0], series[1] - series[0]
    for y in series[1:]:
        previous = level
        level = alpha * y + (1 - alpha) * (level + trend)
        trend = beta * (level - previous) + (1 - beta) * trend
    return level, trend


def forecast(
    points: Sequence[Point], *, step: float, horizon: float, alpha: float, beta: float
) -> float | None:
    """The level expected ``horizon`` seconds after the newest reading; None when the
    readings span less than one step."""
    series = resample(points, step)
    if len(series) < 2:
        return None
    level, trend = holt(series, alpha, beta)
    return level + trend * horizon / step
