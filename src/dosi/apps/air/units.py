"""Concentration units: Smart Data Models readings (UN/CEFACT codes) to each standard's.

Gas conversions use 25 °C and 1 atm (molar volume 24.45 L), as the US and Korean
standards do.
"""

from __future__ import annotations

from typing import Final

MOLAR_VOLUME: Final = 24.45
MOLECULAR_WEIGHT: Final = {"o3": 48.00, "no2": 46.01, "so2": 64.07, "co": 28.01}
#: UN/CEFACT common codes used by Smart Data Models for concentrations.
UG_M3, MG_M3, PPM, PPB = "GQ", "GP", "59", "61"


def to_ug_m3(pollutant: str, value: float, unit: str) -> float:
    """A reading in µg/m³ (particles are always mass concentrations)."""
    if unit == MG_M3:
        return value * 1000
    if unit in (PPM, PPB) and pollutant in MOLECULAR_WEIGHT:
        ppb = value * 1000 if unit == PPM else value
        return ppb * MOLECULAR_WEIGHT[pollutant] / MOLAR_VOLUME
    return value


def ug_m3_to_ppb(pollutant: str, value: float) -> float:
    return value * MOLAR_VOLUME / MOLECULAR_WEIGHT[pollutant]


def for_us(readings: dict[str, float]) -> dict[str, float]:
    """µg/m³ readings in US AQI units: PM µg/m³, O3/CO ppm, SO2/NO2 ppb."""
    out: dict[str, float] = {}
    for name, value in readings.items():
        if name in ("pm10", "pm25"):
            out[name] = value
        elif name in ("o3", "co"):
            out[name] = ug_m3_to_ppb(name, value) / 1000
        elif name in ("so2", "no2"):
            out[name] = ug_m3_to_ppb(name, value)
    return out


def for_korea(readings: dict[str, float]) -> dict[str, float]:
    """µg/m³ readings in Korea CAI units: PM µg/m³, gases ppm."""
    return {
        name: value if name in ("pm10", "pm25") else ug_m3_to_ppb(name, value) / 1000
        for name, value in readings.items()
        if name in ("pm10", "pm25") or name in MOLECULAR_WEIGHT
    }


def for_china(readings: dict[str, float]) -> dict[str, float]:
    """µg/m³ readings in HJ 633 units: µg/m³, CO mg/m³ (1-h gases, 24-h particles)."""
    return {name: value / 1000 if name == "co" else value for name, value in readings.items()}
