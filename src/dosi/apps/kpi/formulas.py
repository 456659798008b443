"""The indicators' formulas: pure functions of a Dataset.

Each returns an ``Outcome``: the value (None when there is no data to compute it from),
the counts behind it, and an optional labelled series for the report's chart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any, Final
from zoneinfo import ZoneInfo

from dosi.apps.kpi.dataset import Dataset
from dosi.platform import Sample

#: Flood levels by rank, as the flood app writes them in ``floodLevel``.
FLOOD_RANKS: Final = {"normal": 0, "attention": 1, "warning": 2, "alarm": 3}
WARNING_RANK: Final = 2
ALARM_RANK: Final = 3
LIGHT_MANAGED: Final = frozenset({"group", "individual"})
PARKING_KNOWN: Final = frozenset({"free", "occupied"})
#: When an Alert was detected: ``detectedAt``, else when the incident service issued it
#: (it enters the ``detected`` state then), else its first signal.
DETECTED_AT: Final = ("detectedAt", "dateIssued", "firstSeen")


@dataclass(frozen=True)
class Outcome:
    value: float | None
    detail: dict[str, Any] = field(default_factory=dict)
    series: tuple[tuple[str, float], ...] = ()


def value_of(entity: dict[str, Any], name: str) -> Any:
    """The value of a normalized Property (the first instance), else None."""
    attr = entity.get(name)
    if isinstance(attr, list):
        attr = attr[0] if attr else None
    if not isinstance(attr, dict):
        return None
    value = attr.get("value")
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo("UTC"))


def _numeric(sample: Sample) -> float | None:
    value = sample.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _inside(samples: Iterable[Sample], data: Dataset) -> list[tuple[Sample, float]]:
    return [
        (s, v) for s in samples if data.start <= s.at < data.end and (v := _numeric(s)) is not None
    ]


def _day(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).date().isoformat()


def mean_concentration(data: Dataset, attr: str, zone: ZoneInfo) -> Outcome:
    """Mean of per-station means, so a station reporting more often does not weigh more;
    the series is the mean of all readings per local day."""
    by_station: dict[str, list[float]] = defaultdict(list)
    by_day: dict[str, list[float]] = defaultdict(list)
    for sample, value in _inside(data.samples("AirQualityObserved", attr), data):
        by_station[sample.entity_id].append(value)
        by_day[_day(sample.at, zone)].append(value)
    if not by_station:
        return Outcome(None, {"stations": 0, "readings": 0})
    value = fmean(fmean(values) for values in by_station.values())
    return Outcome(
        value,
        {"stations": len(by_station), "readings": sum(len(v) for v in by_station.values())},
        tuple((day, fmean(values)) for day, values in sorted(by_day.items())),
    )


def days_above(data: Dataset, threshold: float, zone: ZoneInfo, standard: str) -> Outcome:
    """Local days on which any station's index exceeded ``threshold``; the series is the
    highest index of each day with readings."""
    highest: dict[str, float] = {}
    for sample, value in _inside(data.samples("AirQualityObserved", "airQualityIndex"), data):
        day = _day(sample.at, zone)
        highest[day] = max(value, highest.get(day, value))
    if not highest:
        return Outcome(None, {"daysWithData": 0, "threshold": threshold, "standard": standard})
    above = sorted(day for day, value in highest.items() if value > threshold)
    detail = {
        "daysWithData": len(highest),
        "days": above,
        "threshold": threshold,
        "standard": standard,
    }
    return Outcome(float(len(above)), detail, tuple(sorted(highest.items())))


def share(entities: list[dict[str, Any]], counted: Callable[[dict[str, Any]], bool]) -> Outcome:
    """100 × (entities ``counted``) / (all ``entities``); None for no entities."""
    if not entities:
        return Outcome(None, {"numerator": 0, "denominator": 0})
    numerator = sum(1 for e in entities if counted(e))
    return Outcome(
        100.0 * numerator / len(entities),
        {"numerator": numerator, "denominator": len(entities)},
    )


def waste_telemetry(data: Dataset) -> Outcome:
    def reporting(entity: dict[str, Any]) -> bool:
        level = value_of(entity, "fillingLevel")
        return isinstance(level, int | float) and not isinstance(level, bool)

    return share(data.of("WasteContainer"), reporting)


def lighting_managed(data: Dataset) -> Outcome:
    def managed(entity: dict[str, Any]) -> bool:
        method = value_of(entity, "controllingMethod")
        return method in LIGHT_MANAGED or value_of(entity, "powerState") is not None

    return share(data.of("Streetlight"), managed)


def lighting_faults(data: Dataset) -> Outcome:
    reporting = [e for e in data.of("Streetlight") if isinstance(value_of(e, "status"), str)]
    outcome = share(reporting, lambda e: value_of(e, "status") != "ok")
    faults: dict[str, int] = defaultdict(int)
    for entity in reporting:
        if value_of(entity, "status") != "ok":
            faults[str(value_of(entity, "status"))] += 1
    return Outcome(outcome.value, {**outcome.detail, "faults": dict(sorted(faults.items()))})


def parking_realtime(data: Dataset) -> Outcome:
    return share(data.of("ParkingSpot"), lambda e: value_of(e, "status") in PARKING_KNOWN)


def incident_response(data: Dataset) -> Outcome:
    """Mean minutes from detection to acknowledgedAt of the Alerts detected in the period;
    the series is the mean per Alert category."""
    detected = 0
    minutes: list[float] = []
    by_category: dict[str, list[float]] = defaultdict(list)
    for alert in data.of("Alert"):
        found = next(filter(None, (moment(value_of(alert, n)) for n in DETECTED_AT)), None)
        if found is None or not data.start <= found < data.end:
            continue
        detected += 1
        acknowledged = moment(value_of(alert, "acknowledgedAt"))
        if acknowledged is None or acknowledged < found:
            continue
        taken = (acknowledged - found).total_seconds() / 60
        minutes.append(taken)
        category = value_of(alert, "category")
        by_category[category if isinstance(category, str) else "other"].append(taken)
    detail = {"detected": detected, "acknowledged": len(minutes)}
    if not minutes:
        return Outcome(None, detail)
    series = tuple((name, fmean(values)) for name, values in sorted(by_category.items()))
    return Outcome(fmean(minutes), detail, series)


def flood_warnings(data: Dataset, zone: ZoneInfo) -> Outcome:
    """Rises of a gauge's floodLevel to warning or alarm from below, inside the period.
    History before the period (the lookback) only sets where each gauge stood."""
    gauges = [e["id"] for t in ("FloodMonitoring", "WaterObserved") for e in data.of(t)]
    if not gauges:
        return Outcome(None, {"gauges": 0})
    samples = [
        *data.samples("FloodMonitoring", "floodLevel"),
        *data.samples("WaterObserved", "floodLevel"),
    ]
    rank: dict[str, int] = defaultdict(int)
    per_day: dict[str, int] = defaultdict(int)
    alarms = 0
    for sample in sorted(samples, key=lambda s: (s.entity_id, s.at)):
        now = FLOOD_RANKS.get(sample.value, 0) if isinstance(sample.value, str) else 0
        before = rank[sample.entity_id]
        rank[sample.entity_id] = now
        if not data.start <= sample.at < data.end:
            continue
        if now >= WARNING_RANK > before:
            per_day[_day(sample.at, zone)] += 1
        if now == ALARM_RANK > before:
            alarms += 1
    issued = sum(per_day.values())
    return Outcome(
        float(issued),
        {"gauges": len(gauges), "alarms": alarms},
        tuple((day, float(count)) for day, count in sorted(per_day.items())),
    )
