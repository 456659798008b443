"""Entity representations: client JSON ⇄ the internal form of ``dosi.core.model``.

Input is the normalized or concise form (§4.5); output is normalized, concise or
simplified (keyValues) (§4.5.2-§4.5.4), with system attributes on request, language
selection for LanguageProperties (§4.15), attribute projection and GeoJSON (§4.5.16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from dosi.core.ids import is_uri
from dosi.core.model import (
    ATTRIBUTE_TYPES,
    GEO_PROPERTY,
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
from dosi.errors import BadRequestData
from dosi.geojson import GEOMETRY_TYPES, GeoJSONError, validate_geometry

Format = Literal["normalized", "concise", "simplified"]

NULL: Final = "urn:ngsi-ld:null"
#: Members of an input instance that are metadata, never sub-attributes.
META: Final = frozenset({"datasetId", "observedAt", "unitCode", "objectType", "lang"})
#: Read-only members dosi maintains itself; dropped from input.
SYSTEM: Final = frozenset({"createdAt", "modifiedAt", "deletedAt", "instanceId"})
VALUE_MEMBERS: Final = frozenset(VALUE_MEMBER.values())
KIND_BY_MEMBER: Final = {
    "value": PROPERTY,
    "object": RELATIONSHIP,
    "languageMap": LANGUAGE_PROPERTY,
    "vocab": VOCAB_PROPERTY,
    "valueList": LIST_PROPERTY,
    "objectList": LIST_RELATIONSHIP,
    "json": JSON_PROPERTY,
}
_FORBIDDEN_NAME = re.compile(r"[\s<>\"'=;()\\\x00-\x1f]")
_LANG_TAG = re.compile(r"^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|@none)$")
_SCOPE = re.compile(r"^/(?:[^\s/#+]+(?:/[^\s/#+]+)*)?$")


@dataclass(frozen=True)
class RenderOptions:
    format: Format = "normalized"
    sys_attrs: bool = False
    #: Expanded attribute names to keep (``attrs``/``pick`` on attributes); None keeps all.
    attrs: frozenset[str] | None = None
    #: Top-level members to keep / drop, as the client named them (``pick``/``omit``);
    #: may include ``id`` and ``type``.
    pick: frozenset[str] | None = None
    omit: frozenset[str] | None = None
    #: Language tag(s) for LanguageProperty selection (``lang``), e.g. "ko,en;q=0.5" or "*".
    lang: str | None = None


# -- input ------------------------------------------------------------------------------


def parse_entity(body: Any, resolver: TermResolver, *, now: str) -> Entity:
    """Validate a full entity (normalized or concise) and return the internal form with
    system attributes set to ``now``. Raises ``BadRequestData``."""
    if not isinstance(body, dict):
        raise BadRequestData("an entity must be a JSON object")
    entity_id = body.get("id")
    if entity_id is None:
        raise BadRequestData("the entity has no id")
    if not is_uri(entity_id):
        raise BadRequestData(f"the entity id {entity_id!r} is not a URI")
    if "type" not in body:
        raise BadRequestData(f"the entity {entity_id} has no type")
    entity: Entity = {
        "id": entity_id,
        "type": parse_types(body["type"], resolver),
        "createdAt": now,
        "modifiedAt": now,
        "attrs": parse_attributes(body, resolver, now=now),
    }
    if "scope" in body:
        entity["scope"] = parse_scope(body["scope"])
    return entity


def parse_types(raw: Any, resolver: TermResolver) -> list[str]:
    types = raw if isinstance(raw, list) else [raw]
    if not types or not all(
        isinstance(t, str) and t and not _FORBIDDEN_NAME.search(t) for t in types
    ):
        raise BadRequestData("type must be a valid name or a non-empty list of names")
    return list(dict.fromkeys(resolver.expand(t) for t in types))


def parse_scope(raw: Any) -> list[str]:
    scopes = raw if isinstance(raw, list) else [raw]
    if not scopes or not all(isinstance(s, str) and _SCOPE.match(s) for s in scopes):
        raise BadRequestData("scope must be a path like /Sejong/Hansol, or a list of them")
    return list(dict.fromkeys(scopes))


def parse_attributes(
    body: Any, resolver: TermResolver, *, now: str, allow_null: bool = False
) -> dict[str, list[Instance]]:
    """Validate an entity fragment of attributes (append/update/merge bodies). ``id``,
    ``type`` and ``scope`` members, if present, are ignored here (the caller checks them).
    ``allow_null``: keep ``"urn:ngsi-ld:null"`` values (merge-patch deletions)."""
    if not isinstance(body, dict):
        raise BadRequestData("the body must be a JSON object")
    attrs: dict[str, list[Instance]] = {}
    for name, raw in body.items():
        if name in ("id", "type", "scope", "@context") or name in SYSTEM:
            continue
        check_name(name)
        iri = resolver.expand(name)
        attrs[iri] = _instances(name, raw, resolver, now, allow_null)
    return attrs


def check_name(name: str) -> None:
    if not name or _FORBIDDEN_NAME.search(name):
        raise BadRequestData(f"invalid attribute name {name!r}")


def _instances(
    name: str, raw: Any, resolver: TermResolver, now: str, allow_null: bool
) -> list[Instance]:
    if isinstance(raw, list) and raw and all(_is_instance_object(item) for item in raw):
        instances = [_instance(name, item, resolver, now, allow_null) for item in raw]
        seen: set[str | None] = set()
        for instance in instances:
            dataset = instance.get("datasetId")
            if dataset in seen:
                raise BadRequestData(f"attribute {name} repeats datasetId {dataset or '(default)'}")
            seen.add(dataset)
        return instances
    return [_instance(name, raw, resolver, now, allow_null)]


def parse_instance(name: str, raw: Any, resolver: TermResolver, now: str) -> Instance:
    """One attribute instance (normalized or concise) with system attributes at ``now``;
    ``name`` is only used in error messages."""
    check_name(name)
    return _instance(name, raw, resolver, now, False)


def _is_instance_object(item: Any) -> bool:
    return isinstance(item, dict) and (
        item.get("type") in ATTRIBUTE_TYPES or bool(VALUE_MEMBERS & item.keys())
    )


def _instance(name: str, raw: Any, resolver: TermResolver, now: str, allow_null: bool) -> Instance:
    """One attribute instance from normalized or concise input."""
    if raw is None:
        raise BadRequestData(f"attribute {name} has a null value")
    if not isinstance(raw, dict):
        if raw == NULL and not allow_null:
            raise BadRequestData(f"{NULL} is only allowed in merge operations ({name})")
        return _stamp({"type": PROPERTY, "value": raw}, now)
    kind = raw.get("type")
    if kind is not None and not isinstance(kind, str):
        raise BadRequestData(f"the type of attribute {name} must be a string")
    if kind is None:
        kind = _infer_kind(raw)
        if kind is None:
            return _stamp({"type": PROPERTY, "value": raw}, now)
    elif kind not in ATTRIBUTE_TYPES:
        if kind in GEOMETRY_TYPES and "coordinates" in raw:
            _check_geometry(name, raw)
            return _stamp({"type": GEO_PROPERTY, "value": raw}, now)
        raise BadRequestData(f"attribute {name} has an unknown type {kind!r}")
    member = VALUE_MEMBER[kind]
    if member not in raw:
        raise BadRequestData(f"attribute {name} of type {kind} has no {member}")
    value = raw[member]
    instance: Instance = {"type": kind}
    if value == NULL and allow_null:
        instance[member] = NULL
    else:
        instance[member] = _check_value(name, kind, value, resolver)
    for key, item in raw.items():
        if key in ("type", member) or key in SYSTEM:
            continue
        if key in META:
            instance[key] = _check_meta(name, key, item, resolver)
        elif key in VALUE_MEMBERS or key == "@context":
            continue
        else:
            check_name(key)
            if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
                raise BadRequestData(f"sub-attribute {key} of {name} cannot have several instances")
            instance[resolver.expand(key)] = _instance(
                f"{name}.{key}", item, resolver, now, allow_null
            )
    return _stamp(instance, now)


def _infer_kind(raw: dict[str, Any]) -> str | None:
    """Concise form: the value member tells the kind (§4.5.3); a GeoJSON value → GeoProperty."""
    for member, kind in KIND_BY_MEMBER.items():
        if member in raw:
            if kind == PROPERTY and _looks_geojson(raw["value"]):
                return GEO_PROPERTY
            return kind
    return None


def _looks_geojson(value: Any) -> bool:
    return (
        isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES and "coordinates" in value
    )


def _stamp(instance: Instance, now: str) -> Instance:
    instance["createdAt"] = now
    instance["modifiedAt"] = now
    return instance


def _check_geometry(name: str, value: Any) -> None:
    try:
        validate_geometry(value)
    except GeoJSONError as exc:
        raise BadRequestData(f"attribute {name} is not a valid GeoJSON geometry: {exc}") from None


def _check_value(name: str, kind: str, value: Any, resolver: TermResolver) -> Any:
    if value is None:
        raise BadRequestData(f"attribute {name} has a null value")
    if kind == RELATIONSHIP:
        targets = value if isinstance(value, list) else [value]
        if not targets or not all(is_uri(t) for t in targets):
            raise BadRequestData(f"the object of relationship {name} must be a URI")
    elif kind == GEO_PROPERTY:
        _check_geometry(name, value)
    elif kind == LANGUAGE_PROPERTY:
        if not isinstance(value, dict) or not value:
            raise BadRequestData(f"the languageMap of {name} must be a non-empty object")
        for tag, text in value.items():
            texts = text if isinstance(text, list) else [text]
            if not _LANG_TAG.match(tag) or not all(isinstance(t, str) for t in texts):
                raise BadRequestData(f"languageMap of {name} maps language tags to strings")
    elif kind == VOCAB_PROPERTY:
        terms = value if isinstance(value, list) else [value]
        if not terms or not all(isinstance(t, str) and t for t in terms):
            raise BadRequestData(f"the vocab of {name} must be a string or list of strings")
        expanded = [resolver.expand(t) for t in terms]
        return expanded if isinstance(value, list) else expanded[0]
    elif kind == LIST_PROPERTY:
        if not isinstance(value, list):
            raise BadRequestData(f"the valueList of {name} must be a list")
    elif kind == LIST_RELATIONSHIP:
        objects = (
            [o.get("object") if isinstance(o, dict) else o for o in value]
            if isinstance(value, list)
            else None
        )
        if objects is None or not all(is_uri(o) for o in objects):
            raise BadRequestData(f"the objectList of {name} must be a list of URIs")
        return objects
    return value


def _check_meta(name: str, key: str, value: Any, resolver: TermResolver) -> Any:
    if key == "datasetId":
        if not is_uri(value):
            raise BadRequestData(f"datasetId of {name} must be a URI")
    elif key == "observedAt":
        if not isinstance(value, str) or not _is_datetime(value):
            raise BadRequestData(f"observedAt of {name} must be an ISO 8601 DateTime")
    elif key == "unitCode":
        if not isinstance(value, str) or not value:
            raise BadRequestData(f"unitCode of {name} must be a string")
    elif key == "objectType":
        names = value if isinstance(value, list) else [value]
        if not all(isinstance(n, str) and n for n in names):
            raise BadRequestData(f"objectType of {name} must be a type name")
        expanded = [resolver.expand(n) for n in names]
        return expanded if isinstance(value, list) else expanded[0]
    return value


def _is_datetime(value: str) -> bool:
    if "T" not in value:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# -- output -----------------------------------------------------------------------------


def render_entity(entity: Entity, resolver: TermResolver, options: RenderOptions) -> dict[str, Any]:
    """The client view of ``entity`` (no ``@context`` member; the API adds it)."""
    omit = {resolver.expand(o) for o in options.omit} | set(options.omit) if options.omit else set()
    pick = options.pick
    out: dict[str, Any] = {}
    if (pick is None or "id" in pick) and "id" not in omit:
        out["id"] = entity["id"]
    if (pick is None or "type" in pick) and "type" not in omit:
        types = [resolver.compact(t) for t in entity["type"]]
        out["type"] = types[0] if len(types) == 1 else types
    if "scope" in entity and (pick is None or "scope" in pick) and "scope" not in omit:
        scope = entity["scope"]
        out["scope"] = scope[0] if len(scope) == 1 and options.format != "normalized" else scope
    wanted = options.attrs
    for iri, instances in entity["attrs"].items():
        if (wanted is not None and iri not in wanted) or iri in omit or not instances:
            continue
        out[resolver.compact(iri)] = _render_attribute(instances, resolver, options)
    if options.sys_attrs and options.format != "simplified":
        out["createdAt"] = entity["createdAt"]
        out["modifiedAt"] = entity["modifiedAt"]
    return out


def _render_attribute(
    instances: list[Instance], resolver: TermResolver, options: RenderOptions
) -> Any:
    if options.format == "simplified":
        if len(instances) == 1:
            return _simple_value(instances[0], resolver, options)
        return {
            "dataset": {
                i.get("datasetId", "@none"): _simple_value(i, resolver, options) for i in instances
            }
        }
    rendered = [_render_instance(i, resolver, options) for i in instances]
    return rendered[0] if len(rendered) == 1 else rendered


def _render_instance(instance: Instance, resolver: TermResolver, options: RenderOptions) -> Any:
    kind = instance["type"]
    out: dict[str, Any] = {}
    if kind == LANGUAGE_PROPERTY and options.lang:
        tag, text = pick_language(instance["languageMap"], options.lang)
        out["type"] = PROPERTY
        out["value"] = text
        out["lang"] = tag
    else:
        out["type"] = kind
        member = VALUE_MEMBER[kind]
        value = instance.get(member)
        if kind == VOCAB_PROPERTY:
            value = _compact_each(value, resolver)
        out[member] = value
    for key, item in instance.items():
        if key in out or key in VALUE_MEMBERS:
            continue
        if key in ("createdAt", "modifiedAt"):
            if options.sys_attrs:
                out[key] = item
        elif key == "objectType":
            out[key] = _compact_each(item, resolver)
        elif key in META:
            out[key] = item
        elif isinstance(item, dict) and key not in ("deletedAt", "instanceId"):
            out[resolver.compact(key)] = _render_instance(item, resolver, options)
    if options.format == "concise":
        return _concise(out)
    return out


def _concise(out: dict[str, Any]) -> Any:
    """§4.5.3: drop ``type``; a bare value when nothing else is left to say."""
    kind = out.pop("type")
    if kind == PROPERTY and set(out) == {"value"} and not isinstance(out["value"], dict):
        return out["value"]
    if kind == GEO_PROPERTY and set(out) == {"value"}:
        return out["value"]
    return out


def _simple_value(instance: Instance, resolver: TermResolver, options: RenderOptions) -> Any:
    kind = instance["type"]
    if kind == LANGUAGE_PROPERTY:
        if options.lang:
            return pick_language(instance["languageMap"], options.lang)[1]
        return {"languageMap": instance["languageMap"]}
    value = instance.get(VALUE_MEMBER[kind])
    if kind == VOCAB_PROPERTY:
        return {"vocab": _compact_each(value, resolver)}
    if kind == LIST_PROPERTY:
        return {"valueList": value}
    if kind == LIST_RELATIONSHIP:
        return {"objectList": value}
    if kind == JSON_PROPERTY:
        return {"json": value}
    return value


def _compact_each(value: Any, resolver: TermResolver) -> Any:
    if isinstance(value, list):
        return [resolver.compact(v) if isinstance(v, str) else v for v in value]
    return resolver.compact(value) if isinstance(value, str) else value


def pick_language(language_map: dict[str, Any], wanted: str) -> tuple[str, Any]:
    """The best (tag, text) of a languageMap for an Accept-Language style ``lang`` (§4.15)."""
    prefs: list[tuple[float, int, str]] = []
    for position, part in enumerate(wanted.split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            prefs.append((-q, position, tag.strip()))
    for _, _, tag in sorted(prefs):
        if tag == "*":
            break
        if tag in language_map:
            return tag, language_map[tag]
        base = tag.split("-")[0]
        for have in language_map:
            if have.split("-")[0].lower() == base.lower():
                return have, language_map[have]
    if "@none" in language_map:
        return "@none", language_map["@none"]
    first = next(iter(language_map))
    return first, language_map[first]


def render_feature(
    entity: Entity, resolver: TermResolver, options: RenderOptions, geoproperty: str
) -> dict[str, Any]:
    """A GeoJSON Feature for ``entity`` using the (expanded) ``geoproperty`` as geometry."""
    body = render_entity(entity, resolver, options)
    body.pop("id", None)
    geometry = None
    for instance in entity["attrs"].get(geoproperty, ()):
        if instance.get("type") == GEO_PROPERTY:
            geometry = instance.get("value")
            break
    return {"id": entity["id"], "type": "Feature", "geometry": geometry, "properties": body}
