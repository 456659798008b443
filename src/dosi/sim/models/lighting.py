"""Street lights: on at dusk, dimmed after midnight, off at dawn; lamp failures and
repairs; a ``switch`` command overrides the schedule until the next switching time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.devices import Family, SimDevice, iso


@dataclass
class Lamp(SimDevice):
    family: ClassVar[Family] = Family(
        "lighting",
        "Streetlight",
        "Streetlighting",
        protocol="UL",
        attributes=(
            {"object_id": "s", "name": "status", "value_type": "Text"},
            {"object_id": "p", "name": "powerState", "value_type": "Text"},
            {
                "object_id": "w",
                "name": "powerConsumption",
                "value_type": "Number",
                "unit_code": "WTT",
                "min": 0,
                "max": 2000,
            },
            {
                "object_id": "i",
                "name": "illuminanceLevel",
                "value_type": "Number",
                "min": 0,
                "max": 1,
            },
            {"object_id": "o", "name": "observationDateTime", "value_type": "DateTime"},
            {"object_id": "on", "name": "dateLastSwitchingOn", "value_type": "DateTime"},
            {"object_id": "off", "name": "dateLastSwitchingOff", "value_type": "DateTime"},
        ),
        commands=("switch",),
    )
    road_id: str = ""

    def __post_init__(self) -> None:
        self.rating = self.rng.choice((60.0, 90.0, 120.0))
        self.state = "off"
        self.status = "ok"
        self.repair_at = 0.0
        self.override: str | None = None
        self.switched_on: float | None = None
        self.switched_off: float | None = None

    def static_values(self) -> dict[str, Any]:
        return {
            "name": f"Streetlight {self.index + 1}",
            "circuit": f"C-{self.road_id or self.placement.district.name}",
            "lanternHeight": 10.0 if self.rating > 60 else 7.0,
            "locationCategory": "road",
            "controllingMethod": "individual",
            "powerRating": self.rating,
        }

    def scheduled(self, t: float) -> str:
        if not self.env.is_dark(t):
            return "off"
        hour = self.env.local_hour(t)
        return "low" if 0.5 <= hour < 4.5 else "on"

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        rng = self.rng
        if self.status == "ok" and dt and rng.random() < 1e-6 * dt:
            self.status = rng.choice(("defectiveLamp", "defectiveLamp", "brokenLantern"))
            self.repair_at = t + rng.uniform(12, 72) * 3_600
        elif self.status != "ok" and t >= self.repair_at:
            self.status = "ok"
        wanted = self.scheduled(t)
        if self.override is not None:
            if self.override == wanted:
                self.override = None  # the schedule caught up: back to automatic
            else:
                wanted = self.override
        if self.status != "ok":
            wanted = "off"
        if wanted != self.state:
            if wanted == "off":
                self.switched_off = t
            elif self.state == "off":
                self.switched_on = t
            self.state = wanted
        level = {"on": 1.0, "low": 0.5, "off": 0.0}[self.state]
        values: dict[str, Any] = {
            "status": self.status,
            "powerState": self.state,
            "powerConsumption": round(self.rating * level * rng.uniform(0.97, 1.03), 1),
            "illuminanceLevel": level,
            "observationDateTime": iso(t),
        }
        if self.switched_on is not None:
            values["dateLastSwitchingOn"] = iso(self.switched_on)
        if self.switched_off is not None:
            values["dateLastSwitchingOff"] = iso(self.switched_off)
        return values

    def command(self, name: str, value: Any) -> str:
        self.commands_received.append((name, value))
        if name != "switch" or value not in ("on", "off", "low"):
            return f"unsupported {name}={value}"
        self.override = str(value)
        return f"switched {value}"
