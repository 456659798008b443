"""Flood and river-level warning: rates every gauge reading against its levels.

Each FloodMonitoring / WaterObserved reading gets ``floodLevel`` (normal, attention,
warning, alarm), ``riseRate`` (m/h) and ``forecastLevel`` (m, ``horizon`` ahead) written
back; when the current or forecast level crosses a level, a Signal goes to the incident
service (``platform.use("signals")``), and a clear one when the water falls back.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from dosi.apps.flood.alerts import signal_for
from dosi.apps.flood.const import (
    FLOOD_LEVEL,
    FORECAST_LEVEL,
    LEVELS,
    METRE,
    RISE_RATE,
    TIME_ATTRIBUTES,
)
from dosi.apps.flood.levels import number, thresholds_for
from dosi.apps.flood.monitor import Assessment, FloodMonitor
from dosi.apps.flood.settings import FloodSettings
from dosi.apps.flood.trend import Point
from dosi.errors import AppError
from dosi.ops.signals import SIGNALS, Signal, SignalSink
from dosi.platform import EntityHandler, Platform

__all__ = ["FloodSettings", "setup"]

logger = logging.getLogger(__name__)


def _epoch(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("@value")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def reading_of(entity: dict[str, Any], attr: str) -> Point | None:
    """(time, level) of a gauge entity: the attribute's observedAt, else the entity's
    observation time attribute, else now."""
    value = number(entity, attr)
    if value is None:
        return None
    instance = entity[attr][0] if isinstance(entity[attr], list) else entity[attr]
    at = _epoch(instance.get("observedAt"))
    for name in TIME_ATTRIBUTES:
        if at is None and isinstance(entity.get(name), dict):
            at = _epoch(entity[name].get("value"))
    return (time.time() if at is None else at), value


def outputs(assessment: Assessment) -> dict[str, dict[str, Any]]:
    """The attributes written back on the gauge."""
    observed = datetime.fromtimestamp(assessment.at, UTC).isoformat().replace("+00:00", "Z")
    attrs: dict[str, dict[str, Any]] = {
        FLOOD_LEVEL: {
            "type": "Property",
            "value": LEVELS[assessment.level],
            "observedAt": observed,
        }
    }
    if assessment.rise_rate is not None:
        attrs[RISE_RATE] = {
            "type": "Property",
            "value": round(assessment.rise_rate, 4),
            "observedAt": observed,
        }
    if assessment.forecast is not None:
        attrs[FORECAST_LEVEL] = {
            "type": "Property",
            "value": round(assessment.forecast, 3),
            "unitCode": METRE,
            "observedAt": observed,
        }
    return attrs


async def setup(platform: Platform) -> None:
    settings = platform.settings(FloodSettings)
    monitor = FloodMonitor(settings)
    await _seed(platform, settings, monitor)

    async def emit(signal: Signal) -> None:
        try:
            sink: SignalSink = platform.use(SIGNALS)
        except AppError:
            logger.warning("no signals service: %s (%s) not raised", signal.key, signal.severity)
            return
        try:
            await sink.signal(signal)
        except Exception:  # the sink is another service: log this signal, keep rating
            logger.exception("signal %s was refused", signal.key)

    def observer(attr: str) -> EntityHandler:
        async def observe(
            entity: dict[str, Any], before: dict[str, Any] | None, tenant: str
        ) -> None:
            if before is not None and before.get(attr) == entity.get(attr):
                return  # the level did not change (e.g. our own write-back)
            reading = reading_of(entity, attr)
            if reading is None:
                return
            gauge = settings.gauges.get(entity["id"])
            thresholds = thresholds_for(
                entity, gauge.thresholds if gauge else None, settings.defaults
            )
            assessment = monitor.assess((tenant, entity["id"]), *reading, thresholds)
            if assessment is None:
                return  # older than, or the same as, the last reading
            signal = signal_for(entity, tenant, assessment, thresholds, settings)
            if signal is not None:
                await emit(signal)
            await platform.entities.update_attrs(entity["id"], outputs(assessment), tenant=tenant)

        return observe

    for type_, attr in settings.sources.items():
        platform.on_entities(type_, observer(attr))


async def _seed(platform: Platform, settings: FloodSettings, monitor: FloodMonitor) -> None:
    """Fill the windows from the history of the default tenant. Alert ranks start at
    normal, so a gauge still above a level is announced again (the incident service
    correlates the repeat by key)."""
    keep = max(settings.fit_window, settings.rise_window)
    start = datetime.now(UTC) - keep
    for type_, attr in settings.sources.items():
        gauges = await platform.entities.query(type_)
        samples = await platform.history([g["id"] for g in gauges], [attr], start=start)
        points: dict[str, list[Point]] = defaultdict(list)
        for sample in samples:
            if isinstance(sample.value, int | float) and not isinstance(sample.value, bool):
                points[sample.entity_id].append((sample.at.timestamp(), float(sample.value)))
        for gauge in gauges:
            current = reading_of(gauge, attr)
            if current is not None:
                points[gauge["id"]].append(current)
            rated = (gauge.get(FLOOD_LEVEL) or {}).get("value")
            level = LEVELS.index(rated) if rated in LEVELS else 0
            monitor.seed(("", gauge["id"]), points[gauge["id"]], level=level)
        logger.info("flood: watching %d %s gauges", len(gauges), type_)
