"""WasteSettings: this app's section of the configuration (``app_settings["waste"]``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WasteSettings(BaseModel):
    """Fleet, shift and forecasting parameters; every one may be overridden per plan."""

    #: Fill level (fraction) at which a bin counts as due for collection.
    threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    trucks: int = Field(default=5, ge=1)
    #: Litres of loose waste one truck takes in one shift.
    capacity: int = Field(default=80_000, ge=1)
    #: Depots as [lon, lat]; empty: the simulator layout of ``city`` gives them.
    depots: list[tuple[float, float]] = Field(default_factory=list)
    #: The simulated city whose layout (depots, road graph, holidays) the plan uses.
    city: str | None = "sejong"
    seed: int = 7
    #: Local shift start and length; a round a day starts at ``shift_start``.
    shift_start: str = "06:00"
    shift_hours: float = Field(default=8.0, gt=0.0, le=24.0)
    utc_offset_hours: float | None = None
    #: Seconds spent at each bin (lifting, emptying, putting back).
    service_seconds: int = Field(default=120, ge=0)
    speed_kmh: float = Field(default=25.0, gt=0.0)
    #: Road distance over straight-line distance where no road graph is known.
    detour: float = Field(default=1.3, ge=1.0)
    time_limit: float = Field(default=5.0, gt=0.0)
    #: Days of fill-level history the forecast reads.
    history_days: int = Field(default=14, ge=1)
    #: Plan automatically every this many hours (None: only on request).
    plan_every_hours: float | None = Field(default=None, gt=0.0)
