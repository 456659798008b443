"""Small builders of internal-form entities for the store tests outside the contract suite."""

from __future__ import annotations

from typing import Any

from dosi.store.base import Entity, Writes

T = "https://example.org/types#"
A = "https://example.org/attrs#"
LOCATION = "https://uri.etsi.org/ngsi-ld/location"
NOW = "2026-11-25T00:00:00.000000Z"


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}}


def entity(entity_id: str, *types: str, **attrs: Any) -> Entity:
    """An entity with the given short type names and attributes (short names → IRIs)."""
    built: dict[str, list[dict[str, Any]]] = {}
    for name, value in attrs.items():
        iri = LOCATION if name == "location" else A + name
        instance = value if isinstance(value, dict) else {"type": "Property", "value": value}
        built[iri] = [{**instance, "createdAt": NOW, "modifiedAt": NOW}]
    return {
        "id": entity_id,
        "type": [T + t for t in (types or ("Thing",))],
        "createdAt": NOW,
        "modifiedAt": NOW,
        "attrs": built,
    }


def put(*entities: Entity) -> Any:
    """A plan that upserts ``entities`` whatever exists."""
    return lambda current: Writes(upserts=list(entities))


def delete(*ids: str) -> Any:
    return lambda current: Writes(deletes=list(ids))
