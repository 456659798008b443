"""A report: every indicator computed over one period (runs in the process pool)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dosi.apps.kpi import definitions as d
from dosi.apps.kpi import formulas as f
from dosi.apps.kpi.dataset import Dataset
from dosi.apps.kpi.settings import KpiSettings


@dataclass(frozen=True)
class Result:
    indicator: d.Indicator
    value: float | None
    detail: dict[str, Any] = field(default_factory=dict)
    series: tuple[tuple[str, float], ...] = ()

    @property
    def status(self) -> str:
        return "ok" if self.value is not None else "no-data"


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    created: datetime
    timezone: str
    results: tuple[Result, ...]


def compute(data: Dataset, settings: KpiSettings, created: datetime) -> Report:
    zone = ZoneInfo(settings.timezone)
    outcomes: dict[d.Indicator, f.Outcome] = {
        d.PM25: f.mean_concentration(data, "pm25", zone),
        d.PM10: f.mean_concentration(data, "pm10", zone),
        d.AQI_DAYS: f.days_above(data, settings.threshold(), zone, settings.standard),
        d.WASTE_TELEMETRY: f.waste_telemetry(data),
        d.LIGHTING_MANAGED: f.lighting_managed(data),
        d.LIGHTING_FAULTS: f.lighting_faults(data),
        d.PARKING_REALTIME: f.parking_realtime(data),
        d.INCIDENT_RESPONSE: f.incident_response(data),
        d.FLOOD_WARNINGS: f.flood_warnings(data, zone),
    }
    results = tuple(
        Result(i, outcomes[i].value, outcomes[i].detail, outcomes[i].series) for i in d.INDICATORS
    )
    return Report(data.start, data.end, created, settings.timezone, results)
