"""The indicators dosi derives from its own data, and how each relates to the standards.

Only ISO 37120:2018 8.1 and 8.2 are the standard's own indicators (``derived``: we compute
them from the city's sensor network over the asked period, where the standard asks for the
annual mean of reference monitors). The others are ``proxy`` measures of an ISO 37122 or
ISO 37120 theme that the platform can observe directly, or dosi's own (``derived`` with no
reference). Names and definitions in ko/zh/en live in ``translations/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

Conformance = Literal["standard", "derived", "proxy"]
LANGUAGES: Final = ("ko", "zh", "en")


@dataclass(frozen=True)
class Indicator:
    """One indicator. ``unit_code`` is the UN/CEFACT code of ``unit``."""

    id: str
    reference: str | None
    conformance: Conformance
    formula: str
    sources: tuple[str, ...]
    unit: str
    unit_code: str
    period: str
    #: Decimals shown in the HTML report (counts are whole numbers).
    decimals: int = 1
    #: Unit of the chart's series (e.g. the daily highest index behind a count of days).
    series_unit: str = ""

    def describe(self) -> dict[str, Any]:
        """The definition as served by GET /apps/kpi/indicators."""
        text = translations()
        return {
            "id": self.id,
            "reference": self.reference,
            "conformance": self.conformance,
            "name": {lang: text[lang]["indicators"][self.id]["name"] for lang in LANGUAGES},
            "definition": {
                lang: text[lang]["indicators"][self.id]["definition"] for lang in LANGUAGES
            },
            "formula": self.formula,
            "sources": list(self.sources),
            "unit": self.unit,
            "unitCode": self.unit_code,
            "period": self.period,
            "series": {lang: text[lang]["indicators"][self.id]["series"] for lang in LANGUAGES},
        }


PM25 = Indicator(
    id="iso37120-8.1",
    reference="ISO 37120:2018 8.1 (fine particulate matter PM2.5 concentration)",
    conformance="derived",
    formula="mean over stations of each station's mean pm25 reading in the period",
    sources=("AirQualityObserved.pm25",),
    unit="µg/m³",
    unit_code="GQ",
    period="mean over the period (the standard: one calendar year)",
    series_unit="µg/m³",
)
PM10 = Indicator(
    id="iso37120-8.2",
    reference="ISO 37120:2018 8.2 (particulate matter PM10 concentration)",
    conformance="derived",
    formula="mean over stations of each station's mean pm10 reading in the period",
    sources=("AirQualityObserved.pm10",),
    unit="µg/m³",
    unit_code="GQ",
    period="mean over the period (the standard: one calendar year)",
    series_unit="µg/m³",
)
AQI_DAYS = Indicator(
    id="dosi-air-days-above",
    reference="ISO 37120:2018 clause 8 theme (environment and climate change)",
    conformance="proxy",
    formula="count of local days in the period on which any station's airQualityIndex "
    "exceeded the threshold (default 100) of the configured scale",
    sources=("AirQualityObserved.airQualityIndex",),
    unit="days",
    unit_code="DAY",
    period="days within the period",
    decimals=0,
)
WASTE_TELEMETRY = Indicator(
    id="dosi-waste-telemetry",
    reference="ISO 37122:2019 solid waste theme (waste containers equipped with telemetering)",
    conformance="proxy",
    formula="100 × containers reporting fillingLevel / all WasteContainer entities",
    sources=("WasteContainer.fillingLevel",),
    unit="%",
    unit_code="P1",
    period="snapshot when the report is made",
)
LIGHTING_MANAGED = Indicator(
    id="dosi-lighting-managed",
    reference="ISO 37122:2019 energy theme (street lighting under a light management system)",
    conformance="proxy",
    formula="100 × street lights with controllingMethod group or individual, or reporting "
    "powerState / all Streetlight entities",
    sources=("Streetlight.controllingMethod", "Streetlight.powerState"),
    unit="%",
    unit_code="P1",
    period="snapshot when the report is made",
)
LIGHTING_FAULTS = Indicator(
    id="dosi-lighting-faults",
    reference=None,
    conformance="derived",
    formula="100 × street lights whose status is not ok / street lights reporting a status",
    sources=("Streetlight.status",),
    unit="%",
    unit_code="P1",
    period="snapshot when the report is made",
)
PARKING_REALTIME = Indicator(
    id="dosi-parking-realtime",
    reference="ISO 37122:2019 transportation theme (parking spaces with real-time availability)",
    conformance="proxy",
    formula="100 × parking spots whose status is free or occupied / all ParkingSpot entities",
    sources=("ParkingSpot.status",),
    unit="%",
    unit_code="P1",
    period="snapshot when the report is made",
)
INCIDENT_RESPONSE = Indicator(
    id="dosi-incident-response",
    reference="ISO 37120:2018 safety theme (emergency response time from the initial call)",
    conformance="proxy",
    formula="mean of acknowledgedAt − detection time over Alert entities detected in the "
    "period and acknowledged; detection time is detectedAt, else dateIssued, else firstSeen",
    sources=("Alert.detectedAt", "Alert.dateIssued", "Alert.firstSeen", "Alert.acknowledgedAt"),
    unit="min",
    unit_code="MIN",
    period="incidents detected within the period",
    series_unit="min",
)
FLOOD_WARNINGS = Indicator(
    id="dosi-flood-warnings",
    reference=None,
    conformance="derived",
    formula="count of times a gauge's floodLevel rose to warning or alarm from a lower level "
    "within the period",
    sources=("FloodMonitoring.floodLevel", "WaterObserved.floodLevel"),
    unit="warnings",
    unit_code="C62",
    period="rises within the period",
    decimals=0,
    series_unit="warnings",
)

INDICATORS: Final = (
    PM25,
    PM10,
    AQI_DAYS,
    WASTE_TELEMETRY,
    LIGHTING_MANAGED,
    LIGHTING_FAULTS,
    PARKING_REALTIME,
    INCIDENT_RESPONSE,
    FLOOD_WARNINGS,
)
BY_ID: Final = {indicator.id: indicator for indicator in INDICATORS}


@cache
def translations() -> dict[str, dict[str, Any]]:
    folder = Path(__file__).parent / "translations"
    return {
        lang: json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }
