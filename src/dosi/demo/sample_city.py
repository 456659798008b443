"""A small, deterministic sample city in Smart Data Models vocabulary (normalized NGSI-LD).

Every entity carries the @context of its Smart Data Models domain (shipped in
``dosi.vocab``), so the sample loads offline through the same path as any client.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

SDM = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"
CORE = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    #: Half the side of the square the sample is spread over, in degrees.
    spread: float
    districts: tuple[str, ...]


SEJONG = City(
    "sejong",
    36.48,
    127.29,
    0.05,
    ("Hansol", "Dodam", "Areum", "Jongchon", "Goun", "Boram", "Saerom", "Daepyeong"),
)


def _context(domain: str) -> list[str]:
    return [SDM.format(domain), CORE]


def _point(rng: random.Random, city: City) -> dict[str, Any]:
    lon = round(city.lon + rng.uniform(-city.spread, city.spread), 6)
    lat = round(city.lat + rng.uniform(-city.spread, city.spread), 6)
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}}


def _prop(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value, **extra}


def sample_city(
    city: City = SEJONG, *, seed: int = 7, now: str = "2026-11-25T00:00:00Z", scale: int = 1
) -> list[dict[str, Any]]:
    """Normalized entities (each with its own @context) for a demo of ``city``."""
    rng = random.Random(seed)
    entities: list[dict[str, Any]] = []

    def district() -> dict[str, Any]:
        return _prop(rng.choice(city.districts))

    for i in range(40 * scale):
        entities.append(
            {
                "id": f"urn:ngsi-ld:WasteContainer:{city.name}:{i:04d}",
                "type": "WasteContainer",
                "fillingLevel": _prop(round(rng.uniform(0.05, 0.98), 2), observedAt=now),
                "status": _prop(rng.choice(["ok", "ok", "ok", "lidOpen", "dropped"])),
                "areaServed": district(),
                "location": _point(rng, city),
                "@context": _context("WasteManagement"),
            }
        )
    for i in range(8 * scale):
        pm25 = round(rng.uniform(5, 80), 1)
        entities.append(
            {
                "id": f"urn:ngsi-ld:AirQualityObserved:{city.name}:{i:03d}",
                "type": "AirQualityObserved",
                "dateObserved": _prop(now),
                "pm25": _prop(pm25, unitCode="GQ", observedAt=now),
                "pm10": _prop(
                    round(pm25 * rng.uniform(1.3, 2.0), 1), unitCode="GQ", observedAt=now
                ),
                "no2": _prop(round(rng.uniform(5, 60), 1), unitCode="GQ", observedAt=now),
                "o3": _prop(round(rng.uniform(10, 120), 1), unitCode="GQ", observedAt=now),
                "areaServed": district(),
                "location": _point(rng, city),
                "@context": _context("Environment"),
            }
        )
    for i in range(30 * scale):
        entities.append(
            {
                "id": f"urn:ngsi-ld:ParkingSpot:{city.name}:{i:04d}",
                "type": "ParkingSpot",
                "status": _prop(
                    rng.choice(["free", "occupied", "occupied", "closed"]), observedAt=now
                ),
                "category": _prop(["onStreet"]),
                "areaServed": district(),
                "location": _point(rng, city),
                "@context": _context("Parking"),
            }
        )
    for i in range(30 * scale):
        entities.append(
            {
                "id": f"urn:ngsi-ld:Streetlight:{city.name}:{i:04d}",
                "type": "Streetlight",
                "status": _prop(rng.choice(["ok"] * 9 + ["defectiveLamp"])),
                "powerState": _prop(rng.choice(["on", "off"])),
                "areaServed": district(),
                "location": _point(rng, city),
                "@context": _context("Streetlighting"),
            }
        )
    for i in range(4 * scale):
        entities.append(
            {
                "id": f"urn:ngsi-ld:WaterObserved:{city.name}:gauge{i:02d}",
                "type": "WaterObserved",
                "height": _prop(round(rng.uniform(0.8, 2.4), 2), unitCode="MTR", observedAt=now),
                "flow": _prop(round(rng.uniform(10, 60), 1), unitCode="MQS", observedAt=now),
                "areaServed": district(),
                "location": _point(rng, city),
                "@context": _context("Environment"),
            }
        )
    return entities
