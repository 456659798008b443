"""What is around an incident: entities of a type within a radius (nearest first), the
traffic on nearby roads, and the recent location trail of a moving device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dosi.core.entities import EntityService
from dosi.core.geoquery import haversine, parse_geo_query
from dosi.core.jsonld import ActiveContext
from dosi.core.query import EntityQuery
from dosi.core.representation import RenderOptions, render_entity
from dosi.core.typesel import parse_type_selection
from dosi.store.base import HistoryQuery

Point = tuple[float, float]  # (lon, lat)
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class Near:
    """An entity (keyValues under the given @context) and its distance in metres."""

    entity: dict[str, Any]
    distance: float


def _point(geometry: Any) -> Point | None:
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) >= 2:
            return float(coords[0]), float(coords[1])
    return None


def point_of(incident: dict[str, Any]) -> Point | None:
    """(lon, lat) of an incident: its location point, else its area's first position."""
    geometry = incident.get("location") or incident.get("area")
    if not isinstance(geometry, dict):
        return None
    coords: Any = geometry.get("coordinates")
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2:
        return float(coords[0]), float(coords[1])
    return None


async def near(
    entities: EntityService,
    ctx: ActiveContext,
    tenant: str,
    type_: str,
    spot: Point,
    radius: float,
) -> list[Near]:
    """Entities of ``type_`` located within ``radius`` metres of ``spot``, nearest first."""
    query = EntityQuery(
        types=parse_type_selection(type_, ctx),
        geo=parse_geo_query(
            f"near;maxDistance=={radius:g}", "Point", [spot[0], spot[1]], "location", ctx
        ),
        limit=MAX_CANDIDATES,
    )
    if not await entities.store.tenant_exists(tenant):
        return []
    page = await entities.query(tenant, query)
    found = []
    for entity in page.entities:
        view = render_entity(entity, ctx, RenderOptions(format="simplified"))
        where = _point(view.get("location"))
        if where is not None:
            found.append(Near(view, haversine(spot[0], spot[1], where[0], where[1])))
    return sorted(found, key=lambda n: (n.distance, n.entity["id"]))


TRAFFIC_FIELDS = (
    "name",
    "address",
    "laneDirection",
    "intensity",
    "occupancy",
    "averageVehicleSpeed",
    "congested",
    "dateObserved",
)


async def traffic(
    entities: EntityService, ctx: ActiveContext, tenant: str, spot: Point, radius: float
) -> list[dict[str, Any]]:
    """TrafficFlowObserved around ``spot``: speeds and congestion on the approach roads."""
    rows = []
    for item in await near(entities, ctx, tenant, "TrafficFlowObserved", spot, radius):
        row = {"id": item.entity["id"], "distance": round(item.distance, 1)}
        row.update({k: item.entity[k] for k in TRAFFIC_FIELDS if k in item.entity})
        rows.append(row)
    return rows


async def trail(
    entities: EntityService, ctx: ActiveContext, tenant: str, entity_id: str, last: int = 20
) -> list[dict[str, Any]]:
    """The last ``last`` locations of ``entity_id`` from its temporal history, oldest first."""
    rows = await entities.store.history(
        tenant,
        HistoryQuery(
            entity_ids=(entity_id,), attrs=frozenset({ctx.expand("location")}), last_n=last
        ),
    )
    points = []
    for row in rows:
        if row.deleted:
            continue
        spot = _point(row.instance.get("value"))
        if spot is not None:
            at = row.observed_at or row.modified_at
            points.append({"at": at, "coordinates": [spot[0], spot[1]]})
    return sorted(points, key=lambda p: str(p["at"]))
