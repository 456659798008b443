"""Waste containers: fill level growth, collection rounds, fire and tilt alarms."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.devices import Family, SimDevice, iso

#: Daily activity profile (share of a day's waste produced per local hour).
_HOURLY = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.0,
    1.6,
    1.6,
    1.3,
    1.2,
    1.4,
    1.6,
    1.4,
    1.2,
    1.2,
    1.3,
    1.6,
    1.9,
    1.9,
    1.5,
    1.0,
    0.6,
    0.4,
)
_MEAN = sum(_HOURLY) / 24
KINDS = ("organic", "plastic", "paper", "glass", "inorganic")


@dataclass
class WasteBin(SimDevice):
    family: ClassVar[Family] = Family("waste", "WasteContainer", "WasteManagement")

    def __post_init__(self) -> None:
        rng = self.rng
        kind = self.placement.district.kind
        #: Days to fill up on an ordinary weekday.
        days = {"commercial": 1.6, "residential": 2.6, "government": 3.5}.get(kind, 4.5)
        self.rate = 1.0 / (days * 24 * rng.uniform(0.7, 1.4))
        self.fill = round(rng.uniform(0.05, 0.6), 3)
        self.kind = rng.choice(KINDS)
        self.capacity = rng.choice((660, 1100, 2500))
        #: Collected three times a week around 05:00-09:00 local time.
        self.collection_days = {(self.index % 2) + d for d in (0, 2, 4)}
        self.collection_hour = 5.0 + rng.uniform(0, 4)
        self.emptied: float | None = None
        self.status = "ok"
        self.fire_until = 0.0
        self.ignite_at = (
            self.env.start + 20.0 if "fire" in self.env.scenarios and self.index == 0 else None
        )

    def static_values(self) -> dict[str, Any]:
        return {
            "name": f"{self.placement.district.name} bin {self.index + 1}",
            "category": ["fixed"],
            "storedWasteKind": self.kind,
            "storedWasteOrigin": "household"
            if self.placement.district.kind == "residential"
            else "municipal",
            "binCapacity": self.capacity,
            "serialNumber": f"WC-{self.env.spec.name[:2].upper()}-{self.index:05d}",
        }

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        env, rng = self.env, self.rng
        hour = env.local_hour(t)
        factor = _HOURLY[int(hour) % 24] / _MEAN
        residential = self.placement.district.kind == "residential"
        if env.is_day_off(t):
            factor *= 1.3 if residential else 0.6
        if env.is_holiday(t):
            factor *= 1.5 if residential else 0.8
        self.fill = min(1.0, self.fill + self.rate * dt / 3600 * factor * rng.uniform(0.6, 1.4))
        self._collect(t)
        temperature = env.temperature(t) + rng.gauss(0, 0.3)
        if self.ignite_at is not None and t >= self.ignite_at:
            self.ignite_at = None
            self.fire_until = t + 1_800
        elif dt and rng.random() < 2e-6 * dt:
            self.fire_until = t + rng.uniform(600, 2_400)
        if t < self.fire_until:
            self.status = "burning"
            temperature = 70 + 25 * math.sin(min(1.0, (self.fire_until - t) / 1_800) * math.pi)
        elif self.status == "burning":
            self.status = "ok"
        elif self.status == "ok" and dt and rng.random() < 3e-6 * dt:
            self.status = rng.choice(("dropped", "lidOpen"))
        values: dict[str, Any] = {
            "fillingLevel": round(self.fill, 3),
            "temperature": round(temperature, 1),
            "methaneConcentration": round(max(0.0, 0.4 * self.fill + rng.gauss(0, 0.03)), 3),
            "status": self.status,
        }
        if self.emptied is not None:
            values["dateLastEmptying"] = iso(self.emptied)
        return values

    def _collect(self, t: float) -> None:
        env = self.env
        moment = env.local(t)
        due = moment.weekday() in self.collection_days and env.local_hour(t) >= self.collection_hour
        if due and (self.emptied is None or env.local(self.emptied).date() != moment.date()):
            self.fill = round(self.rng.uniform(0.0, 0.04), 3)
            self.emptied = t
            if self.status in ("dropped", "lidOpen"):
                self.status = "ok"
