"""Type and attribute discovery (§5.7.5-§5.7.8, §5.2.24-§5.2.28) from store statistics."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dosi.core.model import TermResolver
from dosi.errors import ResourceNotFound
from dosi.store.base import Store, TypeStats


@dataclass
class _AttrInfo:
    count: int = 0
    kinds: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


class DiscoveryService:
    """Answers /types and /attributes with the spec's data types, compacted per request."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def _stats(self, tenant: str) -> list[TypeStats]:
        return sorted(await self.store.type_stats(tenant), key=lambda s: s.type)

    async def types(self, tenant: str, ctx: TermResolver, *, details: bool) -> Any:
        stats = await self._stats(tenant)
        if details:
            return [
                {
                    "id": s.type,
                    "type": "EntityType",
                    "typeName": ctx.compact(s.type),
                    "attributeNames": sorted(ctx.compact(a) for a in s.attributes),
                }
                for s in stats
            ]
        return {
            "id": f"urn:ngsi-ld:EntityTypeList:{uuid.uuid4()}",
            "type": "EntityTypeList",
            "typeList": [ctx.compact(s.type) for s in stats],
        }

    async def type_info(self, tenant: str, ctx: TermResolver, type_name: str) -> dict[str, Any]:
        iri = ctx.expand(type_name)
        for s in await self._stats(tenant):
            if s.type == iri:
                return {
                    "id": iri,
                    "type": "EntityTypeInfo",
                    "typeName": ctx.compact(iri),
                    "entityCount": s.entity_count,
                    "attributeDetails": [
                        {
                            "id": attr,
                            "type": "Attribute",
                            "attributeName": ctx.compact(attr),
                            "attributeTypes": sorted(info.kinds),
                        }
                        for attr, info in sorted(s.attributes.items())
                    ],
                }
        raise ResourceNotFound(f"no entity of type {type_name} exists")

    async def _attributes(self, tenant: str) -> dict[str, _AttrInfo]:
        found: dict[str, _AttrInfo] = defaultdict(_AttrInfo)
        for s in await self._stats(tenant):
            for attr, info in s.attributes.items():
                entry = found[attr]
                entry.count += info.count
                entry.kinds |= info.kinds
                entry.types.add(s.type)
        return dict(sorted(found.items()))

    async def attributes(self, tenant: str, ctx: TermResolver, *, details: bool) -> Any:
        found = await self._attributes(tenant)
        if details:
            return [
                {
                    "id": attr,
                    "type": "Attribute",
                    "attributeName": ctx.compact(attr),
                    "typeNames": sorted(ctx.compact(t) for t in info.types),
                }
                for attr, info in found.items()
            ]
        return {
            "id": f"urn:ngsi-ld:AttributeList:{uuid.uuid4()}",
            "type": "AttributeList",
            "attributeList": [ctx.compact(a) for a in found],
        }

    async def attribute_info(
        self, tenant: str, ctx: TermResolver, attr_name: str
    ) -> dict[str, Any]:
        iri = ctx.expand(attr_name)
        info = (await self._attributes(tenant)).get(iri)
        if info is None:
            raise ResourceNotFound(f"no entity has an attribute {attr_name}")
        return {
            "id": iri,
            "type": "Attribute",
            "attributeName": ctx.compact(iri),
            "attributeCount": info.count,
            "attributeTypes": sorted(info.kinds),
            "typeNames": sorted(ctx.compact(t) for t in info.types),
        }
