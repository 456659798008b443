"""Level thresholds of a gauge and the rating of a water level against them.

Thresholds come, per level, from the gauge entity (``attentionLevel``/``warningLevel``/
``alarmLevel``, or the Smart Data Models ``alertLevel``/``dangerLevel``), else from the
gauge's settings; a missing attention level sits halfway between the gauge's
``referenceLevel`` and its warning level. Only a gauge with none of these falls back to the
app defaults: mixing a river's own levels with generic ones would rate it wrongly.
"""

from __future__ import annotations

import logging
from typing import Any

from dosi.apps.flood.const import ENTITY_THRESHOLDS, LEVELS, REFERENCE_LEVEL
from dosi.apps.flood.settings import Thresholds

logger = logging.getLogger(__name__)
#: Misconfigured (gauge, level) pairs already logged: a gauge reports every few minutes.
_reported: set[tuple[str, str]] = set()


def number(entity: dict[str, Any], name: str) -> float | None:
    """The numeric value of a normalized Property, if it has one."""
    attr = entity.get(name)
    if isinstance(attr, list):
        attr = attr[0] if attr else None
    if isinstance(attr, dict):
        value = attr.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def thresholds_for(
    entity: dict[str, Any], configured: Thresholds | None, defaults: Thresholds
) -> Thresholds:
    """The thresholds that apply to ``entity`` (see the module docstring for the order)."""
    found: dict[str, float | None] = {}
    for level in LEVELS[1:]:
        value = next(
            (v for n in ENTITY_THRESHOLDS[level] if (v := number(entity, n)) is not None), None
        )
        if value is None and configured is not None:
            value = getattr(configured, level)
        found[level] = value
    reference = number(entity, REFERENCE_LEVEL)
    if found["attention"] is None and found["warning"] is not None and reference is not None:
        found["attention"] = (reference + found["warning"]) / 2
    if all(v is None for v in found.values()):
        return defaults
    return _ascending(Thresholds(**found), entity.get("id", "?"))


def _ascending(thresholds: Thresholds, gauge: str) -> Thresholds:
    """Drop a threshold that is not above the lower ones (a misconfigured gauge)."""
    kept: dict[str, float | None] = {}
    floor: float | None = None
    for level, value in zip(LEVELS[1:], thresholds.ordered(), strict=True):
        if value is not None and floor is not None and value <= floor:
            if (gauge, level) not in _reported:
                _reported.add((gauge, level))
                logger.warning(
                    "gauge %s: %s level %.2f is not above %.2f; ignored", gauge, level, value, floor
                )
            value = None
        kept[level] = value
        floor = value if value is not None else floor
    return Thresholds(**kept)


def classify(value: float, thresholds: Thresholds) -> int:
    """The rank (index into LEVELS) of the highest threshold ``value`` reaches."""
    rank = 0
    for index, limit in enumerate(thresholds.ordered(), start=1):
        if limit is not None and value >= limit:
            rank = index
    return rank


def held(value: float, thresholds: Thresholds, previous: int, band: float) -> int:
    """Rank with hysteresis: rising takes effect at once; a level is left only when
    ``value`` falls more than ``band`` below its threshold."""
    rank = classify(value, thresholds)
    if rank >= previous:
        return rank
    return max(rank, min(previous, classify(value + band, thresholds)))
