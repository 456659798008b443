"""Write semantics on the internal form: pure functions, no I/O (§5.6).

Each function takes the current entity and returns a *new* entity; the caller runs them
inside ``Store.transact`` plans. System attributes (``createdAt`` kept, ``modifiedAt``
set to ``now``) are maintained here. Instances are matched by ``datasetId`` (absent =
the default instance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dosi.core.model import INSTANCE_MEMBERS, VALUE_MEMBER, Entity, Instance
from dosi.core.representation import NULL
from dosi.errors import ResourceNotFound


@dataclass
class UpdateResult:
    """Per-attribute outcome (§5.2.18 UpdateResult): expanded names."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[tuple[str, str]] = field(default_factory=list)  # (attr, reason)


def _copy(entity: Entity, now: str) -> Entity:
    new = dict(entity)
    new["attrs"] = dict(entity["attrs"])
    new["modifiedAt"] = now
    return new


def _find(instances: list[Instance], dataset_id: str | None) -> int | None:
    for index, instance in enumerate(instances):
        if instance.get("datasetId") == dataset_id:
            return index
    return None


def _replacing(old: Instance, new: Instance, now: str) -> Instance:
    """``new`` taking the place of ``old``: it keeps the original createdAt."""
    result = dict(new)
    result["createdAt"] = old.get("createdAt", now)
    result["modifiedAt"] = now
    return result


def _is_null(instance: Instance) -> bool:
    member = VALUE_MEMBER.get(instance.get("type", ""), "value")
    return instance.get(member) == NULL


def append_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str, *, no_overwrite: bool
) -> tuple[Entity, UpdateResult]:
    """POST /entities/{id}/attrs (§5.6.3); ``noOverwrite`` keeps existing instances."""
    new = _copy(entity, now)
    result = UpdateResult()
    for name, incoming in attrs.items():
        current = list(new["attrs"].get(name, []))
        changed = False
        for instance in incoming:
            index = _find(current, instance.get("datasetId"))
            if index is None:
                current.append(instance)
                changed = True
            elif no_overwrite:
                result.not_updated.append((name, "attribute exists and noOverwrite is set"))
            else:
                current[index] = _replacing(current[index], instance, now)
                changed = True
        if changed:
            new["attrs"][name] = current
            result.updated.append(name)
    return new, result


def update_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str
) -> tuple[Entity, UpdateResult]:
    """PATCH /entities/{id}/attrs (§5.6.2): only existing attributes/instances change."""
    new = _copy(entity, now)
    result = UpdateResult()
    for name, incoming in attrs.items():
        if name not in new["attrs"]:
            result.not_updated.append((name, "attribute does not exist"))
            continue
        current = list(new["attrs"][name])
        changed = False
        for instance in incoming:
            index = _find(current, instance.get("datasetId"))
            if index is None:
                result.not_updated.append((name, "no instance with this datasetId"))
            elif _is_null(instance):
                current.pop(index)
                changed = True
            else:
                current[index] = _replacing(current[index], instance, now)
                changed = True
        if changed:
            if current:
                new["attrs"][name] = current
            else:
                del new["attrs"][name]
            result.updated.append(name)
    return new, result


def _merge_instance(old: Instance, patch: Instance, now: str) -> Instance:
    """Merge-patch one instance: value and metadata replaced, sub-attributes merged,
    ``urn:ngsi-ld:null`` sub-attributes removed. The kind is kept when the patch only
    gives a value of the same member (e.g. a value for a GeoProperty)."""
    merged = dict(old)
    patch_kind = str(patch.get("type", old.get("type", "")))
    old_member = VALUE_MEMBER.get(old.get("type", ""), "value")
    new_member = VALUE_MEMBER.get(patch_kind, "value")
    if new_member != old_member:
        merged.pop(old_member, None)
        merged["type"] = patch_kind
    for key, value in patch.items():
        if key in ("type", "createdAt", "modifiedAt"):
            continue
        if key not in INSTANCE_MEMBERS and isinstance(value, dict):
            if _is_null(value):
                merged.pop(key, None)
            elif isinstance(merged.get(key), dict):
                merged[key] = _merge_instance(merged[key], value, now)
            else:
                merged[key] = value
        else:
            merged[key] = value
    merged["modifiedAt"] = now
    return merged


def partial_update_attr(entity: Entity, attr: str, fragment: list[Instance], now: str) -> Entity:
    """PATCH /entities/{id}/attrs/{attrId} (§5.6.4); ``ResourceNotFound`` if absent."""
    current = list(_require_attr(entity, attr))
    for patch in fragment:
        index = _find(current, patch.get("datasetId"))
        if index is None:
            raise ResourceNotFound(f"attribute {attr} has no instance with this datasetId")
        current[index] = _merge_instance(current[index], patch, now)
    new = _copy(entity, now)
    new["attrs"][attr] = current
    return new


def replace_attr(entity: Entity, attr: str, instances: list[Instance], now: str) -> Entity:
    """PUT /entities/{id}/attrs/{attrId} (§5.6.19); ``ResourceNotFound`` if absent."""
    current = _require_attr(entity, attr)
    replaced = []
    for instance in instances:
        index = _find(current, instance.get("datasetId"))
        replaced.append(instance if index is None else _replacing(current[index], instance, now))
    new = _copy(entity, now)
    new["attrs"][attr] = replaced
    return new


def delete_attr(
    entity: Entity, attr: str, now: str, *, dataset_id: str | None, delete_all: bool
) -> Entity:
    """DELETE /entities/{id}/attrs/{attrId} (§5.6.5); ``ResourceNotFound`` if absent."""
    current = list(_require_attr(entity, attr))
    new = _copy(entity, now)
    if delete_all:
        del new["attrs"][attr]
        return new
    index = _find(current, dataset_id)
    if index is None:
        which = f"datasetId {dataset_id}" if dataset_id else "a default instance"
        raise ResourceNotFound(f"attribute {attr} has no instance with {which}")
    current.pop(index)
    if current:
        new["attrs"][attr] = current
    else:
        del new["attrs"][attr]
    return new


def merge_entity(entity: Entity, patch: dict[str, list[Instance]], now: str) -> Entity:
    """PATCH /entities/{id} merge (§5.6.17): ``urn:ngsi-ld:null`` deletes."""
    new = _copy(entity, now)
    for name, incoming in patch.items():
        current = list(new["attrs"].get(name, []))
        for instance in incoming:
            index = _find(current, instance.get("datasetId"))
            if _is_null(instance):
                if index is not None:
                    current.pop(index)
            elif index is None:
                current.append(instance)
            else:
                current[index] = _merge_instance(current[index], instance, now)
        if current:
            new["attrs"][name] = current
        else:
            new["attrs"].pop(name, None)
    return new


def replace_entity(entity: Entity, new: Entity, now: str) -> Entity:
    """PUT /entities/{id} (§5.6.18): keep ``createdAt`` of the entity."""
    result: dict[str, Any] = dict(new)
    result["createdAt"] = entity["createdAt"]
    result["modifiedAt"] = now
    return result


def _require_attr(entity: Entity, attr: str) -> list[Instance]:
    instances = entity["attrs"].get(attr)
    if not instances:
        raise ResourceNotFound(f"entity {entity['id']} has no attribute {attr}")
    return list(instances)
