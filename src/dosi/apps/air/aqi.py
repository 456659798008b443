"""Air quality indices from pollutant concentrations, per each standard's breakpoints.

Every standard interpolates linearly inside the breakpoint band a concentration falls in:
``I = (I_hi - I_lo) / (C_hi - C_lo) * (C - C_lo) + I_lo``. The caller passes
concentrations already averaged as each standard requires (see ``AVERAGING``) and in its
units: µg/m³ for PM10/PM2.5 everywhere; ppm (Korea, US O3/CO) or ppb (US SO2/NO2); µg/m³
(China SO2/NO2/O3) and mg/m³ (China CO).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Final

POLLUTANTS: Final = ("pm10", "pm25", "o3", "no2", "co", "so2")

Band = tuple[float, float, int, int]  # (C_lo, C_hi, I_lo, I_hi)


@dataclass(frozen=True)
class IndexResult:
    """An index value, its category (localisable key) and the pollutants behind it."""

    value: int
    category: str
    sub_indices: dict[str, int]
    primary: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _interpolate(c: float, bands: Sequence[Band]) -> float | None:
    for c_lo, c_hi, i_lo, i_hi in bands:
        if c_lo <= c <= c_hi:
            return (i_hi - i_lo) / (c_hi - c_lo) * (c - c_lo) + i_lo
    return None


def _truncate(value: float, places: int) -> float:
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_DOWN))


# -- US EPA AQI (40 CFR Part 58 App. G, PM2.5 breakpoints as revised in 2024) -------------

US_BANDS: Final[dict[str, tuple[int, list[Band]]]] = {
    # pollutant: (decimal places kept by truncation, bands)
    "pm25": (
        1,
        [
            (0.0, 9.0, 0, 50),
            (9.1, 35.4, 51, 100),
            (35.5, 55.4, 101, 150),
            (55.5, 125.4, 151, 200),
            (125.5, 225.4, 201, 300),
            (225.5, 325.4, 301, 500),
        ],
    ),
    "pm10": (
        0,
        [
            (0, 54, 0, 50),
            (55, 154, 51, 100),
            (155, 254, 101, 150),
            (255, 354, 151, 200),
            (355, 424, 201, 300),
            (425, 604, 301, 500),
        ],
    ),
    "o3": (
        3,
        [
            (0.000, 0.054, 0, 50),
            (0.055, 0.070, 51, 100),
            (0.071, 0.085, 101, 150),
            (0.086, 0.105, 151, 200),
            (0.106, 0.200, 201, 300),
        ],
    ),  # 8-hour
    "o3_1h": (
        3,
        [
            (0.125, 0.164, 101, 150),
            (0.165, 0.204, 151, 200),
            (0.205, 0.404, 201, 300),
            (0.405, 0.604, 301, 500),
        ],
    ),
    "co": (
        1,
        [
            (0.0, 4.4, 0, 50),
            (4.5, 9.4, 51, 100),
            (9.5, 12.4, 101, 150),
            (12.5, 15.4, 151, 200),
            (15.5, 30.4, 201, 300),
            (30.5, 50.4, 301, 500),
        ],
    ),
    "so2": (
        0,
        [
            (0, 35, 0, 50),
            (36, 75, 51, 100),
            (76, 185, 101, 150),
            (186, 304, 151, 200),
            (305, 604, 201, 300),
            (605, 1004, 301, 500),
        ],
    ),
    "no2": (
        0,
        [
            (0, 53, 0, 50),
            (54, 100, 51, 100),
            (101, 360, 101, 150),
            (361, 649, 151, 200),
            (650, 1249, 201, 300),
            (1250, 2049, 301, 500),
        ],
    ),
}
US_CATEGORIES: Final = (
    (50, "good"),
    (100, "moderate"),
    (150, "unhealthyForSensitiveGroups"),
    (200, "unhealthy"),
    (300, "veryUnhealthy"),
    (500, "hazardous"),
)


def us_aqi(concentrations: Mapping[str, float]) -> IndexResult:
    """US AQI: PM2.5/PM10 24-h (µg/m³), O3 8-h (ppm; ``o3_1h`` 1-h), CO 8-h (ppm), SO2 and
    NO2 1-h (ppb). The AQI is the highest sub-index; concentrations are truncated first."""
    subs: dict[str, int] = {}
    notes: list[str] = []
    for name, value in concentrations.items():
        if name not in US_BANDS or value is None:
            continue
        places, bands = US_BANDS[name]
        c = _truncate(max(0.0, value), places)
        index = _interpolate(c, bands)
        if index is None:
            if c > bands[-1][1]:
                index = 500.0
                notes.append(f"{name} beyond the AQI scale")
            else:
                continue  # e.g. 1-h ozone below 0.125 ppm: the 8-h value decides
        subs[name] = math.floor(index + 0.5)
    return _result(subs, US_CATEGORIES, primary_above=50, notes=notes)


# -- China AQI (HJ 633-2012) ---------------------------------------------------------------

CN_IAQI: Final = (0, 50, 100, 150, 200, 300, 400, 500)
CN_LIMITS: Final[dict[str, tuple[float, ...]]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2": (0, 150, 500, 650, 800),  # 1-h; above 800 the 24-h value is used
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),  # 1-h
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),  # 24-h
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co": (0, 5, 10, 35, 60, 90, 120, 150),  # 1-h, mg/m³
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),  # 1-h
    "o3_8h": (0, 100, 160, 215, 265, 800),  # above 800 the 1-h value is used
    "pm25": (0, 35, 75, 115, 150, 250, 350, 500),  # 24-h
}
CN_CATEGORIES: Final = (
    (50, "excellent"),
    (100, "good"),
    (150, "lightlyPolluted"),
    (200, "moderatelyPolluted"),
    (300, "heavilyPolluted"),
    (500, "severelyPolluted"),
)
#: Pollutant names as HJ 633 reports the primary pollutant.
CN_NAMES: Final = {"so2_24h": "so2", "no2_24h": "no2", "co_24h": "co", "o3_8h": "o3"}


def china_iaqi(name: str, value: float) -> int | None:
    """The individual AQI of one pollutant (rounded up, as HJ 633-2012 §5 requires)."""
    limits = CN_LIMITS[name]
    bands = [(limits[i], limits[i + 1], CN_IAQI[i], CN_IAQI[i + 1]) for i in range(len(limits) - 1)]
    index = _interpolate(max(0.0, value), bands)
    if index is None:
        return None if len(limits) < len(CN_IAQI) else 500
    return math.ceil(index - 1e-9)


def china_aqi(concentrations: Mapping[str, float]) -> IndexResult:
    """China AQI: the highest IAQI; above 50 the pollutants with that IAQI are primary."""
    subs: dict[str, int] = {}
    for name, value in concentrations.items():
        if name in CN_LIMITS and value is not None:
            iaqi = china_iaqi(name, value)
            if iaqi is not None:
                subs[name] = iaqi
    result = _result(subs, CN_CATEGORIES, primary_above=50)
    primary = tuple(dict.fromkeys(CN_NAMES.get(p, p) for p in result.primary))
    return IndexResult(result.value, result.category, subs, primary, result.notes)


# -- Korea CAI (통합대기환경지수, Ministry of Environment) ----------------------------------

KR_INDEX: Final = ((0, 50), (51, 100), (101, 250), (251, 500))
KR_LIMITS: Final[dict[str, tuple[tuple[float, float], ...]]] = {
    "so2": ((0, 0.020), (0.021, 0.050), (0.051, 0.150), (0.151, 1.0)),  # ppm, 1-h
    "co": ((0, 2.0), (2.01, 9.0), (9.01, 15.0), (15.01, 50.0)),  # ppm, 1-h
    "o3": ((0, 0.030), (0.031, 0.090), (0.091, 0.150), (0.151, 0.600)),  # ppm, 1-h
    "no2": ((0, 0.030), (0.031, 0.060), (0.061, 0.200), (0.201, 2.0)),  # ppm, 1-h
    "pm10": ((0, 30), (31, 80), (81, 150), (151, 600)),  # µg/m³, 24-h
    "pm25": ((0, 15), (16, 35), (36, 75), (76, 500)),  # µg/m³, 24-h
}
KR_CATEGORIES: Final = ((50, "good"), (100, "moderate"), (250, "unhealthy"), (500, "veryUnhealthy"))


def korea_cai(concentrations: Mapping[str, float]) -> IndexResult:
    """Korea CAI: the highest sub-index, plus 50 when two pollutants are 'unhealthy' or
    worse (sub-index ≥ 101) and 75 when three or more are (capped at 500)."""
    subs: dict[str, int] = {}
    for name, value in concentrations.items():
        if name not in KR_LIMITS or value is None:
            continue
        bands = [
            (lo, hi, i_lo, i_hi)
            for (lo, hi), (i_lo, i_hi) in zip(KR_LIMITS[name], KR_INDEX, strict=True)
        ]
        c = max(0.0, value)
        index = _interpolate(c, bands)
        if index is None:  # between two bands (e.g. 0.0205) or beyond the scale
            index = 500.0 if c > bands[-1][1] else _interpolate_gap(c, bands)
        subs[name] = math.floor(index + 0.5)
    result = _result(subs, KR_CATEGORIES, primary_above=50)
    bad = sum(1 for v in subs.values() if v >= 101)
    bonus = 75 if bad >= 3 else 50 if bad == 2 else 0
    value = min(500, result.value + bonus)
    notes = (f"+{bonus}: {bad} pollutants unhealthy or worse",) if bonus else ()
    return IndexResult(value, _category(value, KR_CATEGORIES), subs, result.primary, notes)


def _interpolate_gap(c: float, bands: Sequence[Band]) -> float:
    """A concentration between two published bands takes the lower edge of the next band."""
    for _, _, i_lo, _ in (b for b in bands if c < b[0]):
        return float(i_lo)
    return 500.0


def _category(value: int, categories: Sequence[tuple[int, str]]) -> str:
    for upper, name in categories:
        if value <= upper:
            return name
    return categories[-1][1]


def _result(
    subs: dict[str, int],
    categories: Sequence[tuple[int, str]],
    *,
    primary_above: int,
    notes: Sequence[str] = (),
) -> IndexResult:
    if not subs:
        raise ValueError("no pollutant with a usable concentration")
    value = max(subs.values())
    primary = (
        tuple(sorted(p for p, v in subs.items() if v == value)) if value > primary_above else ()
    )
    return IndexResult(value, _category(value, categories), dict(subs), primary, tuple(notes))
