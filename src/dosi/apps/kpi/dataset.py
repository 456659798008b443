"""What a report is computed from: current entities and history of one period.

``gather`` reads through the Platform; the ``Dataset`` it returns is plain, picklable data,
so the computation runs in the process pool and is tested on hand-built datasets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from dosi.platform import Platform, Sample

#: Entity types read as they are now (snapshot indicators, and ids for history reads).
TYPES: Final = (
    "AirQualityObserved",
    "WasteContainer",
    "Streetlight",
    "ParkingSpot",
    "Alert",
    "FloodMonitoring",
    "WaterObserved",
)
#: (entity type, attribute) whose history inside the period the indicators use.
HISTORY: Final = (
    ("AirQualityObserved", "pm25"),
    ("AirQualityObserved", "pm10"),
    ("AirQualityObserved", "airQualityIndex"),
)
#: Histories also read some time before the period (see KpiSettings.flood_lookback).
LOOKBACK_HISTORY: Final = (("FloodMonitoring", "floodLevel"), ("WaterObserved", "floodLevel"))


@dataclass(frozen=True)
class Dataset:
    start: datetime
    end: datetime
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)

    def of(self, type_: str) -> list[dict[str, Any]]:
        return self.entities.get(type_, [])

    def samples(self, type_: str, attr: str) -> list[Sample]:
        return self.history.get((type_, attr), [])


async def gather(
    platform: Platform,
    start: datetime,
    end: datetime,
    *,
    lookback: timedelta = timedelta(0),
    tenant: str = "",
) -> Dataset:
    entities = {t: await platform.entities.query(t, tenant=tenant) for t in TYPES}
    history: dict[tuple[str, str], list[Sample]] = {}
    reads = [(key, start) for key in HISTORY] + [
        (key, start - lookback) for key in LOOKBACK_HISTORY
    ]
    for (type_, attr), since in reads:
        ids = [e["id"] for e in entities[type_]]
        history[(type_, attr)] = await platform.history(
            ids, [attr], start=since, end=end, tenant=tenant
        )
    return Dataset(start, end, entities, history)
