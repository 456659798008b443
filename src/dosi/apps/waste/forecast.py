"""Fill-level forecasting: a robust fill rate per bin and when it reaches a threshold.

A bin's history is a saw-tooth: the level climbs, then drops when the bin is emptied.
The history is cut into segments at every drop (a collection), and the rate is the
median of slopes between samples about a day apart inside one segment: a Theil–Sen
estimator restricted to day-long pairs, so the daily activity profile cancels out and a
noisy or stuck reading moves the median very little. When the history holds enough
pairs for each weekday (or at least for workdays and days off), the rate gets one
factor per weekday; holidays count as days off unless they were seen often enough.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dosi.apps.waste.const import RESET_DROP, SECONDS_PER_DAY

#: Pairs a weekday (or a class of days) needs before it gets its own factor.
MIN_PAIRS = 3
#: Samples closer than this after a collection are not paired (the bin may still be open).
MIN_SEGMENT_SECONDS = 3 * 3600.0
#: Readings this close to full are left out of slopes: a full bin stops rising.
SATURATED = 0.98
HOLIDAY = 7


@dataclass(frozen=True, slots=True)
class Calendar:
    """Local days of a city: UTC offset (hours) and public holidays."""

    utc_offset: float = 0.0
    holidays: frozenset[date] = frozenset()

    def day(self, t: float) -> date:
        return (datetime.fromtimestamp(t, UTC) + timedelta(hours=self.utc_offset)).date()

    def day_start(self, day: date) -> float:
        """Epoch seconds of local midnight starting ``day``."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return midnight.timestamp() - self.utc_offset * 3600

    def day_class(self, day: date) -> int:
        """0-6 for Monday-Sunday, ``HOLIDAY`` for a public holiday."""
        return HOLIDAY if day in self.holidays else day.weekday()

    def is_day_off(self, day: date) -> bool:
        return day.weekday() >= 5 or day in self.holidays


@dataclass(frozen=True, slots=True)
class FillModel:
    """A bin's fitted fill behaviour: ``level`` at epoch ``at`` and its daily rate.

    ``rate`` is the median fill added per day (fraction/day); ``factors`` scale it per
    day class (Monday..Sunday, then holidays)."""

    level: float
    at: float
    rate: float
    factors: tuple[float, ...] = (1.0,) * 8
    pairs: int = 0

    def rate_on(self, day: date, calendar: Calendar) -> float:
        return self.rate * self.factors[calendar.day_class(day)]

    def level_at(self, t: float, calendar: Calendar) -> float:
        """Predicted fill at ``t`` (capped at 1: a full bin stays full)."""
        level, now = self.level, self.at
        while now < t and level < 1.0:
            day = calendar.day(now)
            end = min(t, calendar.day_start(day + timedelta(days=1)))
            level += self.rate_on(day, calendar) * (end - now) / SECONDS_PER_DAY
            now = end
        return min(1.0, level)

    def crossing(
        self, threshold: float, calendar: Calendar, horizon_days: int = 90
    ) -> float | None:
        """Epoch seconds when the level reaches ``threshold`` (``at`` if it already did);
        None when it does not within ``horizon_days``."""
        if self.level >= threshold:
            return self.at
        level, now = self.level, self.at
        for _ in range(horizon_days + 1):
            day = calendar.day(now)
            end = calendar.day_start(day + timedelta(days=1))
            per_second = self.rate_on(day, calendar) / SECONDS_PER_DAY
            if per_second > 0 and level + per_second * (end - now) >= threshold:
                return now + (threshold - level) / per_second
            level += per_second * (end - now)
            now = end
        return None


def segments(
    times: Sequence[float], values: Sequence[float], drop: float = RESET_DROP
) -> list[list[tuple[float, float]]]:
    """Cut a time-ordered series where the level drops by more than ``drop`` (a reset)."""
    out: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for t, v in zip(times, values, strict=True):
        if current and v < current[-1][1] - drop:
            out.append(current)
            current = []
        current.append((t, v))
    if current:
        out.append(current)
    return out


def hourly(times: Sequence[float], values: Sequence[float]) -> tuple[list[float], list[float]]:
    """One sample per hour (the median of the hour's readings, at their median time):
    fewer points to pair, and a single bad reading no longer stands alone."""
    buckets: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for t, v in zip(times, values, strict=True):
        if math.isfinite(v):
            buckets[int(t // 3600)].append((t, v))
    out_t: list[float] = []
    out_v: list[float] = []
    for key in sorted(buckets):
        items = buckets[key]
        if len(items) == 1:
            out_t.append(items[0][0])
            out_v.append(items[0][1])
        else:
            out_t.append(statistics.median(t for t, _ in items))
            out_v.append(statistics.median(v for _, v in items))
    return out_t, out_v


def lagged_slopes(
    segment: Sequence[tuple[float, float]], lag: float = SECONDS_PER_DAY
) -> list[tuple[float, float]]:
    """(midpoint, slope per day) of each sample with the first one ``lag`` later.

    A segment shorter than ``lag`` pairs over most of its span instead."""
    if len(segment) < 2 or segment[-1][0] - segment[0][0] < MIN_SEGMENT_SECONDS:
        return []
    span = segment[-1][0] - segment[0][0]
    gap = min(lag, 0.75 * span)
    out: list[tuple[float, float]] = []
    j = 0
    for i, (ti, vi) in enumerate(segment):
        j = max(j, i + 1)
        while j < len(segment) and segment[j][0] - ti < gap:
            j += 1
        if j >= len(segment):
            break
        tj, vj = segment[j]
        if vj >= SATURATED:
            break
        out.append(((ti + tj) / 2, (vj - vi) / (tj - ti) * SECONDS_PER_DAY))
    return out


def theil_sen(points: Sequence[tuple[float, float]]) -> float:
    """The median of all pairwise slopes (value units per time unit); 0 for < 2 points."""
    slopes = [
        (b[1] - a[1]) / (b[0] - a[0])
        for i, a in enumerate(points)
        for b in points[i + 1 :]
        if b[0] != a[0]
    ]
    return statistics.median(slopes) if slopes else 0.0


def fit(times: Sequence[float], values: Sequence[float], calendar: Calendar) -> FillModel | None:
    """The fill model of one bin's history (epoch seconds, fractions 0-1), or None when
    the history is too short to give a rate."""
    if not times:
        return None
    ht, hv = hourly(times, values)
    parts = segments(ht, hv)
    pairs = [pair for part in parts for pair in lagged_slopes(part)]
    last, end = parts[-1], max(times)
    if not pairs:
        if len(last) < 3:
            return None
        rate = max(0.0, theil_sen(last) * SECONDS_PER_DAY)
        return FillModel(level=_level(last, rate, end), at=end, rate=rate)
    rate = max(0.0, statistics.median(s for _, s in pairs))
    factors = _factors(pairs, rate, calendar)
    return FillModel(
        level=_level(last, rate, end), at=end, rate=rate, factors=factors, pairs=len(pairs)
    )


def fit_all(
    series: Sequence[tuple[Sequence[float], Sequence[float]]], calendar: Calendar
) -> list[FillModel | None]:
    """``fit`` for many bins in one call (one trip to the process pool)."""
    return [fit(times, values, calendar) for times, values in series]


def _level(segment: Sequence[tuple[float, float]], rate: float, end: float) -> float:
    """The level at ``end``: the median of the segment's last few samples carried
    forward at ``rate`` (robust to a noisy last reading)."""
    tail = segment[-6:]
    carried = [v + rate * (end - t) / SECONDS_PER_DAY for t, v in tail]
    return min(1.0, max(0.0, statistics.median(carried)))


def _factors(
    pairs: Sequence[tuple[float, float]], rate: float, calendar: Calendar
) -> tuple[float, ...]:
    if rate <= 0:
        return (1.0,) * 8
    by_class: dict[int, list[float]] = defaultdict(list)
    work: list[float] = []
    off: list[float] = []
    for mid, slope in pairs:
        day = calendar.day(mid)
        by_class[calendar.day_class(day)].append(slope)
        (off if calendar.is_day_off(day) else work).append(slope)
    factors = [1.0] * 8
    if all(len(by_class[c]) >= MIN_PAIRS for c in range(7)):
        for c in range(7):
            factors[c] = max(0.0, statistics.median(by_class[c])) / rate
    elif len(work) >= MIN_PAIRS and len(off) >= MIN_PAIRS:
        f_work = max(0.0, statistics.median(work)) / rate
        f_off = max(0.0, statistics.median(off)) / rate
        factors = [f_work] * 5 + [f_off] * 3
    else:
        return (1.0,) * 8
    if len(by_class[HOLIDAY]) >= MIN_PAIRS:
        factors[HOLIDAY] = max(0.0, statistics.median(by_class[HOLIDAY])) / rate
    else:
        factors[HOLIDAY] = (factors[5] + factors[6]) / 2
    return tuple(factors)


__all__ = [
    "Calendar",
    "FillModel",
    "fit",
    "fit_all",
    "hourly",
    "lagged_slopes",
    "segments",
    "theil_sen",
]
