"""The cameras that can see a spot: nearest first, and only those whose field of view
covers it.

A camera is a Smart Data Models ``Device`` whose ``category`` or ``deviceCategory``
names a camera. Its field of view is its ``observationSpace`` polygon (NGSI-LD core
GeoProperty); without one, the ``heading`` / ``fieldOfView`` / ``range`` parameters of
its ``configuration`` describe a circular sector. A camera with neither is not offered:
an agency asking for video of a spot wants cameras that show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape

from dosi.core.entities import EntityService
from dosi.core.geoquery import haversine
from dosi.core.jsonld import ActiveContext
from dosi.ops.services.nearby import Point, near

CAMERA_CATEGORIES: Final = frozenset({"camera", "cctv", "multimedia"})


@dataclass(frozen=True)
class Camera:
    id: str
    distance: float
    location: Point
    live: str
    snapshot: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "distance": round(self.distance, 1),
            "location": {"type": "Point", "coordinates": list(self.location)},
            "live": self.live,
            "snapshot": self.snapshot,
        }


def _words(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value.lower()}
    if isinstance(value, list):
        return {v.lower() for v in value if isinstance(v, str)}
    return set()


def is_camera(device: dict[str, Any]) -> bool:
    words = _words(device.get("category")) | _words(device.get("deviceCategory"))
    return bool(words & CAMERA_CATEGORIES)


def _parameters(device: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for entry in device.get("configuration") or ():
        if isinstance(entry, dict) and "parameter" in entry:
            try:
                found[str(entry["parameter"])] = float(entry["value"])
            except (TypeError, ValueError):
                continue
    return found


def bearing(origin: Point, target: Point) -> float:
    """Initial bearing from ``origin`` to ``target``, degrees clockwise from north."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*origin, *target))
    dlon = lon2 - lon1
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360


def covers(device: dict[str, Any], spot: Point) -> bool:
    """True if the camera's field of view contains ``spot`` (a few metres of tolerance)."""
    space = device.get("observationSpace")
    if isinstance(space, dict) and space.get("type") in ("Polygon", "MultiPolygon"):
        try:
            area = shape(space)
        except (ValueError, TypeError, AttributeError, IndexError):
            return False
        return bool(area.buffer(5e-5).contains(ShapelyPoint(spot)))
    params = _parameters(device)
    location = device.get("location")
    if not {"heading", "fieldOfView", "range"} <= params.keys() or not isinstance(location, dict):
        return False
    origin = (float(location["coordinates"][0]), float(location["coordinates"][1]))
    if haversine(*origin, *spot) > params["range"]:
        return False
    off = abs((bearing(origin, spot) - params["heading"] + 180) % 360 - 180)
    return off <= params["fieldOfView"] / 2


async def cameras_for(
    entities: EntityService,
    ctx: ActiveContext,
    tenant: str,
    spot: Point,
    *,
    radius: float,
    video_url: str,
    snapshot_url: str,
    limit: int = 5,
) -> list[Camera]:
    """Up to ``limit`` cameras within ``radius`` metres that see ``spot``, nearest first."""
    found = []
    for item in await near(entities, ctx, tenant, "Device", spot, radius):
        device = item.entity
        if not is_camera(device) or not covers(device, spot):
            continue
        coords = device["location"]["coordinates"]
        found.append(
            Camera(
                id=device["id"],
                distance=item.distance,
                location=(float(coords[0]), float(coords[1])),
                live=str(device.get("streamUrl") or video_url.format(camera=device["id"])),
                snapshot=snapshot_url.format(camera=device["id"]),
            )
        )
        if len(found) >= limit:
            break
    return found
