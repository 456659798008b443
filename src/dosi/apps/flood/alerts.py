"""Signals for the incident service when a gauge's alert level changes.

One key per gauge (``app:flood:<id>``): a rise or a fall between levels is a signal of
the new level's severity; the fall back to normal is a ``clear`` signal.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from dosi.apps.flood.area import buffer_area
from dosi.apps.flood.const import CATEGORY, LEVELS, SEVERITY, SOURCE
from dosi.apps.flood.monitor import Assessment
from dosi.apps.flood.settings import FloodSettings, Thresholds
from dosi.ops.signals import Signal

LANGUAGES = ("ko", "zh", "en")


@cache
def translations() -> dict[str, dict[str, Any]]:
    folder = Path(__file__).parent / "translations"
    return {
        lang: json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }


def gauge_name(entity: dict[str, Any]) -> str:
    for name in ("name", "stationID"):
        attr = entity.get(name)
        if isinstance(attr, dict) and isinstance(attr.get("value"), str) and attr["value"]:
            return str(attr["value"])
    return str(entity["id"])


def location_of(entity: dict[str, Any]) -> dict[str, Any] | None:
    attr = entity.get("location")
    if isinstance(attr, list):
        attr = attr[0] if attr else None
    if isinstance(attr, dict) and isinstance(attr.get("value"), dict):
        return dict(attr["value"])
    return None


def affected_area(entity: dict[str, Any], settings: FloodSettings) -> dict[str, Any] | None:
    """The configured area of the gauge, else a buffer around its location."""
    configured = settings.gauges.get(entity["id"])
    if configured is not None and configured.area is not None:
        return configured.area
    location = location_of(entity)
    return buffer_area(location, settings.buffer_m) if location else None


def titles(
    name: str, level: str, value: float, expected: float | None, minutes: int
) -> dict[str, str]:
    out = {}
    for lang, text in translations().items():
        title = text["title"][level].format(name=name, value=f"{value:.2f}")
        if expected is not None and level != "clear":
            title += text["forecast"].format(forecast=f"{expected:.2f}", minutes=minutes)
        out[lang] = title
    return out


def signal_for(
    entity: dict[str, Any],
    tenant: str,
    assessment: Assessment,
    thresholds: Thresholds,
    settings: FloodSettings,
) -> Signal | None:
    """The signal this assessment calls for, if the alert level changed."""
    if assessment.alert == assessment.previous_alert:
        return None
    clear = assessment.alert == 0
    level = LEVELS[assessment.previous_alert if clear else assessment.alert]
    minutes = round(settings.horizon.total_seconds() / 60)
    readings: dict[str, Any] = {
        "level": assessment.value,
        "floodLevel": LEVELS[assessment.level],
        "alertLevel": LEVELS[assessment.alert],
        "riseRate": assessment.rise_rate,
        "forecastLevel": assessment.forecast,
        "thresholds": thresholds.model_dump(),
    }
    return Signal(
        source=SOURCE,
        key=f"{SOURCE}:{entity['id']}",
        category=CATEGORY,
        severity=SEVERITY[level],
        title=titles(
            gauge_name(entity),
            "clear" if clear else level,
            assessment.value,
            assessment.forecast,
            minutes,
        ),
        observed_at=datetime.fromtimestamp(assessment.at, UTC),
        tenant=tenant,
        entity_ids=(entity["id"],),
        location=location_of(entity),
        area=affected_area(entity, settings),
        readings=readings,
        clear=clear,
    )
