"""Parking spots (occupancy by hour and district) and traffic counters on road segments."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.city import Road
from dosi.sim.devices import Family, SimDevice, iso
from dosi.sim.geo import round_coord


def _bump(hour: float, center: float, width: float) -> float:
    return math.exp(-((hour - center) ** 2) / (2 * width**2))


@dataclass
class ParkingBay(SimDevice):
    family: ClassVar[Family] = Family("parking", "ParkingSpot", "Parking")

    def __post_init__(self) -> None:
        self.occupied = self.rng.random() < 0.5
        self.street = self.rng.random() < 0.7
        self.site = f"urn:ngsi-ld:ParkingSite:{self.env.spec.name}-{self.placement.district.name}"

    def static_values(self) -> dict[str, Any]:
        return {
            "name": f"{self.placement.district.name} parking spot {self.index + 1}",
            "category": ["onStreet" if self.street else "offStreet"],
            "refParkingSite": self.site.replace("'", ""),
            "width": 2.5,
            "length": 5.0 if self.street else 5.2,
        }

    def target(self, t: float) -> float:
        """Expected occupancy at ``t`` for this district."""
        hour = self.env.local_hour(t)
        if self.placement.district.kind in ("commercial", "government"):
            day = 0.2 + 0.7 * _bump(hour, 13.0, 3.5)
            return day * (0.5 if self.env.is_day_off(t) else 1.0)
        night = 0.85 - 0.45 * _bump(hour, 13.0, 4.0)
        return night * (1.1 if self.env.is_day_off(t) else 1.0)

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        # two-state Markov chain whose stationary occupancy is the target
        p = min(0.97, max(0.03, self.target(t)))
        turnover = 1 - math.exp(-dt / 2_400) if dt else 0.0
        if self.occupied and self.rng.random() < turnover * (1 - p):
            self.occupied = False
        elif not self.occupied and self.rng.random() < turnover * p:
            self.occupied = True
        return {"status": "occupied" if self.occupied else "free", "timeInstant": iso(t)}


@dataclass
class TrafficCounter(SimDevice):
    family: ClassVar[Family] = Family("traffic", "TrafficFlowObserved", "Transportation")
    road: Road | None = None

    def __post_init__(self) -> None:
        assert self.road is not None
        self.period = 300.0

    def static_values(self) -> dict[str, Any]:
        road = self.road
        assert road is not None
        return {
            "name": f"Counter on {road.id}",
            "location": {
                "type": "LineString",
                "coordinates": [round_coord(c) for c in road.coords],
            },
            "refRoadSegment": f"urn:ngsi-ld:RoadSegment:{self.env.spec.name}-{road.id}",
            "laneId": 1,
            "laneDirection": "forward",
        }

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        road, env, rng = self.road, self.env, self.rng
        assert road is not None
        hour = env.local_hour(t)
        profile = 0.12 + 0.85 * _bump(hour, 8.0, 1.2) + 0.75 * _bump(hour, 18.3, 1.6)
        profile += 0.45 * _bump(hour, 13.0, 3.0)
        if env.is_day_off(t):
            profile = 0.15 + 0.55 * _bump(hour, 14.0, 4.0)
        rain = 1.0 + 0.01 * env.rain(t)
        capacity = road.capacity * road.lanes
        demand = max(0.0, capacity * min(1.1, profile) * rain * rng.uniform(0.85, 1.15))
        ratio = demand / capacity
        speed = road.free_speed / (1 + 0.15 * ratio**4) / math.sqrt(rain)
        # vehicles per 5-minute interval; occupancy from flow, speed and 6 m vehicles
        intensity = round(demand * self.period / 3_600)
        occupancy = min(1.0, demand / road.lanes * 6.5 / (speed * 1_000))
        return {
            "dateObserved": f"{iso(t - self.period)}/{iso(t)}",
            "dateObservedFrom": iso(t - self.period),
            "dateObservedTo": iso(t),
            "intensity": intensity,
            "occupancy": round(occupancy, 3),
            "averageVehicleSpeed": round(speed, 1),
            "averageVehicleLength": 4.7,
            "congested": speed < 0.5 * road.free_speed,
        }
