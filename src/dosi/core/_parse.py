"""Client JSON (normalized or concise, ETSI GS CIM 009 §4.5) → the internal entity form.

Input modes decide where the NGSI-LD Null may appear (§5.2.1, §5.5.4):

* ``create``  – nowhere (create, replace, append).
* ``update``  – as the whole value of a top-level attribute: deletes it (§5.5.8).
* ``patch``   – an *Attribute Fragment* (§5.6.4): the value member may be missing, and
  a Null may delete the attribute, a sub-attribute or a member such as ``observedAt``.
* ``merge``   – like ``patch``, and a Null may also sit inside a JSON object value, where
  it removes that key (merge patch, §5.5.12).

In ``patch``/``merge`` modes an instance whose type was not written out keeps no
``type`` key, so the write semantics can keep the type of the existing attribute
(§5.6.17: "the type of any pre-existing Attribute ... shall be preserved").
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from dosi.core._validate import (
    NULL,
    contains_null,
    instance_like,
    is_datetime,
    is_iri,
    is_language_tag,
    is_name,
    is_null_value,
    is_scope,
    looks_geojson,
)
from dosi.core.model import (
    ATTRIBUTE_TYPES,
    CORE_GEO_PROPERTIES,
    GEO_PROPERTY,
    JSON_PROPERTY,
    LANGUAGE_PROPERTY,
    LIST_PROPERTY,
    LIST_RELATIONSHIP,
    NGSI_LD,
    PROPERTY,
    RELATIONSHIP,
    VALUE_MEMBER,
    VOCAB_PROPERTY,
    Entity,
    Instance,
    TermResolver,
)
from dosi.errors import BadRequestData
from dosi.geojson import GeoJSONError, validate_geometry

Mode = Literal["create", "update", "patch", "merge"]
MODES: Final = frozenset({"create", "update", "patch", "merge"})

VALUE_MEMBERS: Final = frozenset(VALUE_MEMBER.values())
#: The kind a value member implies (``value`` alone: Property, or GeoProperty for a geometry).
KIND_BY_MEMBER: Final = {
    member: kind for kind, member in VALUE_MEMBER.items() if kind != GEO_PROPERTY
}
#: System-generated members: ignored when a client sends them back (§4.8).
SYSTEM: Final = frozenset({"createdAt", "modifiedAt", "deletedAt", "instanceId"})
#: Output-only members (§4.5.2.2 "Output Only" / inline retrieval): never accepted.
OUTPUT_ONLY: Final = frozenset(
    {
        "previousValue",
        "previousObject",
        "previousLanguageMap",
        "previousVocab",
        "previousValueList",
        "previousObjectList",
        "previousJson",
        "entity",
        "entityList",
        "dataset",
    }
)
SEALED: Final = frozenset({"entityIdSealed", "entityTypeSealed"})
_COMMON_META: Final = frozenset({"datasetId", "observedAt", "expiresAt"})
#: Non-reified members each kind admits (§4.5.2-§4.5.24 "Optional" lists).
META_BY_KIND: Final[dict[str, frozenset[str]]] = {
    PROPERTY: _COMMON_META | {"unitCode", "valueType", "lang"},
    GEO_PROPERTY: _COMMON_META | {"unitCode", "valueType"},
    RELATIONSHIP: _COMMON_META | {"objectType"},
    LIST_RELATIONSHIP: _COMMON_META | {"objectType"},
    LANGUAGE_PROPERTY: _COMMON_META | {"valueType"},
    VOCAB_PROPERTY: _COMMON_META | {"valueType"},
    LIST_PROPERTY: _COMMON_META | {"unitCode", "valueType"},
    JSON_PROPERTY: _COMMON_META | {"valueType"},
}
ALL_META: Final = frozenset().union(*META_BY_KIND.values())
#: Core non-reified Properties that can never name an attribute (§4.5.1). The value
#: members (``value``, ``object`` ...) are not among them: SDM Device has a ``value``.
RESERVED_NAMES: Final = ALL_META | SEALED | SYSTEM | {"id"}
#: Members an attribute instance may not carry besides its own kind's (§4.5.2.2 ...).
_NOT_IN_INSTANCE: Final = RESERVED_NAMES | OUTPUT_ONLY
#: Top-level entity members that are not attributes (``@context`` is the caller's).
ENTITY_KEYS: Final = frozenset(
    {"id", "type", "scope", "@context", "createdAt", "modifiedAt", "deletedAt", "expiresAt"}
)
PROOF_IRI: Final = NGSI_LD + "ngsildproof"
MAX_DEPTH: Final = 16
_LANG_STRING: Final = frozenset({"langString", "rdf:langString"})


class _Parser:
    """State of one parse call (resolver, timestamp and mode) and the recursive walk."""

    __slots__ = ("fragment", "merge", "mode", "now", "resolver")

    def __init__(self, resolver: TermResolver, now: str, mode: Mode) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown parse mode {mode!r}")
        self.resolver = resolver
        self.now = now
        self.mode = mode
        self.fragment = mode in ("patch", "merge")
        self.merge = mode == "merge"

    # -- attributes -----------------------------------------------------------------
    def attributes(self, body: dict[str, Any]) -> dict[str, list[Instance]]:
        attrs: dict[str, list[Instance]] = {}
        expand = self.resolver.expand
        for name, raw in body.items():
            if name in ENTITY_KEYS:
                continue
            check_attribute_name(name)
            iri = expand(name)
            instances = self.instances(name, iri, raw)
            if iri in attrs:  # two terms expanding to one IRI
                instances = attrs[iri] + instances
                _check_datasets(name, instances)
            attrs[iri] = instances
        return attrs

    def instances(self, name: str, iri: str, raw: Any) -> list[Instance]:
        if isinstance(raw, list) and raw and isinstance(raw[0], dict):
            flags = [instance_like(item) for item in raw]
            if all(flags):
                instances = [self.instance(name, iri, item, 0) for item in raw]
                _check_datasets(name, instances)
                return instances
            if any(flags):
                raise BadRequestData(f"attribute {name} mixes attribute instances and plain values")
        return [self.instance(name, iri, raw, 0)]

    def instance(self, name: str, iri: str, raw: Any, depth: int) -> Instance:
        """One attribute (or sub-attribute) instance in normalized or concise form."""
        if raw is None:
            raise BadRequestData(f"{name} is null; JSON null is not a value (use {NULL})")
        if not isinstance(raw, dict):
            return self._bare(name, iri, raw, depth)
        if "@context" in raw:
            raise BadRequestData(f"{name} embeds an @context; only the entity may carry one")
        if "type" in raw:
            kind = raw["type"]
            if not isinstance(kind, str):
                raise BadRequestData(f"the type of {name} must be a string")
            if kind not in ATTRIBUTE_TYPES:
                if looks_geojson(raw) and not (VALUE_MEMBERS & raw.keys()):
                    return self._bare(name, iri, raw, depth)
                if kind == "GeometryCollection":
                    raise BadRequestData(f"{name}: GeometryCollection is not supported (§4.6.3)")
                raise BadRequestData(f"{name} has an unknown attribute type {kind!r}")
            return self._reified(name, iri, raw, kind, True, depth)
        if self.fragment or not VALUE_MEMBERS.isdisjoint(raw):
            return self._reified(name, iri, raw, None, False, depth)
        return self._bare(name, iri, raw, depth)  # concise: a JSON object as the value

    def _bare(self, name: str, iri: str, raw: Any, depth: int) -> Instance:
        """Concise value-only form: a Property, or a GeoProperty for a geometry."""
        if raw == NULL:
            self._null_allowed(name, depth)
            instance: Instance = {"value": NULL}
            if not self.fragment:
                instance["type"] = PROPERTY
            return self._stamp(instance)
        kind = GEO_PROPERTY if looks_geojson(raw) else PROPERTY
        if kind == GEO_PROPERTY:
            value = _geometry(name, raw)
        else:
            if not self.fragment:
                self._check_core_geo(name, iri, PROPERTY)
            value = self._property_value(name, raw)
        instance = {"value": value} if self.fragment else {"type": kind, "value": value}
        return self._stamp(instance)

    def _reified(
        self, name: str, iri: str, raw: dict[str, Any], kind: str | None, explicit: bool, depth: int
    ) -> Instance:
        member: str | None = None
        for key in raw:
            if key in VALUE_MEMBERS:
                if kind is not None and key != VALUE_MEMBER[kind]:
                    raise BadRequestData(f"{name}: a {kind} cannot have a {key!r} member")
                if member is not None:
                    raise BadRequestData(f"{name} has both {member!r} and {key!r}")
                member = key
        if member is None:
            if not self.fragment:
                raise BadRequestData(f"{name} of type {kind} has no {VALUE_MEMBER[str(kind)]!r}")
        elif kind is None:
            kind = KIND_BY_MEMBER[member]
            if kind == PROPERTY and looks_geojson(raw[member]):
                kind = GEO_PROPERTY
        # In patch/merge a type-less ``value`` may target any kind: decide nothing yet.
        known = kind if explicit or not self.fragment or member != "value" else None
        if known is not None:
            self._check_core_geo(name, iri, known)
        instance: Instance = {}
        if known is not None:
            instance["type"] = known
        if member is not None:
            instance[member] = self._value(name, str(kind), member, raw[member], depth)
        allowed = META_BY_KIND[known] if known is not None else ALL_META
        proof = iri == PROOF_IRI or name == "ngsildproof"
        for key, item in raw.items():
            if key == "type" or key == member or key in SYSTEM:
                continue
            if key in ALL_META:
                if key not in allowed:
                    raise BadRequestData(f"{name}: a {known} cannot have {key!r}")
                checked = self._meta(name, key, item, known)
                if checked is not _DEFAULT_DATASET:
                    instance[key] = checked
            elif key in SEALED:
                if not proof or depth:
                    raise BadRequestData(f"{name}: {key!r} is only allowed in ngsildproof")
                instance[key] = self._sealed(name, key, item)
            elif key in _NOT_IN_INSTANCE or key[:1] == "@":
                raise BadRequestData(f"{name}: {key!r} is not allowed here")
            else:
                check_attribute_name(key)
                if depth >= MAX_DEPTH:
                    raise BadRequestData(f"{name}: sub-attributes nest too deeply")
                if isinstance(item, list) and item and all(map(instance_like, item)):
                    raise BadRequestData(
                        f"sub-attribute {name}.{key} cannot have several instances"
                    )
                sub_iri = self.resolver.expand(key)
                instance[sub_iri] = self.instance(f"{name}.{key}", sub_iri, item, depth + 1)
        if proof and kind == PROPERTY and not isinstance(instance.get("value", {}), dict):
            raise BadRequestData("the value of ngsildproof must be a W3C proof object")
        return self._stamp(instance)

    # -- values ---------------------------------------------------------------------
    def _value(self, name: str, kind: str, member: str, raw: Any, depth: int) -> Any:
        if raw is None:
            raise BadRequestData(f"{name}: {member!r} is null")
        if is_null_value(member, raw):
            self._null_allowed(name, depth)
            if member == "languageMap":
                return {"@none": NULL}
            return [NULL] if member in ("valueList", "objectList") else NULL
        if kind == PROPERTY:
            return self._property_value(name, raw)
        if kind == GEO_PROPERTY:
            return _geometry(name, _decode_geometry(name, raw))
        if kind == RELATIONSHIP:
            return _object(name, raw)
        if kind == LANGUAGE_PROPERTY:
            return _language_map(name, raw)
        if kind == VOCAB_PROPERTY:
            return self._vocab(name, raw)
        if kind == LIST_PROPERTY:
            if not isinstance(raw, list):
                raise BadRequestData(f"{name}: valueList must be an array")
            if contains_null(raw) or None in raw:
                raise BadRequestData(f"{name}: valueList cannot hold nulls")
            return raw
        if kind == LIST_RELATIONSHIP:
            return _object_list(name, raw)
        if not isinstance(raw, dict | list):  # JsonProperty: raw JSON, never interpreted
            raise BadRequestData(f"{name}: json must be a JSON object or array")
        return raw

    def _property_value(self, name: str, raw: Any) -> Any:
        if raw is None:
            raise BadRequestData(f"{name} has a null value")
        if (
            isinstance(raw, dict | list)
            and contains_null(raw)
            and (not self.merge or _null_in_array(raw))
        ):
            raise BadRequestData(f"{name}: {NULL} inside a value is only allowed in merges")
        return raw

    def _vocab(self, name: str, raw: Any) -> Any:
        expand = self.resolver.expand
        if _is_term(raw):
            return expand(raw)
        if isinstance(raw, list) and raw and all(_is_term(t) for t in raw):
            return [expand(t) for t in raw]
        raise BadRequestData(f"{name}: vocab must be a term or an array of terms")

    def _meta(self, name: str, key: str, item: Any, kind: str | None) -> Any:
        if item == NULL:
            if key == "datasetId":
                raise BadRequestData(f"{name}: a datasetId cannot be deleted with {NULL}")
            if not self.fragment:
                raise BadRequestData(f"{name}: {key} cannot be {NULL} here")
            return NULL
        if key == "datasetId":
            if item == "@none":
                return _DEFAULT_DATASET
            if not is_iri(item):
                raise BadRequestData(f"{name}: datasetId {item!r} is not a URI")
        elif key in ("observedAt", "expiresAt"):
            if not is_datetime(item):
                raise BadRequestData(
                    f"{name}: {key} {item!r} is not a UTC DateTime (YYYY-MM-DDThh:mm:ssZ)"
                )
        elif key == "unitCode":
            if not isinstance(item, str) or not item:
                raise BadRequestData(f"{name}: unitCode must be a non-empty string")
        elif key == "lang":
            if not is_language_tag(item) or item == "@none":
                raise BadRequestData(f"{name}: lang {item!r} is not a language tag")
        elif key == "valueType":
            if not isinstance(item, str) or not item:
                raise BadRequestData(f"{name}: valueType must be a non-empty string")
            if kind == LANGUAGE_PROPERTY and item not in _LANG_STRING:
                raise BadRequestData(f"{name}: the valueType of a LanguageProperty is langString")
            return self.resolver.expand(item)
        else:  # objectType: one or more entity type names
            names = item if isinstance(item, list) else [item]
            if not names or not all(isinstance(n, str) and is_name(n) for n in names):
                raise BadRequestData(f"{name}: objectType must be an entity type name")
            expanded = [self.resolver.expand(n) for n in names]
            return expanded if isinstance(item, list) else expanded[0]
        return item

    def _sealed(self, name: str, key: str, item: Any) -> Any:
        if not isinstance(item, str) or not item:
            raise BadRequestData(f"{name}: {key} must be a string")
        return self.resolver.expand(item) if key == "entityTypeSealed" else item

    # -- helpers --------------------------------------------------------------------
    def _null_allowed(self, name: str, depth: int) -> None:
        if self.mode == "create" or (depth and not self.fragment):
            raise BadRequestData(f"{name}: {NULL} is only allowed to delete in patch operations")

    def _check_core_geo(self, name: str, iri: str, kind: str) -> None:
        if iri in CORE_GEO_PROPERTIES and kind != GEO_PROPERTY:
            raise BadRequestData(f"{name} is a GeoProperty by definition (§4.7.1), not a {kind}")

    def _stamp(self, instance: Instance) -> Instance:
        instance["createdAt"] = self.now
        instance["modifiedAt"] = self.now
        return instance


_DEFAULT_DATASET: Final = object()


def _is_term(value: Any) -> bool:
    return isinstance(value, str) and value != "" and value != NULL


def _check_datasets(name: str, instances: list[Instance]) -> None:
    """§4.5.5: datasetIds are unique within an attribute, one default instance at most."""
    seen: set[str | None] = set()
    for instance in instances:
        dataset = instance.get("datasetId")
        if dataset in seen:
            which = f"datasetId {dataset}" if dataset else "default instance (no datasetId)"
            raise BadRequestData(f"attribute {name} has the {which} twice")
        seen.add(dataset)


def _decode_geometry(name: str, raw: Any) -> Any:
    """§4.7.2: a geometry may arrive encoded as a JSON string."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise BadRequestData(f"{name}: the value is not a GeoJSON geometry") from None
    return raw


def _geometry(name: str, value: Any) -> Any:
    try:
        validate_geometry(value)
    except GeoJSONError as exc:
        raise BadRequestData(f"{name}: not a valid GeoJSON geometry: {exc}") from None
    return value


def _object(name: str, raw: Any) -> Any:
    if isinstance(raw, str):
        if raw != NULL and is_iri(raw):
            return raw
    elif isinstance(raw, list) and raw and all(o != NULL and is_iri(o) for o in raw):
        return raw
    raise BadRequestData(f"{name}: the object of a Relationship must be a URI or array of URIs")


def _object_list(name: str, raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise BadRequestData(f"{name}: objectList must be an array")
    objects: list[str] = []
    for item in raw:
        target = item.get("object") if isinstance(item, dict) and len(item) == 1 else item
        if not isinstance(target, str) or target == NULL or not is_iri(target):
            raise BadRequestData(f"{name}: objectList entries must be URIs, not {item!r}")
        objects.append(target)
    return objects


def _language_map(name: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw:
        raise BadRequestData(f"{name}: languageMap must be a non-empty JSON object")
    for tag, text in raw.items():
        if not is_language_tag(tag):
            raise BadRequestData(f"{name}: {tag!r} is not a language tag")
        if isinstance(text, str) and text != NULL:
            continue
        if isinstance(text, list) and text and all(isinstance(t, str) and t != NULL for t in text):
            continue
        raise BadRequestData(f"{name}: languageMap values are strings or arrays of strings")
    return raw


def _null_in_array(value: Any) -> bool:
    """True if the NGSI-LD Null is an array element somewhere (merge only removes keys)."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if NULL in item:
                return True
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


def check_attribute_name(name: str) -> None:
    """§4.6.2 name and not a core non-reified term (§4.5.1); raises BadRequestData."""
    if not isinstance(name, str) or not is_name(name):
        raise BadRequestData(f"invalid attribute name {name!r} (§4.6.2)")
    if name in RESERVED_NAMES:
        raise BadRequestData(f"{name!r} is an NGSI-LD core member, not an attribute name")


def parse_types(raw: Any, resolver: TermResolver) -> list[str]:
    """Entity type(s): a name or a non-empty array of names, expanded and deduplicated."""
    names = raw if isinstance(raw, list) else [raw]
    if not names:
        raise BadRequestData("type must be an entity type name or a non-empty array of them")
    for name in names:
        if not isinstance(name, str) or name == NULL or not is_name(name):
            raise BadRequestData(f"invalid entity type {name!r} (§4.6.2)")
    return list(dict.fromkeys(resolver.expand(name) for name in names))


def parse_scope(raw: Any) -> list[str]:
    """Scope(s) (§4.18): a path like ``/Sejong/Hansol`` or a non-empty array of them."""
    scopes = raw if isinstance(raw, list) else [raw]
    if not scopes or not all(is_scope(scope) for scope in scopes):
        raise BadRequestData("scope must be a path like /Sejong/Hansol, or an array of them")
    return list(dict.fromkeys(scopes))


def parse_entity(body: Any, resolver: TermResolver, *, now: str) -> Entity:
    """Validate a whole entity (normalized or concise) and return the internal form, with
    ``createdAt``/``modifiedAt`` = ``now`` on the entity and every instance. ``@context``
    is the caller's business and ignored here. Raises ``BadRequestData``."""
    if not isinstance(body, dict):
        raise BadRequestData("an entity must be a JSON object")
    if "id" not in body:
        raise BadRequestData("the entity has no id")
    entity_id = body["id"]
    if entity_id == NULL or not is_iri(entity_id):
        raise BadRequestData(f"the entity id {entity_id!r} is not a URI")
    if "type" not in body:
        raise BadRequestData(f"the entity {entity_id} has no type")
    _check_keywords(body)
    entity: Entity = {"id": entity_id, "type": parse_types(body["type"], resolver)}
    if "scope" in body:
        entity["scope"] = parse_scope(body["scope"])
    entity["createdAt"] = now
    entity["modifiedAt"] = now
    entity["attrs"] = _Parser(resolver, now, "create").attributes(body)
    return entity


def parse_attributes(
    body: Any,
    resolver: TermResolver,
    *,
    now: str,
    allow_null: bool = False,
    mode: Mode | None = None,
) -> dict[str, list[Instance]]:
    """Attributes of an entity fragment (append, update, merge bodies). ``id``, ``type``,
    ``scope`` and ``@context`` are left to the caller. ``mode`` (see the module doc)
    defaults to ``update`` when ``allow_null`` else ``create``."""
    if not isinstance(body, dict):
        raise BadRequestData("the body must be a JSON object")
    _check_keywords(body)
    chosen: Mode = mode or ("update" if allow_null else "create")
    return _Parser(resolver, now, chosen).attributes(body)


def parse_instance(
    name: str, raw: Any, resolver: TermResolver, now: str, *, mode: Mode = "create"
) -> Instance:
    """One attribute instance (normalized or concise), stamped with ``now``. ``name`` may
    be a term or an expanded IRI; it is used for error messages and core-name checks."""
    iri = name if ":" in name else resolver.expand(name)
    return _Parser(resolver, now, mode).instance(name, iri, raw, 0)


def _check_keywords(body: dict[str, Any]) -> None:
    for key in body:
        if key[:1] == "@" and key != "@context":
            raise BadRequestData(f"the JSON-LD keyword {key!r} is not allowed in an entity")
