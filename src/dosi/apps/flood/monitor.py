"""Per-gauge reading windows and the assessment of each new reading.

The monitor keeps, per (tenant, gauge), the readings of the trailing window in memory
(seeded from the temporal history at start) and two held ranks: the level of the current
reading, and the alert level (the worse of the current and the forecast level) that the
last signal announced. It does no I/O, so it is tested without a platform.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from dosi.apps.flood.levels import held
from dosi.apps.flood.settings import FloodSettings, Thresholds
from dosi.apps.flood.trend import Point, forecast, rise_rate

#: Most readings kept per gauge whatever the window (a gauge reporting every second).
MAX_POINTS = 20_000

GaugeKey = tuple[str, str]  # (tenant, entity id)


@dataclass
class GaugeState:
    points: deque[Point] = field(default_factory=lambda: deque(maxlen=MAX_POINTS))
    level: int = 0
    alert: int = 0


@dataclass(frozen=True)
class Assessment:
    """What one reading means: ranks index ``LEVELS``; rise in m/h, forecast in m."""

    at: float
    value: float
    level: int
    alert: int
    previous_alert: int
    rise_rate: float | None
    forecast: float | None


class FloodMonitor:
    def __init__(self, settings: FloodSettings) -> None:
        self.settings = settings
        self._keep = max(settings.fit_window, settings.rise_window).total_seconds()
        self._gauges: dict[GaugeKey, GaugeState] = {}

    def seed(self, key: GaugeKey, points: Iterable[Point], *, level: int = 0) -> None:
        """Load past readings (any order) and the level the gauge was last rated at."""
        state = self._gauges.setdefault(key, GaugeState())
        merged = dict(state.points)
        merged.update(points)
        state.points.clear()
        state.points.extend(sorted(merged.items()))
        if state.points:
            self._prune(state, state.points[-1][0])
        state.level = level

    def window(self, key: GaugeKey) -> list[Point]:
        state = self._gauges.get(key)
        return list(state.points) if state else []

    def assess(
        self, key: GaugeKey, at: float, value: float, thresholds: Thresholds
    ) -> Assessment | None:
        """Rate a reading; None when it is not new (older, or the one already seen)."""
        state = self._gauges.setdefault(key, GaugeState())
        points = state.points
        if points:
            last_at, last_value = points[-1]
            if at < last_at or (at == last_at and value == last_value):
                return None
            if at == last_at:
                points.pop()  # a corrected reading replaces the one it corrects
        points.append((at, value))
        self._prune(state, at)
        settings = self.settings
        fit_from = at - settings.fit_window.total_seconds()
        expected = forecast(
            [p for p in points if p[0] >= fit_from],
            step=settings.step.total_seconds(),
            horizon=settings.horizon.total_seconds(),
            alpha=settings.alpha,
            beta=settings.beta,
        )
        worst = value if expected is None else max(value, expected)
        previous = state.alert
        state.level = held(value, thresholds, state.level, settings.hysteresis)
        state.alert = held(worst, thresholds, state.alert, settings.hysteresis)
        return Assessment(
            at=at,
            value=value,
            level=state.level,
            alert=state.alert,
            previous_alert=previous,
            rise_rate=self._rise(points, at),
            forecast=expected,
        )

    def _rise(self, points: Iterable[Point], now: float) -> float | None:
        recent = [p for p in points if p[0] >= now - self.settings.rise_window.total_seconds()]
        if not recent or now - recent[0][0] < self.settings.rise_min_span.total_seconds():
            return None
        return rise_rate(recent)

    def _prune(self, state: GaugeState, now: float) -> None:
        while state.points and state.points[0][0] < now - self._keep:
            state.points.popleft()
