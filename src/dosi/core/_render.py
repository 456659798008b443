"""The internal entity form → client JSON: normalized, concise, simplified and GeoJSON.

ETSI GS CIM 009: normalized §4.5.1-§4.5.3 (+ §4.5.18-§4.5.24 for the special kinds),
concise §4.5.2.3/§4.5.3.3 (lossless, ``type`` dropped where it can be inferred),
simplified §4.5.4 (``dataset`` form for multi-attributes), GeoJSON §4.5.16/§4.5.17,
Language Filter §4.15, system attributes §4.8, projection with ``attrs``/``pick``/``omit``.
No ``@context`` member is added here: the API layer owns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from dosi.core._lang import pick_language
from dosi.core._validate import instance_like, looks_geojson
from dosi.core.model import (
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

Format = Literal["normalized", "concise", "simplified"]

_VALUE_MEMBERS: Final = frozenset(VALUE_MEMBER.values())
_SYS_ATTRS: Final = ("createdAt", "modifiedAt", "deletedAt")
#: Members whose values are IRIs that compact like terms (``@type: @vocab`` in the core).
_COMPACTED: Final = frozenset({"objectType", "valueType", "entityTypeSealed"})
#: Internal bookkeeping never shown in an entity representation.
_HIDDEN: Final = frozenset({"type", "deletedAt", "instanceId"})
#: Top-level members ``pick``/``omit`` may name besides attributes.
_TOP_LEVEL: Final = frozenset({"id", "type", "scope", "createdAt", "modifiedAt", "deletedAt"})


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to render an entity (query parameters of §6.3 and §4.21 already parsed)."""

    format: Format = "normalized"
    sys_attrs: bool = False
    #: Expanded attribute names to keep (``attrs``); None keeps all.
    attrs: frozenset[str] | None = None
    #: Top-level members to keep / drop, as the client named them (``pick``/``omit``);
    #: may include ``id``, ``type`` and ``scope``; attribute names are expanded here.
    pick: frozenset[str] | None = None
    omit: frozenset[str] | None = None
    #: Language Filter (``lang``), e.g. ``"ko,en;q=0.5"`` or ``"*"``.
    lang: str | None = None
    #: Attribute instances to keep by datasetId (``@none`` = the default instance).
    dataset_ids: frozenset[str] | None = None


class _Renderer:
    __slots__ = ("compact", "concise", "lang", "options", "sys_attrs")

    def __init__(self, resolver: TermResolver, options: RenderOptions) -> None:
        self.compact = resolver.compact
        self.options = options
        self.concise = options.format == "concise"
        self.lang = options.lang
        self.sys_attrs = options.sys_attrs

    def attribute(self, instances: list[Instance]) -> Any:
        if self.options.format == "simplified":
            if len(instances) == 1:
                return self.simple(instances[0])
            return {"dataset": {i.get("datasetId", "@none"): self.simple(i) for i in instances}}
        if len(instances) == 1:
            rendered = self.instance(instances[0])
            return _bare(rendered) if self.concise else rendered
        return [self.instance(i) for i in instances]

    def instance(self, instance: Instance) -> dict[str, Any]:
        """Normalized or concise (object form) rendering of one instance."""
        kind = instance.get("type") or PROPERTY
        out: dict[str, Any] = {}
        language_map = instance.get("languageMap")
        if (
            kind == LANGUAGE_PROPERTY
            and self.lang
            and isinstance(language_map, dict)
            and language_map
        ):
            tag, text = pick_language(language_map, self.lang)
            if not self.concise:
                out["type"] = PROPERTY
            out["value"] = text
            out["lang"] = tag
        else:
            member = VALUE_MEMBER.get(kind, "value")
            value = instance.get(member)
            if not self.concise or _type_not_inferable(kind, value):
                out["type"] = kind
            if member in instance:
                if kind == VOCAB_PROPERTY:
                    value = _compact_each(value, self.compact)
                elif kind == LIST_RELATIONSHIP and not self.concise and isinstance(value, list):
                    value = [{"object": target} for target in value]
                out[member] = value
        for key, item in instance.items():
            if key in _VALUE_MEMBERS or key in _HIDDEN:
                continue
            if key == "createdAt" or key == "modifiedAt":
                if self.sys_attrs:
                    out[key] = item
            elif key in _COMPACTED:
                out[key] = _compact_each(item, self.compact)
            elif key in INSTANCE_MEMBERS:
                out[key] = item
            elif isinstance(item, dict):
                sub = self.instance(item)
                out[self.compact(key)] = _bare(sub) if self.concise else sub
        return out

    def simple(self, instance: Instance) -> Any:
        """Simplified (keyValues) value of one instance (§4.5.4)."""
        kind = instance.get("type") or PROPERTY
        if kind in (PROPERTY, GEO_PROPERTY):
            return instance.get("value")
        if kind == RELATIONSHIP:
            return instance.get("object")
        if kind == LANGUAGE_PROPERTY:
            language_map = instance.get("languageMap")
            if self.lang and isinstance(language_map, dict) and language_map:
                return pick_language(language_map, self.lang)[1]
            return {"languageMap": language_map}
        if kind == VOCAB_PROPERTY:
            return {"vocab": _compact_each(instance.get("vocab"), self.compact)}
        if kind == LIST_PROPERTY:
            return instance.get("valueList")
        if kind == LIST_RELATIONSHIP:
            return instance.get("objectList")
        if kind == JSON_PROPERTY:
            return {"json": instance.get("json")}
        return instance.get("value")


def _compact_each(value: Any, compact: Any) -> Any:
    if isinstance(value, str):
        return compact(value)
    if isinstance(value, list):
        return [compact(v) if isinstance(v, str) else v for v in value]
    return value


def _type_not_inferable(kind: str, value: Any) -> bool:
    """Concise output keeps ``type`` where the parser would infer another kind."""
    if kind == PROPERTY:
        return looks_geojson(value)
    if kind == GEO_PROPERTY:
        return not looks_geojson(value)
    return False


def _bare(rendered: dict[str, Any]) -> Any:
    """§4.5.2.3: a concise attribute with nothing but a value is the value itself, when
    reading it back gives the same attribute (a GeoJSON value then means GeoProperty)."""
    if len(rendered) != 1 or "value" not in rendered:
        return rendered
    value = rendered["value"]
    if isinstance(value, dict):
        if "type" in value and not looks_geojson(value):
            return rendered
        if not _VALUE_MEMBERS.isdisjoint(value) or "@context" in value:
            return rendered
    elif isinstance(value, list) and any(instance_like(item) for item in value):
        return rendered
    return value


def render_entity(entity: Entity, resolver: TermResolver, options: RenderOptions) -> dict[str, Any]:
    """The client view of ``entity`` in ``options.format`` (no ``@context`` member)."""
    compact = resolver.compact
    pick, omit = options.pick, options.omit
    wanted: frozenset[str] | None = options.attrs
    if pick is not None:
        picked = frozenset(resolver.expand(name) for name in pick if name not in _TOP_LEVEL)
        wanted = picked if wanted is None else wanted & picked
    dropped = {resolver.expand(name) for name in omit if name not in _TOP_LEVEL} if omit else ()

    def shown(member: str) -> bool:
        return (pick is None or member in pick) and (omit is None or member not in omit)

    out: dict[str, Any] = {}
    if shown("id"):
        out["id"] = entity["id"]
    if shown("type"):
        types = [compact(t) for t in entity.get("type") or ()]
        out["type"] = types[0] if len(types) == 1 else types
    scope = entity.get("scope")
    if scope and shown("scope"):
        out["scope"] = scope[0] if len(scope) == 1 else list(scope)
    renderer = _Renderer(resolver, options)
    datasets = options.dataset_ids
    for iri, instances in entity["attrs"].items():
        if not instances or (wanted is not None and iri not in wanted) or iri in dropped:
            continue
        if datasets is not None:
            instances = [i for i in instances if i.get("datasetId", "@none") in datasets]
            if not instances:
                continue
        out[compact(iri)] = renderer.attribute(instances)
    if options.sys_attrs:
        for key in _SYS_ATTRS:
            if key in entity and (omit is None or key not in omit):
                out[key] = entity[key]
    return out


def render_feature(
    entity: Entity,
    resolver: TermResolver,
    options: RenderOptions,
    geoproperty: str,
    *,
    dataset_id: str | None = None,
) -> dict[str, Any]:
    """A GeoJSON Feature (§4.5.16, simplified §4.5.17): ``geometry`` is the value of the
    (expanded) ``geoproperty`` instance with ``dataset_id`` (default instance if None),
    or null; ``properties`` is the rendered entity without ``id``."""
    properties = render_entity(entity, resolver, options)
    properties.pop("id", None)
    geometry = None
    for instance in entity["attrs"].get(geoproperty, ()):
        if instance.get("datasetId") == dataset_id:
            value = instance.get("value")
            if instance.get("type") == GEO_PROPERTY and looks_geojson(value):
                geometry = value
            break
    return {"id": entity["id"], "type": "Feature", "geometry": geometry, "properties": properties}
