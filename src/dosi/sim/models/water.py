"""River gauges (FloodMonitoring) and flow stations (WaterObserved) answering to rain.

The river responds like a linear reservoir: the level rises with rain over the catchment
(a short lag) and relaxes to its base level with a time constant of a few hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.devices import Family, SimDevice, iso

#: Metres of rise per (mm/h of rain × hour), and relaxation time (s).
_GAIN = 0.035
_TAU = 4 * 3_600.0
_LAG = 900.0


@dataclass
class _River(SimDevice):
    def __post_init__(self) -> None:
        self.base = round(self.rng.uniform(0.8, 1.6), 2)
        self.level = self.base

    def _level(self, t: float, dt: float) -> float:
        inflow = _GAIN * self.env.rain(t - _LAG)
        if dt:
            relax = math.exp(-dt / _TAU)
            target = self.base + inflow * _TAU / 3_600
            self.level = target + (self.level - target) * relax
        return self.level


@dataclass
class RiverGauge(_River):
    family: ClassVar[Family] = Family(
        "flood",
        "FloodMonitoring",
        "Environment",
        protocol="UL",
        attributes=(
            {
                "object_id": "l",
                "name": "currentLevel",
                "value_type": "Number",
                "expression": "value / 100",
                "unit_code": "MTR",
                "min": -5,
                "max": 30,
            },
            {
                "object_id": "d",
                "name": "measuredDistance",
                "value_type": "Number",
                "expression": "value / 100",
                "unit_code": "MTR",
                "min": 0,
                "max": 50,
            },
            {"object_id": "s", "name": "floodLevelStatus", "value_type": "Text"},
            {"object_id": "o", "name": "observationDateTime", "value_type": "DateTime"},
        ),
    )
    #: Height of the ultrasonic sensor above the gauge zero (m).
    mount = 8.0

    def static_values(self) -> dict[str, Any]:
        return {
            "name": f"River gauge {self.index + 1}",
            "stationID": f"RG-{self.env.spec.name[:2].upper()}-{self.index:03d}",
            "referenceLevel": self.base,
            "alertLevel": round(self.base + 1.5, 2),
            "dangerLevel": round(self.base + 3.0, 2),
        }

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        level = self._level(t, dt) + self.rng.gauss(0, 0.005)
        status = "Normal"
        if level >= self.base + 3.0:
            status = "Danger"
        elif level >= self.base + 1.5:
            status = "Alert"
        return {
            "currentLevel": round(level, 2),
            "measuredDistance": round(self.mount - level, 2),
            "floodLevelStatus": status,
            "observationDateTime": iso(t),
        }

    def payload(self, t: float, dynamic: dict[str, Any]) -> bytes:
        """The sensor reports centimetres; the group's expressions convert to metres."""
        centi = {
            **dynamic,
            "currentLevel": round(dynamic["currentLevel"] * 100),
            "measuredDistance": round(dynamic["measuredDistance"] * 100),
        }
        return super().payload(t, centi)

    def keyvalues(self, t: float, dynamic: dict[str, Any]) -> dict[str, Any]:
        # what the agent stores after value / 100 on whole centimetres
        stored = {
            **dynamic,
            "currentLevel": round(dynamic["currentLevel"] * 100) / 100,
            "measuredDistance": round(dynamic["measuredDistance"] * 100) / 100,
        }
        return super().keyvalues(t, stored)


@dataclass
class FlowStation(_River):
    family: ClassVar[Family] = Family("water", "WaterObserved", "Environment")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.width = round(self.rng.uniform(60, 180))

    def static_values(self) -> dict[str, Any]:
        return {"name": f"Flow station {self.index + 1}", "measuredArea": self.width * 2.0}

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        level = max(0.0, self._level(t, dt) + self.rng.gauss(0, 0.005))
        # a rectangular channel: Manning-like discharge ∝ depth^(5/3)
        flow = 1.2 * self.width * level ** (5 / 3)
        return {
            "dateObserved": iso(t),
            "waterLevel": round(level, 2),
            "height": round(level, 2),
            "flow": round(flow, 1),
        }
