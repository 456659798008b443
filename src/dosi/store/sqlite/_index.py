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
from typing import Final

import orjson

from dosi.errors import StoreError
from dosi.geojson import BBox, GeoJSONError, bbox, iter_geo_values
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


def kind_names(mask: int) -> frozenset[str]:
    return frozenset(kind for kind, bit in KIND_BITS.items() if mask & bit)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """The index rows of one document, by IRI."""

    types: list[str]
    attrs: list[tuple[str, int]]
    boxes: list[tuple[str, BBox]]
    signature: bytes


def index_entry(entity: Entity) -> IndexEntry:
    """The index rows of ``entity``; StoreError if it is not an internal entity document."""
    entity_id = entity.get("id") if isinstance(entity, dict) else None
    if not isinstance(entity_id, str):
        raise StoreError(f"an entity document needs a string id, not {entity_id!r}")
    types = entity.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise StoreError(f"entity {entity_id}: 'type' must be a list of IRIs")
    attrs = entity.get("attrs")
    if not isinstance(attrs, dict):
        raise StoreError(f"entity {entity_id}: 'attrs' must map attribute IRIs to instances")
    kinds: list[tuple[str, int]] = []
    for name, instances in attrs.items():
        if not isinstance(instances, list) or not all(isinstance(i, dict) for i in instances):
            raise StoreError(f"entity {entity_id}: attribute {name} must be a list of instances")
        mask = 0
        for instance in instances:
            mask |= KIND_BITS.get(instance.get("type"), 0)
        kinds.append((name, mask))
    boxes: list[tuple[str, BBox]] = []
    for name, geometry in iter_geo_values(attrs):
        try:
            boxes.append((name, bbox(geometry)))
        except GeoJSONError:
            logger.warning("entity %s: GeoProperty %s has no valid geometry", entity_id, name)
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
