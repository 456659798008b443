"""The city's weather and calendar: rain events, air-pollution episodes, daylight, holidays.

Everything is a deterministic function of the seed and the time: storms and episodes are
drawn per day from a generator seeded with (seed, day), so any device can ask "how hard
does it rain now?" and get the same answer in every run. Scenarios (``flood``, ``fire``,
``air-episode``) add a strong, early event for demos.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final, Literal

from dosi.sim.city import CitySpec

Scenario = Literal["flood", "fire", "air-episode"]
SCENARIOS: Final[tuple[Scenario, ...]] = ("flood", "fire", "air-episode")

#: When a scenario's event starts, in simulated seconds after the start.
SCENARIO_DELAY: Final = 30.0


@dataclass(frozen=True, slots=True)
class Event:
    """A smooth bump in time: rises over ``ramp`` s, holds, falls over ``ramp`` s."""

    start: float
    duration: float
    peak: float
    ramp: float

    def at(self, t: float) -> float:
        if t < self.start or t > self.start + self.duration:
            return 0.0
        rise = min(1.0, (t - self.start) / self.ramp) if self.ramp else 1.0
        fall = min(1.0, (self.start + self.duration - t) / self.ramp) if self.ramp else 1.0
        return self.peak * min(rise, fall) ** 2


@dataclass
class Environment:
    spec: CitySpec
    seed: int
    start: float
    scenarios: frozenset[Scenario] = frozenset()
    _extra_rain: list[Event] = field(default_factory=list)
    _extra_episodes: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        begin = self.start + SCENARIO_DELAY
        if "flood" in self.scenarios:
            # a monsoon cloudburst: 100 mm/h for 75 minutes (rivers reach danger level)
            self._extra_rain.append(Event(begin, 4_500.0, 100.0, 300.0))
        if "air-episode" in self.scenarios:
            # particulate episode building up over 10 minutes, lasting 3 hours
            self._extra_episodes.append(Event(begin, 10_800.0, 6.0, 600.0))

    # -- calendar ------------------------------------------------------------------------
    def local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, UTC) + timedelta(hours=self.spec.utc_offset)

    def local_hour(self, t: float) -> float:
        moment = self.local(t)
        return moment.hour + moment.minute / 60 + moment.second / 3600

    def is_day_off(self, t: float) -> bool:
        day = self.local(t).date()
        return day.weekday() >= 5 or day in self.spec.holidays

    def is_holiday(self, t: float) -> bool:
        return self.local(t).date() in self.spec.holidays

    # -- sun -----------------------------------------------------------------------------
    def daylight(self, t: float) -> tuple[float, float]:
        """Local sunrise and sunset hours (solar declination formula, standard-time
        correction for the city's longitude)."""
        return _daylight(self.local(t).date(), self.spec.center, self.spec.utc_offset)

    def is_dark(self, t: float, margin_h: float = 0.15) -> bool:
        sunrise, sunset = self.daylight(t)
        hour = self.local_hour(t)
        return hour < sunrise - margin_h or hour > sunset + margin_h

    # -- weather -------------------------------------------------------------------------
    def rain(self, t: float) -> float:
        """Rain intensity in mm/h."""
        day = int(t // 86_400)
        total = sum(e.at(t) for d in (day - 1, day) for e in _storms(self.seed, self.spec.name, d))
        return total + sum(e.at(t) for e in self._extra_rain)

    def temperature(self, t: float) -> float:
        """Air temperature (°C): a seasonal and a daily cycle."""
        moment = self.local(t)
        doy = moment.timetuple().tm_yday
        mean = 13.0 if self.spec.name == "sejong" else 23.0
        season = (14.0 if self.spec.name == "sejong" else 6.0) * -math.cos(
            2 * math.pi * (doy - 15) / 365
        )
        daily = 4.5 * math.sin(2 * math.pi * (self.local_hour(t) - 9) / 24)
        return round(mean + season + daily - 0.3 * min(self.rain(t), 20.0), 1)

    def humidity(self, t: float) -> float:
        """Relative humidity as a fraction."""
        base = 0.62 if self.spec.name == "sejong" else 0.75
        daily = -0.12 * math.sin(2 * math.pi * (self.local_hour(t) - 9) / 24)
        return round(min(0.99, max(0.15, base + daily + 0.01 * self.rain(t))), 2)

    def episode(self, t: float) -> float:
        """Particulate episode multiplier (1 = none): yellow dust in spring (Sejong) or
        winter haze (Shenzhen), plus an injected ``air-episode``."""
        day = int(t // 86_400)
        events = [*_episodes(self.seed, self.spec.name, day), *self._extra_episodes]
        return 1.0 + sum(e.at(t) for e in events)


@lru_cache(maxsize=1024)
def _storms(seed: int, city: str, day: int) -> tuple[Event, ...]:
    rng = random.Random(f"{seed}:rain:{city}:{day}")
    wet = 0.35 if city == "shenzhen" else 0.25
    events: list[Event] = []
    while rng.random() < wet and len(events) < 3:
        start = day * 86_400 + rng.uniform(0, 86_400)
        events.append(Event(start, rng.uniform(1_800, 14_400), rng.expovariate(1 / 6.0), 900.0))
    return tuple(events)


@lru_cache(maxsize=1024)
def _episodes(seed: int, city: str, day: int) -> tuple[Event, ...]:
    rng = random.Random(f"{seed}:episode:{city}:{day}")
    month = date.fromordinal(date(1970, 1, 1).toordinal() + day).month
    season = month in (3, 4, 5) if city == "sejong" else month in (12, 1, 2)
    if season and rng.random() < 0.12:
        start = day * 86_400 + rng.uniform(0, 86_400)
        return (Event(start, rng.uniform(21_600, 86_400), rng.uniform(2.0, 5.0), 7_200.0),)
    return ()


@lru_cache(maxsize=512)
def _daylight(day: date, center: tuple[float, float], utc_offset: int) -> tuple[float, float]:
    lon, lat = center
    doy = day.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365)
    cos_h = -math.tan(math.radians(lat)) * math.tan(declination)
    half = math.degrees(math.acos(max(-1.0, min(1.0, cos_h)))) / 15
    noon = 12 + (utc_offset * 15 - lon) / 15
    return noon - half, noon + half


__all__ = ["SCENARIOS", "Environment", "Event", "Scenario"]
