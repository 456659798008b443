"""Entity queries (§5.7.2, §6.4.3.2): narrow in the store, decide exactly here, then page.

The store streams candidates in id order after a cheap over-approximating filter; this
module applies the exact semantics (type expression, q, scopeQ, geo, attrs) and cuts the
page. Ordering by id keeps pages stable: no duplicates or gaps between requests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dosi.core.geoquery import GeoQuery
from dosi.core.model import Entity
from dosi.core.typesel import TypeSelection
from dosi.store.base import Candidates, Store


@dataclass(frozen=True)
class EntityQuery:
    """A bound entity query: every name is already expanded."""

    ids: frozenset[str] | None = None
    id_pattern: str | None = None
    types: TypeSelection | None = None
    #: Entities must carry at least one of these attributes.
    attrs: frozenset[str] | None = None
    q: Callable[[Entity], bool] | None = None
    scope_q: Callable[[Sequence[str] | None], bool] | None = None
    geo: GeoQuery | None = None
    limit: int = 20
    offset: int = 0
    count: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def candidates(self) -> Candidates:
        return Candidates(
            ids=self.ids,
            id_pattern=self.id_pattern,
            types=self.types.named if self.types is not None else None,
            attrs=self.attrs,
            geo=self.geo.prefilter() if self.geo is not None else None,
        )

    def matches(self, entity: Entity) -> bool:
        if self.types is not None and not self.types.matches(entity["type"]):
            return False
        if self.attrs is not None and not any(a in entity["attrs"] for a in self.attrs):
            return False
        if self.scope_q is not None and not self.scope_q(entity.get("scope")):
            return False
        if self.q is not None and not self.q(entity):
            return False
        return self.geo is None or self.geo.matches(entity)


@dataclass(frozen=True)
class QueryPage:
    entities: list[Entity]
    #: Total number of matches, when the query asked for ``count``.
    count: int | None


async def run_query(store: Store, tenant: str, query: EntityQuery) -> QueryPage:
    """Evaluate ``query``; counts every match only when asked to."""
    page: list[Entity] = []
    seen = 0
    end = query.offset + query.limit
    async for entity in store.iter_entities(tenant, query.candidates()):
        if not query.matches(entity):
            continue
        if query.offset <= seen < end:
            page.append(entity)
        seen += 1
        if seen >= end and not query.count:
            break
    return QueryPage(page, seen if query.count else None)
