"""Write semantics on the internal form (ETSI GS CIM 009 §5.6): pure functions, no I/O.

Each function takes the current entity and returns a new one (the input is never
changed; untouched instances are shared). Instances are matched by ``datasetId``
(absent = the default instance, §4.5.5). System attributes: a replaced or merged
instance keeps its ``createdAt`` and gets ``modifiedAt = now``; the entity gets
``modifiedAt = now`` whenever something changed. Fragments come from
``parse_attributes`` (``update``/``patch``/``merge`` modes); an instance whose value
member holds the NGSI-LD Null deletes its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Final

from dosi.core._parse import ALL_META, META_BY_KIND
from dosi.core._validate import NULL, contains_null, is_deletion, is_iri, looks_geojson
from dosi.core.model import (
    CORE_GEO_PROPERTIES,
    GEO_PROPERTY,
    INSTANCE_MEMBERS,
    JSON_PROPERTY,
    LANGUAGE_PROPERTY,
    LIST_PROPERTY,
    LIST_RELATIONSHIP,
    PROPERTY,
    RELATIONSHIP,
    VALUE_MEMBER,
    VOCAB_PROPERTY,
    Entity,
    Instance,
    TermResolver,
)
from dosi.errors import BadRequestData, ResourceNotFound
from dosi.geojson import GeoJSONError, validate_geometry

Attrs = dict[str, list[Instance]]
_VALUE_MEMBERS: Final = tuple(VALUE_MEMBER.values())
_KIND_BY_MEMBER: Final = {m: kind for kind, m in VALUE_MEMBER.items() if kind != GEO_PROPERTY}
_SKIP_ON_PATCH: Final = frozenset({"type", "createdAt", "modifiedAt", "datasetId"})


@dataclass
class UpdateResult:
    """Per-attribute outcome (§5.2.18 UpdateResult), attribute names expanded."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[tuple[str, str]] = field(default_factory=list)  # (attribute, reason)

    def _fail(self, name: str, reason: str) -> None:
        if (name, reason) not in self.not_updated:
            self.not_updated.append((name, reason))


# -- helpers ----------------------------------------------------------------------------


def _find(instances: Sequence[Instance], dataset_id: str | None) -> int | None:
    for index, instance in enumerate(instances):
        if instance.get("datasetId") == dataset_id:
            return index
    return None


def _which(dataset_id: str | None) -> str:
    return f"datasetId {dataset_id}" if dataset_id else "a default instance"


def _value_member(instance: Instance) -> str | None:
    for member in _VALUE_MEMBERS:
        if member in instance:
            return member
    return None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch with the NGSI-LD Null standing for null (§5.5.12).
    JSON-LD value objects (``@value``) are atomic: they are replaced, not merged."""
    if not isinstance(patch, dict) or "@value" in patch:
        return patch
    result = dict(target) if isinstance(target, dict) and "@value" not in target else {}
    for key, item in patch.items():
        if item == NULL:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), item)
    return result


def _complete(instance: Instance, now: str, name: str) -> Instance:
    """A fragment instance made ready to store as a new instance: its type inferred when
    the client left it out, Null members and Null sub-attributes dropped (there is
    nothing to delete), Nulls inside a JSON object value removed (merge patch onto
    nothing). A clean, typed instance is returned as it is."""
    kind = instance.get("type")
    member = VALUE_MEMBER.get(kind) if isinstance(kind, str) else _value_member(instance)
    if member is None or member not in instance:
        raise BadRequestData(f"{name} does not exist yet: a new attribute needs a value")
    out: Instance | None = None
    if kind is None:
        kind = _KIND_BY_MEMBER[member]
        if kind == PROPERTY and looks_geojson(instance[member]):
            kind = GEO_PROPERTY
        out = {"type": kind}
    if name in CORE_GEO_PROPERTIES and kind != GEO_PROPERTY:
        raise BadRequestData(f"{name} is a GeoProperty by definition (§4.7.1)")
    for position, (key, item) in enumerate(instance.items()):
        keep: Any = item
        if item == NULL:
            keep = _DROP
        elif key == member:
            if kind == PROPERTY and isinstance(item, dict) and contains_null(item):
                keep = merge_patch(None, item)
        elif isinstance(item, dict) and key not in INSTANCE_MEMBERS:
            keep = _DROP if is_deletion(item) else _complete(item, now, f"{name}.{key}")
        if out is None and keep is not item:
            out = dict(islice(instance.items(), position))
        if out is not None and keep is not _DROP:
            out[key] = keep
    if out is None:
        if "createdAt" in instance:
            return instance
        out = dict(instance)
    out.setdefault("createdAt", now)
    out.setdefault("modifiedAt", now)
    return out


_DROP: Final = object()


def _replacing(old: Instance, new: Instance, now: str, name: str) -> Instance:
    """``new`` taking the place of ``old``: it keeps the original ``createdAt``."""
    result = dict(_complete(new, now, name))
    result["createdAt"] = old.get("createdAt", now)
    result["modifiedAt"] = now
    return result


def _require(entity: Entity, attr: str) -> list[Instance]:
    instances = entity["attrs"].get(attr)
    if not instances:
        raise ResourceNotFound(f"entity {entity['id']} has no attribute {attr}")
    return list(instances)


def _with_attrs(entity: Entity, attrs: Attrs, now: str) -> Entity:
    new = dict(entity)
    new["attrs"] = attrs
    new["modifiedAt"] = now
    return new


def _store(attrs: Attrs, name: str, instances: list[Instance]) -> None:
    if instances:
        attrs[name] = instances
    else:
        attrs.pop(name, None)


# -- simplified values onto typed attributes (§5.6.17: the existing type is kept) ------


def _geometry(name: str, value: Any) -> Any:
    try:
        validate_geometry(value)
    except GeoJSONError as exc:
        raise BadRequestData(f"{name}: not a valid GeoJSON geometry: {exc}") from None
    return value


def _uris(name: str, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    targets = [i.get("object") if isinstance(i, dict) else i for i in items]
    uris = [t for t in targets if isinstance(t, str) and t != NULL and is_iri(t)]
    if not uris or len(uris) != len(targets):
        raise BadRequestData(f"{name}: a Relationship object must be a URI")
    return uris


def _vocab(name: str, value: Any, resolver: TermResolver | None) -> Any:
    terms = value if isinstance(value, list) else [value]
    if not terms or not all(isinstance(t, str) and t for t in terms):
        raise BadRequestData(f"{name}: a VocabProperty takes a term or an array of terms")
    if resolver is not None:
        expanded = [resolver.expand(t) for t in terms]
    elif all(":" in t for t in terms):
        expanded = list(terms)
    else:
        raise BadRequestData(f"{name}: give the VocabProperty as {{'vocab': ...}}")
    return expanded if isinstance(value, list) else expanded[0]


def _typed_value(
    name: str,
    kind: str,
    value: Any,
    old: Instance,
    lang: str | None,
    resolver: TermResolver | None,
) -> tuple[str, Any]:
    """(member, value) for a type-less ``value`` sent to an attribute of type ``kind``."""
    if kind == PROPERTY:
        return "value", value
    if kind == GEO_PROPERTY:
        return "value", _geometry(name, value)
    if kind == RELATIONSHIP:
        targets = _uris(name, value)
        return "object", targets if isinstance(value, list) else targets[0]
    if kind == LIST_RELATIONSHIP:
        return "objectList", _uris(name, value)
    if kind == LIST_PROPERTY:
        if not isinstance(value, list):
            raise BadRequestData(f"{name}: a ListProperty takes an array")
        return "valueList", value
    if kind == JSON_PROPERTY:
        if not isinstance(value, dict | list):
            raise BadRequestData(f"{name}: a JsonProperty takes a JSON object or array")
        return "json", value
    if kind == LANGUAGE_PROPERTY:
        texts = value if isinstance(value, list) else [value]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise BadRequestData(f"{name}: a LanguageProperty takes a string")
        if lang:
            return "languageMap", {**(old.get("languageMap") or {}), lang: value}
        return "languageMap", {"@none": value}
    if kind == VOCAB_PROPERTY:
        return "vocab", _vocab(name, value, resolver)
    raise BadRequestData(f"{name}: cannot set a {kind} from a plain value")


def _patch_instance(
    old: Instance,
    patch: Instance,
    now: str,
    name: str,
    *,
    merge: bool,
    lang: str | None = None,
    resolver: TermResolver | None = None,
    observed_at: str | None = None,
) -> Instance:
    """Apply an Attribute Fragment to one instance: partial update patch (§5.5.8) when
    ``merge`` is False, merge patch (§5.5.12) when True."""
    old_kind = old.get("type") or PROPERTY
    patch_kind = patch.get("type")
    member = _value_member(patch)
    kind = old_kind
    new = dict(old)
    if member is not None:
        value = patch[member]
        if patch_kind is None and member == "value":
            member, value = _typed_value(name, old_kind, value, old, lang, resolver)
        elif patch_kind is None:
            patch_kind = _KIND_BY_MEMBER[member]
        if patch_kind is not None and patch_kind != old_kind:
            if not merge:
                raise BadRequestData(
                    f"{name} is a {old_kind}; a partial update cannot make it a {patch_kind}"
                )
            new.pop(VALUE_MEMBER[old_kind], None)
            kind = patch_kind
            for key in ALL_META - META_BY_KIND[kind]:  # e.g. unitCode on a new Relationship
                new.pop(key, None)
        elif merge and member == "value" and kind == PROPERTY:
            value = merge_patch(old.get("value"), value)
        elif merge and member == "languageMap":
            value = {**(old.get("languageMap") or {}), **value}
        new["type"] = kind
        new[member] = value
    elif patch_kind is not None and patch_kind != old_kind:
        raise BadRequestData(f"{name}: changing the type needs a value for the new type")
    for key, item in patch.items():
        if key in _SKIP_ON_PATCH or key in VALUE_MEMBER.values():
            continue
        if key in INSTANCE_MEMBERS:
            if item == NULL:
                new.pop(key, None)
            else:
                new[key] = item
        elif isinstance(item, dict):
            sub_name = f"{name}.{key}"
            old_sub = old.get(key)
            if is_deletion(item):
                new.pop(key, None)
            elif not isinstance(old_sub, dict):
                new[key] = _complete(item, now, sub_name)
            elif merge:
                new[key] = _patch_instance(
                    old_sub, item, now, sub_name, merge=True, lang=lang, resolver=resolver
                )
            else:
                new[key] = _replacing(old_sub, item, now, sub_name)
    if observed_at and "observedAt" in old and "observedAt" not in patch:
        new["observedAt"] = observed_at
    if name in CORE_GEO_PROPERTIES and kind != GEO_PROPERTY:
        raise BadRequestData(f"{name} is a GeoProperty by definition (§4.7.1)")
    new["createdAt"] = old.get("createdAt", now)
    new["modifiedAt"] = now
    return new


# -- operations ---------------------------------------------------------------------------


def append_attrs(
    entity: Entity, attrs: Attrs, now: str, *, no_overwrite: bool = False
) -> tuple[Entity, UpdateResult]:
    """POST /entities/{id}/attrs (§5.6.3): add attributes; existing instances (same
    datasetId) are replaced, or left alone with ``noOverwrite``."""
    result = UpdateResult()
    new_attrs = dict(entity["attrs"])
    for name, incoming in attrs.items():
        current = list(new_attrs.get(name, ()))
        changed = False
        for instance in incoming:
            index = _find(current, instance.get("datasetId"))
            if is_deletion(instance):
                if index is None:
                    result._fail(name, f"nothing to delete: no {_which(instance.get('datasetId'))}")
                else:
                    current.pop(index)
                    changed = True
            elif index is None:
                current.append(_complete(instance, now, name))
                changed = True
            elif no_overwrite:
                result._fail(name, "the attribute exists and noOverwrite is set")
            else:
                current[index] = _replacing(current[index], instance, now, name)
                changed = True
        if changed:
            _store(new_attrs, name, current)
            result.updated.append(name)
    if not result.updated:
        return entity, result
    return _with_attrs(entity, new_attrs, now), result


def update_attrs(entity: Entity, attrs: Attrs, now: str) -> tuple[Entity, UpdateResult]:
    """PATCH /entities/{id}/attrs (§5.6.2, partial update patch §5.5.8): a matching
    instance is replaced whole (``createdAt`` kept) and an NGSI-LD Null deletes it; an
    attribute (or datasetId) the entity lacks is not added but reported as not updated
    (ETSI TP 011_01_03)."""
    result = UpdateResult()
    new_attrs = dict(entity["attrs"])
    for name, incoming in attrs.items():
        current = list(new_attrs.get(name, ()))
        changed = False
        for instance in incoming:
            dataset_id = instance.get("datasetId")
            index = _find(current, dataset_id)
            if is_deletion(instance):
                if index is None:
                    result._fail(name, f"nothing to delete: no {_which(dataset_id)}")
                    continue
                current.pop(index)
            elif index is None:
                result._fail(name, f"the entity has no {_which(dataset_id)}")
                continue
            else:
                current[index] = _replacing(current[index], instance, now, name)
            changed = True
        if changed:
            _store(new_attrs, name, current)
            result.updated.append(name)
    if not result.updated:
        return entity, result
    return _with_attrs(entity, new_attrs, now), result


def partial_update_attr(
    entity: Entity,
    attr: str,
    fragment: list[Instance],
    now: str,
    *,
    lang: str | None = None,
    resolver: TermResolver | None = None,
) -> Entity:
    """PATCH /entities/{id}/attrs/{attrId} (§5.6.4): the fragment's members overwrite the
    targeted instance's (value, metadata, whole sub-attributes), the rest stays; a Null
    member or sub-attribute is removed; a Null value deletes the instance. The type may
    not change. ``ResourceNotFound`` if the attribute or instance does not exist."""
    current = _require(entity, attr)
    if not fragment:
        raise BadRequestData(f"the fragment for {attr} is empty")
    for patch in fragment:
        dataset_id = patch.get("datasetId")
        index = _find(current, dataset_id)
        if index is None:
            raise ResourceNotFound(f"attribute {attr} has no {_which(dataset_id)}")
        if is_deletion(patch):
            current.pop(index)
        else:
            current[index] = _patch_instance(
                current[index], patch, now, attr, merge=False, lang=lang, resolver=resolver
            )
    new_attrs = dict(entity["attrs"])
    _store(new_attrs, attr, current)
    return _with_attrs(entity, new_attrs, now)


def replace_attr(entity: Entity, attr: str, instances: list[Instance], now: str) -> Entity:
    """PUT /entities/{id}/attrs/{attrId} (§5.6.19): each given instance replaces the one
    with its datasetId completely (``createdAt`` kept); other instances stay.
    ``ResourceNotFound`` if the attribute or that instance does not exist."""
    current = _require(entity, attr)
    if not instances:
        raise BadRequestData(f"no attribute instance given to replace {attr}")
    for instance in instances:
        dataset_id = instance.get("datasetId")
        if is_deletion(instance):
            raise BadRequestData(f"replacing {attr} cannot delete it; use DELETE")
        index = _find(current, dataset_id)
        if index is None:
            raise ResourceNotFound(f"attribute {attr} has no {_which(dataset_id)}")
        current[index] = _replacing(current[index], instance, now, attr)
    new_attrs = dict(entity["attrs"])
    new_attrs[attr] = current
    return _with_attrs(entity, new_attrs, now)


def delete_attr(
    entity: Entity,
    attr: str,
    now: str,
    *,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> Entity:
    """DELETE /entities/{id}/attrs/{attrId} (§5.6.5): the default instance, the one with
    ``dataset_id`` (``@none`` = default), or all with ``delete_all``.
    ``ResourceNotFound`` if the attribute or instance does not exist."""
    current = _require(entity, attr)
    new_attrs = dict(entity["attrs"])
    if delete_all:
        del new_attrs[attr]
        return _with_attrs(entity, new_attrs, now)
    wanted = None if dataset_id == "@none" else dataset_id
    index = _find(current, wanted)
    if index is None:
        raise ResourceNotFound(f"attribute {attr} has no {_which(wanted)}")
    current.pop(index)
    _store(new_attrs, attr, current)
    return _with_attrs(entity, new_attrs, now)


def merge_entity(
    entity: Entity,
    patch: Attrs,
    now: str,
    *,
    types: Sequence[str] | None = None,
    scope: Sequence[str] | None = None,
    observed_at: str | None = None,
    lang: str | None = None,
    resolver: TermResolver | None = None,
) -> Entity:
    """PATCH /entities/{id} (§5.6.17, merge patch §5.5.12).

    Attributes: a new one is appended; an existing instance is merged member by member
    (JSON object values merged per RFC 7396, sub-attributes merged recursively), a type-
    less value keeps the existing type; an NGSI-LD Null deletes the attribute instance,
    sub-attribute, member or value key it stands for. ``types`` are added to the entity's
    types, ``scope`` replaces the scope (``[]`` removes it). ``observed_at`` is the common
    ``observedAt``; ``lang`` the common language for plain strings sent to a
    LanguageProperty; ``resolver`` expands plain terms sent to a VocabProperty.
    """
    new_attrs = dict(entity["attrs"])
    changed = False
    for name, incoming in patch.items():
        current = list(new_attrs.get(name, ()))
        for instance in incoming:
            index = _find(current, instance.get("datasetId"))
            if is_deletion(instance):
                if index is not None:
                    current.pop(index)
                    changed = True
                continue
            if index is None:
                current.append(_complete(instance, now, name))
            else:
                current[index] = _patch_instance(
                    current[index],
                    instance,
                    now,
                    name,
                    merge=True,
                    lang=lang,
                    resolver=resolver,
                    observed_at=observed_at,
                )
            changed = True
        _store(new_attrs, name, current)
    new = dict(entity)
    new["attrs"] = new_attrs
    if types:
        merged = list(dict.fromkeys([*entity["type"], *types]))
        if merged != entity["type"]:
            new["type"] = merged
            changed = True
    if scope is not None:
        if scope:
            new["scope"] = list(scope)
        else:
            new.pop("scope", None)
        changed = changed or new.get("scope") != entity.get("scope")
    if not changed:
        return entity
    new["modifiedAt"] = now
    return new


def replace_entity(entity: Entity, new: Entity, now: str) -> Entity:
    """PUT /entities/{id} (§5.6.18): ``new`` completely replaces ``entity``; only the
    entity's ``createdAt`` survives."""
    result: Entity = dict(new)
    result["id"] = entity["id"]
    result["createdAt"] = entity["createdAt"]
    result["modifiedAt"] = now
    return result
