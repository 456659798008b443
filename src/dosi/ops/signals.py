"""The contract between what detects trouble and what handles it.

Rules (``dosi.ops.rules``) and city apps (flood, air, ...) emit a ``Signal`` when something
abnormal starts, repeats or clears; the incident service (``dosi.ops.incidents``) turns
signals into incidents, correlating repeats by ``key``. Apps reach the sink with
``platform.use("signals")``, so a third-party detector plugs in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: The name under which the incident service is provided to apps (``Platform.use``).
SIGNALS = "signals"


@dataclass(frozen=True)
class Signal:
    """Something abnormal seen at a time and place.

    ``key`` identifies the condition (e.g. ``rule:<id>:<entity id>``): signals with the same
    key within the correlation window are one incident with a count. ``clear`` says the
    condition ended (a hysteresis band was left); it never closes an incident by itself.
    """

    source: str  # "rule:<id>@<version>" or "app:<domain>"
    key: str
    category: str  # one of dosi.ops.lifecycle.CATEGORIES
    severity: str  # one of dosi.ops.lifecycle.SEVERITIES
    title: dict[str, str]  # per language: ko, zh, en
    observed_at: datetime
    tenant: str = ""
    entity_ids: tuple[str, ...] = ()
    location: dict[str, Any] | None = None  # GeoJSON geometry (the icon on the map)
    area: dict[str, Any] | None = None  # GeoJSON polygon of the affected area
    readings: dict[str, Any] = field(default_factory=dict)  # attribute → value that fired
    clear: bool = False


class SignalSink(Protocol):
    """Where signals go (the incident service implements it)."""

    async def signal(self, signal: Signal) -> None: ...
