"""The kinds of linked service, after Korea's smart-city integrated platform.

The "five linked services" (112 emergency video, 112 dispatch, 119 dispatch, disaster
response, vulnerable people) and the later add-ons (electronic-monitoring zone breach,
wanted-vehicle search, emergency-vehicle signal priority) differ only in the
``context`` each adds to the common message (``contract.message``). An adapter is a
configured instance of a kind: a URL, a secret and the incident categories it takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext
from dosi.ops.services import cameras, nearby
from dosi.settings import OpsSettings

View = dict[str, Any]


@dataclass(frozen=True)
class Surroundings:
    """What an adapter may look up around an incident (one tenant)."""

    entities: EntityService
    devices: ActiveContext  # Smart Data Models Device vocabulary
    transport: ActiveContext  # Smart Data Models Transportation vocabulary
    settings: OpsSettings
    tenant: str

    async def cameras(self, spot: nearby.Point | None, limit: int = 5) -> list[dict[str, Any]]:
        if spot is None:
            return []
        found = await cameras.cameras_for(
            self.entities,
            self.devices,
            self.tenant,
            spot,
            radius=self.settings.camera_radius,
            video_url=self.settings.video_url,
            snapshot_url=self.settings.snapshot_url,
            limit=limit,
        )
        return [camera.to_dict() for camera in found]

    async def traffic(self, spot: nearby.Point | None) -> list[dict[str, Any]]:
        if spot is None:
            return []
        radius = self.settings.camera_radius * 3
        return await nearby.traffic(self.entities, self.transport, self.tenant, spot, radius)

    async def trail(self, entity_id: str) -> list[dict[str, Any]]:
        return await nearby.trail(self.entities, self.devices, self.tenant, entity_id)


Enrich = Callable[[Surroundings, View, Any, dict[str, Any]], Awaitable[View]]


def _subject(incident: View) -> str | None:
    ids = incident.get("entityIds") or []
    return str(ids[0]) if ids else None


async def video_112(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """112 emergency video support: live video of the cameras that see the reported spot."""
    return {"cameras": await s.cameras(spot, int(options.get("cameras", 5)))}


async def dispatch_112(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """112 emergency dispatch support: a snapshot and the spot, for the officer on duty."""
    found = await s.cameras(spot, 1)
    return {
        "officer": options.get("officer"),
        "snapshot": found[0]["snapshot"] if found else None,
        "camera": found[0]["id"] if found else None,
    }


async def dispatch_119(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """119 emergency dispatch support: cameras and the traffic on the approach roads."""
    return {
        "cameras": await s.cameras(spot, int(options.get("cameras", 3))),
        "approach": await s.traffic(spot),
    }


async def disaster(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """Disaster-situation response: the incident as is, with the readings that fired."""
    return {"readings": incident.get("readings", {}), "area": incident.get("area")}


async def vulnerable(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """Support for vulnerable people: the wearable's location trail and nearby cameras."""
    subject = _subject(incident)
    return {
        "wearable": subject,
        "trail": await s.trail(subject) if subject else [],
        "cameras": await s.cameras(spot),
    }


async def monitoring(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """Electronic-monitoring centre: who left or entered which zone, and where they are."""
    subject = _subject(incident)
    return {
        "subject": subject,
        "zone": incident.get("area"),
        "trail": await s.trail(subject) if subject else [],
        "cameras": await s.cameras(spot),
    }


async def wanted_vehicle(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """Wanted-vehicle search: the plate read and the cameras around the sighting."""
    readings = incident.get("readings") or {}
    return {
        "plate": readings.get("plate") or readings.get("licensePlate"),
        "cameras": await s.cameras(spot),
    }


async def signal_priority(s: Surroundings, incident: View, spot: Any, options: View) -> View:
    """Emergency-vehicle signal priority: the roads to clear towards the spot."""
    return {"destination": incident.get("location"), "roads": await s.traffic(spot)}


KINDS: Final[dict[str, Enrich]] = {
    "video112": video_112,
    "dispatch112": dispatch_112,
    "dispatch119": dispatch_119,
    "disaster": disaster,
    "vulnerable": vulnerable,
    "monitoring": monitoring,
    "wanted-vehicle": wanted_vehicle,
    "signal-priority": signal_priority,
}
