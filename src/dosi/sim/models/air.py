"""Air quality stations: diurnal cycles of traffic and photochemical pollutants, episodes.

Stations report concentrations only (µg/m³, CO in mg/m³); the air app rates them
(``airQualityIndex``/``airQualityLevel``) in the city's standard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from dosi.sim.devices import Family, SimDevice, iso


def _rush(hour: float) -> float:
    """Traffic emissions: morning and evening peaks."""
    return 0.45 + math.exp(-((hour - 8.0) ** 2) / 2.0) + 0.9 * math.exp(-((hour - 18.5) ** 2) / 3.0)


@dataclass
class AirStation(SimDevice):
    family: ClassVar[Family] = Family(
        "air",
        "AirQualityObserved",
        "Environment",
        protocol="UL",
        attributes=(
            {"object_id": "do", "name": "dateObserved", "value_type": "DateTime"},
            {
                "object_id": "p10",
                "name": "pm10",
                "value_type": "Number",
                "unit_code": "GQ",
                "min": 0,
                "max": 5000,
            },
            {
                "object_id": "p25",
                "name": "pm25",
                "value_type": "Number",
                "unit_code": "GQ",
                "min": 0,
                "max": 2000,
            },
            {"object_id": "o3", "name": "o3", "value_type": "Number", "unit_code": "GQ", "min": 0},
            {
                "object_id": "no2",
                "name": "no2",
                "value_type": "Number",
                "unit_code": "GQ",
                "min": 0,
            },
            {"object_id": "co", "name": "co", "value_type": "Number", "unit_code": "GP", "min": 0},
            {
                "object_id": "so2",
                "name": "so2",
                "value_type": "Number",
                "unit_code": "GQ",
                "min": 0,
            },
            {"object_id": "t", "name": "temperature", "value_type": "Number", "unit_code": "CEL"},
            {
                "object_id": "rh",
                "name": "relativeHumidity",
                "value_type": "Number",
                "min": 0,
                "max": 1,
            },
            {"object_id": "rel", "name": "reliability", "value_type": "Number", "min": 0, "max": 1},
        ),
    )

    def __post_init__(self) -> None:
        kind = self.placement.district.kind
        self.traffic = {"commercial": 1.3, "industrial": 1.1, "park": 0.5}.get(kind, 0.9)
        self.industry = 1.8 if kind == "industrial" else 1.0
        self.noise = 0.0

    def static_values(self) -> dict[str, Any]:
        return {
            "name": f"{self.placement.district.name} air quality station",
            "areaServed": self.placement.district.name,
            "typeofLocation": "outdoor",
        }

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        env, rng = self.env, self.rng
        hour = env.local_hour(t)
        # AR(1) noise: slow drifts, not white noise
        keep = math.exp(-dt / 3_600) if dt else 0.0
        self.noise = keep * self.noise + math.sqrt(1 - keep**2) * rng.gauss(0, 0.18)
        rain_wash = 1.0 / (1.0 + 0.08 * env.rain(t))
        episode = env.episode(t)
        rush = _rush(hour) * self.traffic
        base = env.spec.pm25_background * math.exp(self.noise)
        pm25 = max(1.0, base * (0.6 + 0.4 * rush) * rain_wash * (1 + (episode - 1) * 0.45))
        pm10 = max(pm25 * 1.1, pm25 * 1.7 * rain_wash * episode**0.35 + (episode - 1) * 30)
        no2 = max(2.0, 22.0 * rush * math.exp(self.noise / 2) * rain_wash)
        sun = max(0.0, math.sin(math.pi * (hour - 6.5) / 13.0))
        o3 = max(2.0, 25.0 + 70.0 * sun**1.5 * (env.temperature(t) / 25.0) - 0.4 * no2)
        co = max(0.1, 0.35 + 0.25 * rush + rng.gauss(0, 0.03))
        so2 = max(0.5, 3.0 * self.industry + rng.gauss(0, 0.4))
        return {
            "dateObserved": iso(t),
            "pm10": round(pm10, 1),
            "pm25": round(pm25, 1),
            "o3": round(o3, 1),
            "no2": round(no2, 1),
            "co": round(co, 2),
            "so2": round(so2, 1),
            "temperature": env.temperature(t),
            "relativeHumidity": env.humidity(t),
            "reliability": round(rng.uniform(0.85, 0.99), 2),
        }
