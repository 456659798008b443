"""What the prefilter indexes hold for one entity document (pure Python, no SQL).

Each entity contributes its type IRIs, its attribute IRIs with the set of attribute kinds
their instances have (a bit mask), and the bounding box of every GeoProperty instance. A
short signature of all of it lets an update that keeps types, attributes, kinds and
geometries (most IoT updates: new values, same shape) skip the index tables entirely.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Final

import orjson

from dosi.errors import StoreError
from dosi.geojson import BBox, GeoJSONError, bbox
from dosi.store.base import Entity

logger = logging.getLogger(__name__)

#: Attribute kinds and their bit in ``entity_attrs.kinds``. Stored data depends on this
#: order: append new kinds, never reorder.
KINDS: Final = (
    "Property",
    "Relationship",
    "GeoProperty",
    "LanguageProperty",
    "VocabProperty",
    "ListProperty",
    "ListRelationship",
    "JsonProperty",
)
KIND_BITS: Final = {kind: 1 << bit for bit, kind in enumerate(KINDS)}
GEO_PROPERTY: Final = "GeoProperty"
NUMBER: Final = (float, int)


def kind_names(mask: int) -> frozenset[str]:
    return frozenset(kind for kind, bit in KIND_BITS.items() if mask & bit)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """The index rows of one document, by IRI."""

    types: list[str]
    attrs: list[tuple[str, int]]
    boxes: list[tuple[str, BBox]]
    signature: bytes


def _point_box(geometry: dict[str, Any]) -> BBox | None:
    """Fast path for the common Point (same checks as ``dosi.geojson``); else None."""
    coords = geometry.get("coordinates")
    if geometry.get("type") != "Point" or type(coords) is not list or not 2 <= len(coords) <= 3:
        return None
    lon, lat = coords[0], coords[1]
    if type(lon) not in NUMBER or type(lat) not in NUMBER or type(coords[-1]) not in NUMBER:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return (float(lon), float(lat), float(lon), float(lat))


def _box(entity_id: str, name: str, geometry: Any) -> BBox | None:
    box = _point_box(geometry) if isinstance(geometry, dict) else None
    if box is not None:
        return box
    try:
        return bbox(geometry)
    except GeoJSONError:
        logger.warning("entity %s: GeoProperty %s has no valid geometry", entity_id, name)
        return None


def index_entry(entity: Entity) -> IndexEntry:
    """The index rows of ``entity``; StoreError if it is not an internal entity document."""
    entity_id = entity.get("id") if isinstance(entity, dict) else None
    if not isinstance(entity_id, str):
        raise StoreError(f"an entity document needs a string id, not {entity_id!r}")
    types = entity.get("type")
    if type(types) is not list or any(type(t) is not str for t in types):
        raise StoreError(f"entity {entity_id}: 'type' must be a list of IRIs")
    attrs = entity.get("attrs")
    if not isinstance(attrs, dict):
        raise StoreError(f"entity {entity_id}: 'attrs' must map attribute IRIs to instances")
    kinds: list[tuple[str, int]] = []
    boxes: list[tuple[str, BBox]] = []
    for name, instances in attrs.items():
        if type(instances) is not list:
            raise StoreError(f"entity {entity_id}: attribute {name} must be a list of instances")
        mask = 0
        for instance in instances:
            if type(instance) is not dict:
                raise StoreError(f"entity {entity_id}: an instance of {name} is not an object")
            kind: Any = instance.get("type")
            if type(kind) is str:
                mask |= KIND_BITS.get(kind, 0)
            if kind == GEO_PROPERTY:
                box = _box(entity_id, name, instance.get("value"))
                if box is not None:
                    boxes.append((name, box))
        kinds.append((name, mask))
    signature = hashlib.blake2b(orjson.dumps((types, kinds, boxes)), digest_size=12).digest()
    return IndexEntry(types, kinds, boxes, signature)


def names_of(entries: list[IndexEntry]) -> set[str]:
    """Every IRI the entries use (to intern them in one go)."""
    names: set[str] = set()
    for entry in entries:
        names.update(entry.types)
        names.update(name for name, _ in entry.attrs)
        names.update(name for name, _ in entry.boxes)
    return names
