"""Air quality: computes Korea CAI, China AQI or the US AQI for every air station.

Each AirQualityObserved reading gets ``airQualityIndex`` and ``airQualityLevel`` written
back (Smart Data Models vocabulary) in the standard the city chose.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel

from dosi.apps.air.aqi import POLLUTANTS, IndexResult, china_aqi, korea_cai, us_aqi
from dosi.apps.air.units import for_china, for_korea, for_us, to_ug_m3
from dosi.platform import Platform

logger = logging.getLogger(__name__)

OUTPUTS = ("airQualityIndex", "airQualityLevel")


class AirSettings(BaseModel):
    standard: Literal["korea", "china", "us"] = "korea"


def readings(entity: dict[str, Any]) -> dict[str, float]:
    """Pollutant concentrations (µg/m³) of a normalized AirQualityObserved."""
    found: dict[str, float] = {}
    for name in POLLUTANTS:
        attr = entity.get(name)
        if isinstance(attr, list):
            attr = attr[0]
        if isinstance(attr, dict) and isinstance(attr.get("value"), int | float):
            found[name] = to_ug_m3(name, float(attr["value"]), str(attr.get("unitCode", "GQ")))
    return found


def compute(standard: str, values: dict[str, float]) -> IndexResult:
    if standard == "china":
        return china_aqi(for_china(values))
    if standard == "us":
        return us_aqi(for_us(values))
    return korea_cai(for_korea(values))


async def setup(platform: Platform) -> None:
    settings = platform.settings(AirSettings)

    async def observe(entity: dict[str, Any], before: dict[str, Any] | None, tenant: str) -> None:
        values = readings(entity)
        if not values or (
            before is not None and readings(before) == values and all(o in entity for o in OUTPUTS)
        ):
            return  # nothing new to rate (e.g. our own write-back)
        try:
            result = compute(settings.standard, values)
        except ValueError:
            return
        attrs: dict[str, dict[str, Any]] = {
            "airQualityIndex": {"type": "Property", "value": result.value},
            "airQualityLevel": {"type": "Property", "value": result.category},
        }
        if result.primary:
            attrs["airQualityIndex"]["primaryPollutant"] = {
                "type": "Property",
                "value": list(result.primary),
            }
        current = {o: (entity.get(o) or {}).get("value") for o in OUTPUTS}
        if current == {o: attrs[o]["value"] for o in OUTPUTS}:
            return
        await platform.entities.update_attrs(entity["id"], attrs, tenant=tenant)

    platform.on_entities("AirQualityObserved", observe)
