"""The flood app's section of the configuration (``DOSI_APPS__FLOOD__...``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Thresholds(BaseModel):
    """Water levels (m, on the gauge's own datum) at which each level begins; None means
    the level is not monitored on that gauge."""

    model_config = ConfigDict(frozen=True)

    attention: float | None = None
    warning: float | None = None
    alarm: float | None = None

    def ordered(self) -> tuple[float | None, float | None, float | None]:
        return (self.attention, self.warning, self.alarm)


class GaugeSettings(BaseModel):
    """Per-gauge overrides, keyed by the gauge entity id."""

    thresholds: Thresholds = Thresholds()
    #: GeoJSON Polygon or MultiPolygon of the area a warning concerns.
    area: dict[str, Any] | None = None


class FloodSettings(BaseModel):
    #: Entity type → the attribute holding the water level (m).
    sources: dict[str, str] = Field(
        default_factory=lambda: {"FloodMonitoring": "currentLevel", "WaterObserved": "waterLevel"}
    )
    #: Used only for gauges whose entity and settings give no threshold at all; real
    #: gauges need their own (their datums differ).
    defaults: Thresholds = Thresholds(attention=2.0, warning=3.0, alarm=4.0)
    gauges: dict[str, GaugeSettings] = Field(default_factory=dict)
    #: A level is left only once the water is this far (m) below its threshold.
    hysteresis: float = Field(default=0.1, ge=0)
    #: Rate of rise: least-squares slope over this trailing window, once the readings in
    #: it span at least ``rise_min_span`` (a centimetre step over seconds is not a trend).
    rise_window: timedelta = timedelta(minutes=30)
    rise_min_span: timedelta = timedelta(minutes=5)
    #: Forecast: Holt's smoothing over this trailing window, resampled every ``step``.
    fit_window: timedelta = timedelta(hours=3)
    step: timedelta = timedelta(minutes=5)
    horizon: timedelta = timedelta(hours=1)
    alpha: float = Field(default=0.5, gt=0, le=1)
    beta: float = Field(default=0.3, gt=0, le=1)
    #: Radius (m) of the affected area around a gauge without a configured area.
    buffer_m: float = Field(default=500.0, gt=0)
