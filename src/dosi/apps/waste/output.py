"""A planned round as data: the plan document (JSON), route entities and GeoJSON.

The plan document is the one source the other views are made from, so the API, the
entities and the route sheet always agree.

Route entities are ``CollectionRoute`` (dosi vocabulary, modelled on Smart Data Models
naming): ``refVehicle``, the ordered ``refWasteContainers``, a LineString ``location``,
``distance`` (m), ``duration`` (s), ``load`` (l) and ``plannedFor`` (local date).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from dosi.apps.waste.const import ROUTE
from dosi.apps.waste.planning import RoundPlan, RoundRequest


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def vehicle_id(truck: int) -> str:
    return f"urn:ngsi-ld:Vehicle:waste-truck-{truck + 1:02d}"


def route_id(day: date, truck: int) -> str:
    return f"urn:ngsi-ld:{ROUTE}:{day.isoformat()}:truck-{truck + 1:02d}"


def _coord(c: tuple[float, float]) -> list[float]:
    return [round(c[0], 6), round(c[1], 6)]


def plan_document(
    day: date, request: RoundRequest, planned: RoundPlan, *, created: float
) -> dict[str, Any]:
    """The plan as JSON: parameters, totals and one entry per truck."""
    due = {d.container.id: d for d in planned.due}
    solution = planned.solution
    start = request.round_start
    routes: list[dict[str, Any]] = []
    for route in solution.routes:
        stops: list[dict[str, Any]] = []
        for order, (cid, arrival) in enumerate(zip(route.stops, route.arrivals, strict=True)):
            item = due[cid]
            stops.append(
                {
                    "order": order + 1,
                    "id": cid,
                    "name": item.container.name,
                    "location": _coord(item.container.location),
                    "arrival": iso(start + arrival),
                    "level": round(item.level, 3),
                    "demand": item.demand,
                    "urgent": item.urgent,
                }
            )
        routes.append(
            {
                "id": route_id(day, route.truck),
                "vehicle": vehicle_id(route.truck),
                "depot": _coord(request.fleet.depots[route.depot]),
                "distance": route.distance,
                "duration": route.duration,
                "load": route.load,
                "start": iso(start),
                "end": iso(start + route.duration),
                "path": [_coord(c) for c in route.path],
                "stops": stops,
            }
        )
    return {
        "plannedFor": day.isoformat(),
        "createdAt": iso(created),
        "roundStart": iso(start),
        "nextRound": iso(request.next_round),
        "threshold": request.threshold,
        "trucks": request.fleet.trucks,
        "capacity": request.fleet.capacity,
        "timeLimit": request.time_limit,
        "containers": len(request.containers),
        "due": len(planned.due),
        "collected": sum(len(r["stops"]) for r in routes),
        "dropped": list(solution.dropped),
        "distance": solution.distance,
        "status": solution.status,
        "routes": routes,
    }


def route_entities(document: dict[str, Any]) -> list[dict[str, Any]]:
    """NGSI-LD entities (normalized, the app's vocabulary), one per truck."""
    out = []
    for route in document["routes"]:
        path = route["path"] or [route["depot"], route["depot"]]
        entity: dict[str, Any] = {
            "id": route["id"],
            "type": ROUTE,
            "refVehicle": {"type": "Relationship", "object": route["vehicle"]},
            "location": {
                "type": "GeoProperty",
                "value": {"type": "LineString", "coordinates": path},
            },
            "distance": {"type": "Property", "value": route["distance"], "unitCode": "MTR"},
            "duration": {"type": "Property", "value": route["duration"], "unitCode": "SEC"},
            "load": {"type": "Property", "value": route["load"], "unitCode": "LTR"},
            "plannedFor": {"type": "Property", "value": document["plannedFor"]},
            "stopCount": {"type": "Property", "value": len(route["stops"])},
        }
        if route["stops"]:
            entity["refWasteContainers"] = {
                "type": "ListRelationship",
                "objectList": [{"object": s["id"]} for s in route["stops"]],
            }
            entity["plannedArrivals"] = {
                "type": "ListProperty",
                "valueList": [s["arrival"] for s in route["stops"]],
            }
        out.append(entity)
    return out


def geojson(document: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection: each route as a LineString, each stop as a numbered Point."""
    features: list[dict[str, Any]] = []
    for route in document["routes"]:
        if not route["stops"]:
            continue
        features.append(
            {
                "type": "Feature",
                "id": route["id"],
                "geometry": {"type": "LineString", "coordinates": route["path"]},
                "properties": {
                    "kind": "route",
                    "vehicle": route["vehicle"],
                    "distance": route["distance"],
                    "duration": route["duration"],
                    "load": route["load"],
                    "plannedFor": document["plannedFor"],
                },
            }
        )
        for stop in route["stops"]:
            features.append(
                {
                    "type": "Feature",
                    "id": f"{route['id']}:{stop['order']}",
                    "geometry": {"type": "Point", "coordinates": stop["location"]},
                    "properties": {
                        "kind": "stop",
                        "route": route["id"],
                        "order": stop["order"],
                        "container": stop["id"],
                        "arrival": stop["arrival"],
                        "level": stop["level"],
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


__all__ = ["geojson", "plan_document", "route_entities", "route_id", "vehicle_id"]
