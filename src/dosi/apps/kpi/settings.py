"""The KPI app's section of the configuration (``DOSI_APPS__KPI__...``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

Standard = Literal["korea", "china", "us"]


class KpiSettings(BaseModel):
    #: The scale of ``airQualityIndex`` (set it as the air app's ``standard``).
    standard: Standard = "korea"
    #: Index above which a day counts as polluted; None: 100, where every supported
    #: scale leaves its "moderate" band (Korea CAI 나쁨, China 超标, US USG).
    aqi_threshold: float | None = None
    #: IANA time zone that days and calendar periods are counted in.
    timezone: str = "UTC"
    #: Report period when none is asked for (ISO 8601 duration ending now).
    period: str = "P30D"
    #: Write the indicators as KeyPerformanceIndicator entities this often; None: never.
    publish_every: timedelta | None = timedelta(hours=1)
    #: The period the published values cover (ending at publication).
    publish_period: str = "P1D"
    #: Gauge history read before the period, so a warning already standing at its start
    #: is not counted as issued again.
    flood_lookback: timedelta = Field(default=timedelta(days=1), ge=timedelta(0))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def threshold(self) -> float:
        return 100.0 if self.aqi_threshold is None else self.aqi_threshold
