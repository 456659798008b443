"""CCTV cameras as Smart Data Models Devices: a location and a field of view
(``observationSpace``, the NGSI-LD core GeoProperty for what a device observes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.devices import Family, SimDevice, iso
from dosi.sim.geo import ring, sector


@dataclass
class Camera(SimDevice):
    family: ClassVar[Family] = Family("cctv", "Device", "Device")
    heading: float = 0.0

    def __post_init__(self) -> None:
        self.fov = self.rng.choice((60.0, 90.0, 110.0))
        self.reach = self.rng.choice((40.0, 60.0, 90.0))
        self.state = "ok"
        self.offline_until = 0.0

    def static_values(self) -> dict[str, Any]:
        polygon = sector(self.placement.location, self.heading, self.fov, self.reach)
        return {
            "name": f"CCTV {self.index + 1}",
            "deviceCategory": ["multimedia"],
            "controlledProperty": ["motion"],
            "supportedProtocol": ["mqtt"],
            "observationSpace": {"type": "Polygon", "coordinates": [ring(polygon)]},
            "configuration": [
                {"parameter": "heading", "value": f"{self.heading:.0f}"},
                {"parameter": "fieldOfView", "value": f"{self.fov:.0f}"},
                {"parameter": "range", "value": f"{self.reach:.0f}"},
            ],
            "serialNumber": f"CAM-{self.env.spec.name[:2].upper()}-{self.index:05d}",
            "firmwareVersion": "4.2.1",
        }

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        rng = self.rng
        if self.state == "ok" and dt and rng.random() < 5e-7 * dt:
            self.state = "offline"
            self.offline_until = t + rng.uniform(600, 7_200)
        elif self.state == "offline" and t >= self.offline_until:
            self.state = "ok"
        values: dict[str, Any] = {"deviceState": self.state, "dateLastValueReported": iso(t)}
        if self.state == "ok":
            values["rssi"] = round(rng.uniform(-70, -45), 1)
        return values
