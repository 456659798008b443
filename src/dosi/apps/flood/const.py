"""Names the flood app writes and the level scale it rates gauges on."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "flood"
SOURCE: Final = f"app:{DOMAIN}"
CATEGORY: Final = "flood"

#: Level names by rank: a reading is rated by the highest threshold it reaches.
LEVELS: Final = ("normal", "attention", "warning", "alarm")
#: Signal severity per level (dosi.ops.lifecycle.SEVERITIES).
SEVERITY: Final = {"attention": "warning", "warning": "major", "alarm": "critical"}

#: Attributes written back on every gauge (riseRate in metres per hour).
FLOOD_LEVEL: Final = "floodLevel"
RISE_RATE: Final = "riseRate"
FORECAST_LEVEL: Final = "forecastLevel"
OUTPUTS: Final = (FLOOD_LEVEL, RISE_RATE, FORECAST_LEVEL)

#: UN/CEFACT code of the metre (levels are metres above the gauge datum).
METRE: Final = "MTR"

#: Threshold attributes a gauge entity may carry, per level: our own names first, then
#: the Smart Data Models FloodMonitoring ones (alertLevel, dangerLevel).
ENTITY_THRESHOLDS: Final = {
    "attention": ("attentionLevel",),
    "warning": ("warningLevel", "alertLevel"),
    "alarm": ("alarmLevel", "dangerLevel"),
}
#: The gauge's normal level (FloodMonitoring), used to place a missing attention level.
REFERENCE_LEVEL: Final = "referenceLevel"
#: Attributes holding the observation time when the level carries no observedAt.
TIME_ATTRIBUTES: Final = ("observationDateTime", "dateObserved")
