"""Settings of the control room: an optional basemap tile source and live-stream limits.

Read from ``DOSI_WEB__*`` variables (the nested form, so the section can later move into
``dosi.settings.Settings`` as ``web`` without renaming anything).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOSI_WEB__", frozen=True, extra="ignore")

    #: Basemap under the generated city outline: an XYZ raster template
    #: (``https://tiles.example/{z}/{x}/{y}.png``, ``tile_kind="raster"``) or the URL of a
    #: MapLibre style JSON (``tile_kind="style"``, vector tiles). Unset: generated basemap only.
    tile_url: str | None = None
    tile_kind: Literal["raster", "style"] = "raster"
    tile_attribution: str = ""
    #: Further origins the browser may fetch from (hosts a tile style refers to).
    extra_origins: list[str] = Field(default_factory=list)
    #: Most open live streams (SSE) per process; more get 503.
    max_streams: int = Field(default=200, ge=1)
    #: Seconds between keep-alive comments on an idle stream.
    heartbeat: float = Field(default=15.0, gt=0)
    #: Changes buffered per stream before the oldest are dropped (the client then resyncs).
    stream_buffer: int = Field(default=2000, ge=10)


def web_settings(app: Any) -> WebSettings:
    """The app's WebSettings, read from the environment once and kept on ``app.state``
    (a test may put its own there first)."""
    found = getattr(app.state, "web_settings", None)
    if not isinstance(found, WebSettings):
        found = WebSettings()
        app.state.web_settings = found
    return found
