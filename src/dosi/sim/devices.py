"""Simulated devices: a device family's provisioning and a device's payloads.

Each device keeps its own state and random generator (seeded with the simulation seed
and its id), so its readings depend on nothing but the seed and the simulated time.
``keyvalues(t)`` is the Smart Data Models entity (keyValues form) the device's
readings produce once the agent mapped them; the tests validate it against the model's
JSON Schema. ``payload(t)`` is what the device sends: JSON, or UltraLight 2.0 with short
measure names the family's attribute mappings expand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson

from dosi.sim.city import CityLayout, District
from dosi.sim.environment import Environment
from dosi.sim.geo import Coord, round_coord

SDM = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"


def iso(t: float) -> str:
    """A simulated time as an RFC 3339 UTC date-time (seconds)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Family:
    """A kind of device: one service group of the agent."""

    key: str
    entity_type: str
    domain: str
    protocol: str = "JSON"
    #: Attribute mappings (provisioning form); UltraLight families map short keys.
    attributes: tuple[dict[str, Any], ...] = ()
    commands: tuple[str, ...] = ()

    @property
    def context(self) -> str:
        return SDM.format(self.domain)

    def short_names(self) -> dict[str, str]:
        """NGSI-LD attribute name → the key the device sends."""
        return {a["name"]: a.get("object_id", a["name"]) for a in self.attributes}


@dataclass
class Placement:
    location: Coord
    district: District


@dataclass
class SimDevice:
    """Base class: subclasses give ``family``, ``static_values`` and ``advance``."""

    family: ClassVar[Family]

    index: int
    device_id: str
    entity_id: str
    placement: Placement
    env: Environment
    rng: random.Random
    layout: CityLayout
    last: float | None = None
    commands_received: list[tuple[str, Any]] = field(default_factory=list)

    # -- what subclasses implement -------------------------------------------------------
    def static_values(self) -> dict[str, Any]:
        raise NotImplementedError

    def advance(self, t: float, dt: float) -> dict[str, Any]:
        """Move the state to ``t`` (``dt`` seconds after the previous reading) and return
        the dynamic attributes, keyValues form."""
        raise NotImplementedError

    def command(self, name: str, value: Any) -> str:
        """Execute a command; the result text sent back on ``cmdexe``."""
        self.commands_received.append((name, value))
        return "unsupported"

    # -- shared --------------------------------------------------------------------------
    def static(self) -> dict[str, Any]:
        district = self.placement.district
        base: dict[str, Any] = {
            "location": {"type": "Point", "coordinates": round_coord(self.placement.location)},
            "address": {
                "addressLocality": district.name,
                "addressRegion": self.env.spec.region,
                "addressCountry": self.env.spec.country,
            },
            "dataProvider": f"dosi simulator ({self.env.spec.label})",
        }
        base.update(self.static_values())
        return base

    def step(self, t: float) -> dict[str, Any]:
        dt = 0.0 if self.last is None else max(0.0, t - self.last)
        self.last = t
        return self.advance(t, dt)

    def keyvalues(self, t: float, dynamic: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.entity_id, "type": self.family.entity_type, **self.static(), **dynamic}

    def payload(self, t: float, dynamic: dict[str, Any]) -> bytes:
        if self.family.protocol == "UL":
            short = self.family.short_names()
            fields = [iso(t)]
            for name, value in dynamic.items():
                fields.extend((short.get(name, name), _ul(value)))
            return "|".join(fields).encode()
        return orjson.dumps({**dynamic, "TimeInstant": iso(t)})


def _ul(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def normalized(static: dict[str, Any]) -> dict[str, Any]:
    """keyValues static attributes → NGSI-LD normalized attributes for provisioning:
    geometries are GeoProperties, ``ref*`` ids Relationships, the rest Properties."""
    out: dict[str, Any] = {}
    for name, value in static.items():
        if isinstance(value, dict) and "coordinates" in value and "type" in value:
            out[name] = {"type": "GeoProperty", "value": value}
        elif name.startswith("ref") and _ids(value):
            out[name] = {"type": "Relationship", "object": value}
        else:
            out[name] = {"type": "Property", "value": value}
    return out


def _ids(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, str) and v.startswith("urn:") for v in values)


__all__ = ["SDM", "Family", "Placement", "SimDevice", "iso", "normalized"]
