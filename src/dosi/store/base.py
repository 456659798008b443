"""The storage contract: one Protocol that every backend implements.

Stores keep entities in the internal representation of ``dosi.core.model`` and know
nothing of NGSI-LD semantics. They *narrow* queries cheaply (``Candidates``) and stream
candidates in a stable order; the core applies the exact query semantics on top. All
writes go through ``transact``: an atomic read-plan-write step, so every NGSI-LD write
operation (create, merge, batch upsert, ...) is one transaction whatever the backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

Entity = dict[str, Any]


@lru_cache(maxsize=8192)
def epoch(moment: str) -> float:
    """Seconds since 1970 of an ISO 8601 DateTime (UTC when no offset is given)."""
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC).timestamp()
    return parsed.timestamp()


#: Capability flags a backend may list in ``Store.capabilities``.
CAP_TEMPORAL = "temporal"
CAP_GEO_INDEX = "geo-index"
CAP_REGEX = "regex"


@dataclass(frozen=True, slots=True)
class GeoPrefilter:
    """Entities whose GeoProperty ``attr`` has a geometry whose bounding box intersects
    ``bbox`` (min_lon, min_lat, max_lon, max_lat), in WGS 84 degrees."""

    attr: str
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Candidates:
    """A cheap, over-approximating filter the store applies before the core's exact one.

    Every field is optional; ``None`` means "no restriction". A store must never drop an
    entity that matches, but it may return extra entities (the core filters them out).
    """

    ids: frozenset[str] | None = None
    #: A regular expression (Python ``re`` syntax) the entity id must match (``search``).
    id_pattern: str | None = None
    #: The entity has at least one of these (expanded) types.
    types: frozenset[str] | None = None
    #: The entity has at least one of these (expanded) attributes.
    attrs: frozenset[str] | None = None
    geo: GeoPrefilter | None = None
    #: Keyset pagination: only ids strictly greater than this one.
    after_id: str | None = None


@dataclass(frozen=True, slots=True)
class AttributeInstance:
    """One stored state of an attribute instance: the temporal history (TRoE) row.

    ``time`` is the sample time (observedAt, else modifiedAt) as epoch seconds; the three
    ``*_at`` strings keep the NGSI-LD DateTimes. ``number`` is the numeric value, if any,
    for aggregations; ``deleted`` marks the deletion of the attribute instance.
    """

    entity_id: str
    entity_type: str
    attr: str
    instance_id: str
    dataset_id: str | None
    observed_at: str | None
    created_at: str
    modified_at: str
    time: float
    number: float | None
    instance: dict[str, Any]
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Which history rows to read: entities, attributes and a time window.

    ``time_column`` is "time" (observedAt), "created" or "modified"; ``start``/``end`` are
    epoch seconds (start inclusive, end exclusive); ``last_n`` keeps the newest N rows per
    (entity, attribute) after the window is applied.
    """

    entity_ids: tuple[str, ...]
    attrs: frozenset[str] | None = None
    time_column: str = "time"
    start: float | None = None
    end: float | None = None
    last_n: int | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    """One aggregation bucket of one attribute (and dataset) of one entity."""

    entity_id: str
    attr: str
    dataset_id: str | None
    index: int
    count: int
    distinct: int
    numeric: int
    total: float | None
    sumsq: float | None
    minimum: float | None
    maximum: float | None


@dataclass(slots=True)
class Writes:
    """What a transaction plan decided to write. Upserts are full entity documents;
    ``history`` rows are appended to the temporal store in the same transaction."""

    upserts: list[Entity] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    history: list[AttributeInstance] = field(default_factory=list)
    #: Documents written atomically with the entities: (collection, key, doc); used for
    #: the notification outbox, so a committed change never loses its notifications.
    documents: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


#: A pure, synchronous function from the current documents (by id; missing ids absent)
#: to the writes to apply. It runs inside the transaction and must not do I/O.
Plan = Callable[[dict[str, Entity]], Writes]


@dataclass(frozen=True, slots=True)
class AttributeStats:
    """How many entities of one type carry an attribute, and with which attribute kinds."""

    count: int
    kinds: frozenset[str]


@dataclass(frozen=True, slots=True)
class TypeStats:
    """Discovery data for one entity type (ETSI GS CIM 009 §5.7.5-§5.7.8)."""

    type: str
    entity_count: int
    attributes: dict[str, AttributeStats]


@dataclass(frozen=True, slots=True)
class StoredContext:
    """A user @context held by the broker (ETSI GS CIM 009 §5.13, context management)."""

    url: str
    body: dict[str, Any]
    kind: str  # "Hosted" | "Cached" | "ImplicitlyCreated"
    created_at: str
    hits: int = 0
    last_usage: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Store(Protocol):
    """A storage backend. Every method is tenant-scoped where data is tenant-scoped; the
    default tenant is the empty string. Backends translate their driver errors into
    ``dosi.errors`` classes at their own edge."""

    capabilities: frozenset[str]

    async def open(self) -> None:
        """Connect and migrate the schema to the current version."""
        ...

    async def close(self) -> None:
        """Release connections; after this the store is unusable."""
        ...

    # -- tenants ---------------------------------------------------------------------
    async def tenant_exists(self, tenant: str) -> bool:
        """True once anything was written for ``tenant`` (the default tenant always)."""
        ...

    async def list_tenants(self) -> list[str]: ...

    # -- entities --------------------------------------------------------------------
    async def get_entity(self, tenant: str, entity_id: str) -> Entity | None: ...

    async def get_entities(self, tenant: str, ids: Sequence[str]) -> dict[str, Entity]: ...

    def iter_entities(self, tenant: str, where: Candidates) -> AsyncIterator[Entity]:
        """Stream candidate entities ordered by id (ascending, byte order)."""
        ...

    async def count_entities(self, tenant: str, where: Candidates) -> int:
        """Number of candidates (an upper bound of the exact count)."""
        ...

    async def transact(self, tenant: str, ids: Sequence[str], plan: Plan) -> Writes:
        """Atomically load ``ids``, run ``plan`` on them and apply its writes.

        Creates the tenant if needed. Returns the writes that were applied. The plan may
        be called more than once if the backend retries a conflicting transaction.
        Acknowledged writes are durable (committed).
        """
        ...

    async def type_stats(self, tenant: str) -> list[TypeStats]: ...

    # -- temporal history ------------------------------------------------------------
    async def history(self, tenant: str, query: HistoryQuery) -> list[AttributeInstance]:
        """Rows ordered by entity, attribute, time (ascending)."""
        ...

    async def aggregate_history(
        self,
        tenant: str,
        query: HistoryQuery,
        origin: float,
        period: float,
        *,
        distinct: bool = False,
    ) -> list[Bucket]:
        """Per (entity, attribute, dataset, bucket) statistics, computed in the database;
        bucket ``index`` is ``floor((t - origin) / period)``. Distinct values are counted
        only when ``distinct`` (it needs a sort, so it is not free)."""
        ...

    async def append_history(self, tenant: str, rows: Sequence[AttributeInstance]) -> None:
        """Add history rows outside an entity transaction (temporal API appends)."""
        ...

    async def delete_history(
        self,
        tenant: str,
        entity_id: str,
        attr: str | None = None,
        instance_id: str | None = None,
    ) -> int:
        """Delete history rows of an entity (all, one attribute or one instance)."""
        ...

    async def replace_history_instance(self, tenant: str, row: AttributeInstance) -> bool:
        """Replace the row with ``row.instance_id``; False if there is none."""
        ...

    async def purge_history(self, tenant: str, before: float, entity_type: str | None) -> int:
        """Retention: drop rows sampled before ``before`` (optionally of one type)."""
        ...

    # -- documents: small JSON records of platform features -----------------------------
    # Devices, service groups, subscriptions, rules, incidents, dead letters...: each
    # feature names its own ``collection``; keys are unique per (tenant, collection).
    async def put_document(
        self, tenant: str, collection: str, key: str, doc: dict[str, Any]
    ) -> None:
        """Insert or replace one document (durable when this returns)."""
        ...

    async def get_document(
        self, tenant: str, collection: str, key: str
    ) -> dict[str, Any] | None: ...

    async def list_documents(
        self, tenant: str, collection: str, *, after: str | None = None, limit: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """(key, doc) pairs ordered by key, keys strictly greater than ``after``."""
        ...

    async def delete_document(self, tenant: str, collection: str, key: str) -> bool:
        """True if a document was deleted."""
        ...

    async def delete_documents(self, tenant: str, collection: str, keys: Sequence[str]) -> int:
        """Delete several documents in one transaction; returns how many existed."""
        ...

    # -- @contexts (global, not tenant-scoped) ----------------------------------------
    async def put_context(self, context: StoredContext) -> None: ...

    async def get_context(self, url: str) -> StoredContext | None: ...

    async def list_contexts(self) -> list[StoredContext]: ...

    async def delete_context(self, url: str) -> bool: ...
