"""Reading the values rules look at from internal (expanded, normalized) entities."""

from __future__ import annotations

import math
from typing import Any

from dosi.core.model import CORE_IRIS, VALUE_MEMBER, Entity

LOCATION = CORE_IRIS["location"]


def instance(entity: Entity | None, attr_iri: str) -> dict[str, Any] | None:
    """The default instance of an attribute (the one without datasetId), else the first."""
    if entity is None:
        return None
    instances = entity.get("attrs", {}).get(attr_iri)
    if not instances:
        return None
    if len(instances) == 1:
        only: dict[str, Any] = instances[0]
        return only
    found: dict[str, Any] = next((i for i in instances if "datasetId" not in i), instances[0])
    return found


def value(entity: Entity | None, attr_iri: str, path: tuple[str, ...] = ()) -> Any:
    """The attribute's value, followed along ``path`` into a compound value (None if absent)."""
    found = instance(entity, attr_iri)
    if found is None:
        return None
    current = found.get(VALUE_MEMBER.get(found.get("type", ""), "value"))
    for step in path:
        if not isinstance(current, dict) or step not in current:
            return None
        current = current[step]
    return current


def number(raw: Any) -> float | None:
    """A finite number, or None (booleans and text are not readings)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    result = float(raw)
    return result if math.isfinite(result) else None


def geometry(entity: Entity | None, attr_iri: str = LOCATION) -> dict[str, Any] | None:
    found = value(entity, attr_iri)
    return found if isinstance(found, dict) and "type" in found else None
