"""The temporal service: TRoE reads and writes over the store's history (§5.6.11-§5.6.16,
§5.7.3-§5.7.4)."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.model import Entity, Instance, TermResolver
from dosi.core.query import EntityQuery
from dosi.core.representation import parse_entity, parse_instance
from dosi.core.temporal.history import row_of
from dosi.core.temporal.params import TemporalParams, parse_duration
from dosi.core.temporal.render import render_temporal
from dosi.errors import BadRequestData, ResourceNotFound
from dosi.settings import Settings
from dosi.store.base import AttributeInstance, HistoryQuery, epoch

HUGE_PERIOD = 1e12  # one bucket for the whole history (aggrPeriodDuration P0D)


class TemporalService:
    def __init__(self, entities: EntityService) -> None:
        self.entities = entities
        self.store = entities.store

    async def query(
        self,
        tenant: str,
        query: EntityQuery,
        params: TemporalParams,
        resolver: TermResolver,
        *,
        sys_attrs: bool = False,
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Entities selected like GET /entities, each with its history."""
        page = await self.entities.query(tenant, query)
        rendered = await self._render(
            tenant, page.entities, query.attrs, params, resolver, sys_attrs
        )
        return rendered, page.count

    async def retrieve(
        self,
        tenant: str,
        entity_id: str,
        attrs: frozenset[str] | None,
        params: TemporalParams,
        resolver: TermResolver,
        *,
        sys_attrs: bool = False,
    ) -> dict[str, Any]:
        entity = await self.entities.retrieve(tenant, entity_id)
        rendered = await self._render(tenant, [entity], attrs, params, resolver, sys_attrs)
        return rendered[0]

    async def _render(
        self,
        tenant: str,
        entities: list[Entity],
        attrs: frozenset[str] | None,
        params: TemporalParams,
        resolver: TermResolver,
        sys_attrs: bool,
    ) -> list[dict[str, Any]]:
        if not entities:
            return []
        history = HistoryQuery(
            entity_ids=tuple(e["id"] for e in entities),
            attrs=attrs,
            time_column=params.time_column,
            start=params.start,
            end=params.end,
            last_n=params.last_n,
        )
        rows_by: dict[str, list[AttributeInstance]] = defaultdict(list)
        buckets_by: dict[str, list[Any]] = defaultdict(list)
        if params.representation == "aggregatedValues":
            period = params.period or HUGE_PERIOD
            distinct = "distinctCount" in params.aggr_methods
            for bucket in await self.store.aggregate_history(
                tenant, history, params.start or 0.0, period, distinct=distinct
            ):
                buckets_by[bucket.entity_id].append(bucket)
        else:
            for row in await self.store.history(tenant, history):
                rows_by[row.entity_id].append(row)
        return [
            render_temporal(
                e,
                rows_by[e["id"]],
                resolver,
                params,
                sys_attrs=sys_attrs,
                buckets=buckets_by[e["id"]],
            )
            for e in entities
        ]

    async def upsert(self, tenant: str, body: Any, resolver: TermResolver) -> bool:
        """POST /temporal/entities: store every instance in the history and bring the
        current entity up to its newest instances. True when the entity was created."""
        now = utc_now()
        if not isinstance(body, dict):
            raise BadRequestData("a temporal entity must be a JSON object")
        head = parse_entity(
            {k: v for k, v in body.items() if k in ("id", "type", "scope")}, resolver, now=now
        )
        series = parse_series(body, resolver, now)
        head["attrs"] = latest(series)
        existed = await self.store.get_entity(tenant, head["id"]) is not None
        await self.entities.batch_upsert(tenant, [head], update=True, history=False)
        await self.store.append_history(
            tenant, [row_of(head, a, i, now) for a, insts in series.items() for i in insts]
        )
        return not existed

    async def append(self, tenant: str, entity_id: str, body: Any, resolver: TermResolver) -> None:
        """POST /temporal/entities/{id}/attrs: add instances to an existing entity."""
        entity = await self.entities.retrieve(tenant, entity_id)
        now = utc_now()
        series = parse_series(body, resolver, now)
        head = {**entity, "attrs": latest(series), "modifiedAt": now}
        await self.entities.batch_upsert(tenant, [head], update=True, history=False)
        await self.store.append_history(
            tenant, [row_of(entity, a, i, now) for a, insts in series.items() for i in insts]
        )

    async def purge(self, settings: Settings, now: float | None = None) -> int:
        """Apply the retention settings: drop history older than each rule allows.

        Type rules apply to that type in every tenant; a tenant rule, else the default,
        applies to the rest of the tenant's history."""
        moment = time.time() if now is None else now
        removed = 0
        for tenant in ["", *await self.store.list_tenants()]:
            for type_iri, duration in settings.temporal_retention_by_type.items():
                removed += await self.store.purge_history(
                    tenant, moment - parse_duration(duration), type_iri
                )
            default = settings.temporal_retention_by_tenant.get(tenant, settings.temporal_retention)
            if default:
                removed += await self.store.purge_history(
                    tenant, moment - parse_duration(default), None
                )
        return removed

    async def delete_entity(self, tenant: str, entity_id: str) -> None:
        await self.entities.check_tenant(tenant)
        existed = await self.store.get_entity(tenant, entity_id) is not None
        removed = await self.store.delete_history(tenant, entity_id)
        if not existed and not removed:
            raise ResourceNotFound(f"entity {entity_id} not found")
        if existed:
            await self.entities.delete(tenant, entity_id)

    async def delete_attribute(
        self,
        tenant: str,
        entity_id: str,
        attr: str,
        *,
        dataset_id: str | None,
        delete_all: bool,
    ) -> None:
        await self.entities.retrieve(tenant, entity_id)
        if delete_all or dataset_id is None:
            removed = await self.store.delete_history(tenant, entity_id, attr)
        else:
            rows = await self.store.history(
                tenant, HistoryQuery(entity_ids=(entity_id,), attrs=frozenset({attr}))
            )
            removed = 0
            for row in rows:
                if row.dataset_id == dataset_id:
                    removed += await self.store.delete_history(
                        tenant, entity_id, attr, row.instance_id
                    )
        if not removed:
            raise ResourceNotFound(f"entity {entity_id} has no history of {attr}")

    async def modify_instance(
        self,
        tenant: str,
        entity_id: str,
        attr: str,
        instance_id: str,
        body: Any,
        resolver: TermResolver,
    ) -> None:
        entity = await self.entities.retrieve(tenant, entity_id)
        if not isinstance(body, dict):
            raise BadRequestData("the body must be a JSON object")
        raw = body.get(resolver.compact(attr), body)
        items = raw if isinstance(raw, list) else [raw]
        if len(items) != 1:
            raise BadRequestData("give exactly one attribute instance")
        instance = parse_instance(attr, items[0], resolver, utc_now())
        instance["instanceId"] = instance_id
        row = row_of(entity, attr, instance, utc_now())
        if not await self.store.replace_history_instance(tenant, row):
            raise ResourceNotFound(f"no instance {instance_id} of {attr}")

    async def delete_instance(
        self, tenant: str, entity_id: str, attr: str, instance_id: str
    ) -> None:
        await self.entities.retrieve(tenant, entity_id)
        if not await self.store.delete_history(tenant, entity_id, attr, instance_id):
            raise ResourceNotFound(f"no instance {instance_id} of {attr}")


def parse_series(body: Any, resolver: TermResolver, now: str) -> dict[str, list[Instance]]:
    """Attributes of a temporal body: each a list of instances (several per datasetId)."""
    if not isinstance(body, dict):
        raise BadRequestData("the body must be a JSON object")
    series: dict[str, list[Instance]] = {}
    for name, raw in body.items():
        if name in ("id", "type", "scope", "@context", "createdAt", "modifiedAt"):
            continue
        items = raw if isinstance(raw, list) else [raw]
        series[resolver.expand(name)] = [
            parse_instance(name, item, resolver, now) for item in items
        ]
    return series


def latest(series: dict[str, list[Instance]]) -> dict[str, list[Instance]]:
    """The newest instance per attribute and datasetId: the entity's current state."""
    current: dict[str, list[Instance]] = {}
    for attr, instances in series.items():
        newest: dict[str | None, Instance] = {}
        for instance in instances:
            key = instance.get("datasetId")
            known = newest.get(key)
            if known is None or _when(instance) >= _when(known):
                newest[key] = instance
        current[attr] = list(newest.values())
    return current


def _when(instance: Instance) -> float:
    return epoch(instance.get("observedAt") or instance.get("modifiedAt") or utc_now())
