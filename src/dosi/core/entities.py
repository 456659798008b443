"""The entity service: NGSI-LD entity operations (§5.6, §5.7) over any store.

Every write is one ``Store.transact`` call whose plan applies the pure functions of
``dosi.core.mutations``; committed changes are published on the change feed. The API,
the device agent and city apps all write through here, so they share one semantics.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dosi.core import mutations
from dosi.core.changes import ChangeFeed, ChangeKind, EntityChange
from dosi.core.clock import utc_now
from dosi.core.model import Entity, Instance
from dosi.core.query import EntityQuery, QueryPage, run_query
from dosi.core.temporal.history import history_rows
from dosi.errors import AlreadyExists, NgsiLdError, NonexistentTenant, ResourceNotFound
from dosi.store.base import Store, Writes

Attrs = dict[str, list[Instance]]
OutboxHook = Callable[[str, list[EntityChange]], list[tuple[str, str, dict[str, Any]]]]


@dataclass
class BatchOutcome:
    """Per-entity results of a batch operation (§5.2.16 BatchOperationResult)."""

    success: list[str] = field(default_factory=list)
    errors: list[tuple[str, NgsiLdError]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


class _Recorder:
    """Collects the changes a plan makes; reset on every (re)run of the plan."""

    def __init__(self) -> None:
        self.changes: list[EntityChange] = []

    def reset(self) -> None:
        self.changes = []

    def add(
        self,
        tenant: str,
        entity_id: str,
        kind: ChangeKind,
        before: Entity | None,
        after: Entity | None,
        now: str,
    ) -> None:
        self.changes.append(EntityChange(tenant, entity_id, kind, before, after, now))


class EntityService:
    """Entity CRUD, attribute operations, batch operations and queries for one store."""

    def __init__(self, store: Store, feed: ChangeFeed | None = None) -> None:
        self.store = store
        self.feed = feed or ChangeFeed()
        self._outbox_hooks: list[OutboxHook] = []

    def add_outbox_hook(self, hook: OutboxHook) -> None:
        """Register a pure function turning committed changes into documents written in the
        same transaction (the notification outbox). It runs inside the store's
        transaction: it must be fast and do no I/O."""
        self._outbox_hooks.append(hook)

    # -- reads ---------------------------------------------------------------------
    async def check_tenant(self, tenant: str) -> None:
        """Reads on an unknown tenant fail with NonexistentTenant (§5.5.2)."""
        if not await self.store.tenant_exists(tenant):
            raise NonexistentTenant(f"tenant {tenant!r} does not exist")

    async def retrieve(self, tenant: str, entity_id: str) -> Entity:
        await self.check_tenant(tenant)
        entity = await self.store.get_entity(tenant, entity_id)
        if entity is None:
            raise ResourceNotFound(f"entity {entity_id} not found")
        return entity

    async def query(self, tenant: str, query: EntityQuery) -> QueryPage:
        await self.check_tenant(tenant)
        return await run_query(self.store, tenant, query)

    # -- single-entity writes ------------------------------------------------------
    async def create(self, tenant: str, entity: Entity) -> None:
        """§5.6.1: AlreadyExists if the id is taken."""
        outcome = await self._batch(tenant, [entity], self._plan_create)
        if outcome.errors:
            raise outcome.errors[0][1]

    async def replace(self, tenant: str, entity: Entity) -> None:
        """§5.6.18 PUT /entities/{id}."""
        now = entity["modifiedAt"]

        def change(current: Entity) -> tuple[Entity, ChangeKind]:
            return mutations.replace_entity(current, entity, now), "replaced"

        await self._update_one(tenant, entity["id"], change)

    async def merge(self, tenant: str, entity_id: str, patch: Entity) -> None:
        """§5.6.17 PATCH /entities/{id}: ``patch`` is a parsed fragment (attrs + type/scope)."""
        await self._change(tenant, entity_id, lambda cur, now: _merge(cur, patch, now))

    async def delete(self, tenant: str, entity_id: str) -> None:
        """§5.6.6."""
        outcome = await self._batch(tenant, [entity_id], self._plan_delete)
        if outcome.errors:
            raise outcome.errors[0][1]

    async def append_attrs(
        self, tenant: str, entity_id: str, attrs: Attrs, *, no_overwrite: bool
    ) -> mutations.UpdateResult:
        """§5.6.3 POST /entities/{id}/attrs."""
        return await self._attrs_op(
            tenant,
            entity_id,
            lambda cur, now: mutations.append_attrs(cur, attrs, now, no_overwrite=no_overwrite),
        )

    async def update_attrs(
        self, tenant: str, entity_id: str, attrs: Attrs
    ) -> mutations.UpdateResult:
        """§5.6.2 PATCH /entities/{id}/attrs."""
        return await self._attrs_op(
            tenant, entity_id, lambda cur, now: mutations.update_attrs(cur, attrs, now)
        )

    async def partial_update_attr(
        self, tenant: str, entity_id: str, attr: str, fragment: list[Instance]
    ) -> None:
        """§5.6.4 PATCH /entities/{id}/attrs/{attrId}."""
        await self._change(
            tenant,
            entity_id,
            lambda cur, now: mutations.partial_update_attr(cur, attr, fragment, now),
        )

    async def replace_attr(
        self, tenant: str, entity_id: str, attr: str, instances: list[Instance]
    ) -> None:
        """§5.6.19 PUT /entities/{id}/attrs/{attrId}."""
        await self._change(
            tenant, entity_id, lambda cur, now: mutations.replace_attr(cur, attr, instances, now)
        )

    async def delete_attr(
        self,
        tenant: str,
        entity_id: str,
        attr: str,
        *,
        dataset_id: str | None,
        delete_all: bool,
    ) -> None:
        """§5.6.5 DELETE /entities/{id}/attrs/{attrId}."""
        await self._change(
            tenant,
            entity_id,
            lambda cur, now: mutations.delete_attr(
                cur, attr, now, dataset_id=dataset_id, delete_all=delete_all
            ),
        )

    async def _change(
        self, tenant: str, entity_id: str, change: Callable[[Entity, str], Entity]
    ) -> None:
        """Apply one pure mutation (given the entity and ``now``) to an existing entity."""
        now = utc_now()
        await self._update_one(tenant, entity_id, lambda cur: (change(cur, now), "updated"))

    # -- batch operations (§5.6.7-§5.6.10, §5.6.20) --------------------------------
    async def batch_create(self, tenant: str, entities: Sequence[Entity]) -> BatchOutcome:
        return await self._batch(tenant, entities, self._plan_create)

    async def batch_upsert(
        self, tenant: str, entities: Sequence[Entity], *, update: bool, history: bool = True
    ) -> BatchOutcome:
        """``update``: existing entities get the attributes appended (options=update);
        otherwise they are replaced (options=replace, the default)."""

        def plan(
            current: dict[str, Entity],
            entity: Entity,
            rec: _Recorder,
            out: BatchOutcome,
            tenant: str,
        ) -> Entity | None:
            existing = current.get(entity["id"])
            now = entity["modifiedAt"]
            if existing is None:
                out.created.append(entity["id"])
                rec.add(tenant, entity["id"], "created", None, entity, now)
                return entity
            if update:
                new, _ = mutations.append_attrs(existing, entity["attrs"], now, no_overwrite=False)
                new = _add_types(new, entity["type"])
                kind: ChangeKind = "updated"
            else:
                new = mutations.replace_entity(existing, entity, now)
                kind = "replaced"
            rec.add(tenant, entity["id"], kind, existing, new, now)
            return new

        return await self._batch(tenant, entities, plan, history=history)

    async def batch_update(
        self, tenant: str, entities: Sequence[Entity], *, no_overwrite: bool
    ) -> BatchOutcome:
        def plan(
            current: dict[str, Entity],
            entity: Entity,
            rec: _Recorder,
            out: BatchOutcome,
            tenant: str,
        ) -> Entity | None:
            existing = _require(current, entity["id"])
            now = entity["modifiedAt"]
            new, _ = mutations.append_attrs(
                existing, entity["attrs"], now, no_overwrite=no_overwrite
            )
            rec.add(tenant, entity["id"], "updated", existing, new, now)
            return new

        return await self._batch(tenant, entities, plan)

    async def batch_merge(self, tenant: str, entities: Sequence[Entity]) -> BatchOutcome:
        def plan(
            current: dict[str, Entity],
            entity: Entity,
            rec: _Recorder,
            out: BatchOutcome,
            tenant: str,
        ) -> Entity | None:
            existing = _require(current, entity["id"])
            now = entity["modifiedAt"]
            new = _merge(existing, entity, now)
            rec.add(tenant, entity["id"], "updated", existing, new, now)
            return new

        return await self._batch(tenant, entities, plan)

    async def batch_delete(self, tenant: str, ids: Sequence[str]) -> BatchOutcome:
        return await self._batch(tenant, ids, self._plan_delete)

    # -- plumbing ------------------------------------------------------------------
    @staticmethod
    def _plan_create(
        current: dict[str, Entity], entity: Entity, rec: _Recorder, out: BatchOutcome, tenant: str
    ) -> Entity | None:
        if entity["id"] in current:
            raise AlreadyExists(f"entity {entity['id']} already exists")
        rec.add(tenant, entity["id"], "created", None, entity, entity["createdAt"])
        out.created.append(entity["id"])
        return entity

    @staticmethod
    def _plan_delete(
        current: dict[str, Entity], entity_id: str, rec: _Recorder, out: BatchOutcome, tenant: str
    ) -> str:
        existing = _require(current, entity_id)
        rec.add(tenant, entity_id, "deleted", existing, None, utc_now())
        return entity_id

    async def _batch(
        self, tenant: str, items: Sequence[Any], step: Callable[..., Any], *, history: bool = True
    ) -> BatchOutcome:
        """Run ``step`` for every item inside one transaction; per-item NGSI-LD errors are
        collected, not raised. Items are processed in order, so a later item sees the
        effect of an earlier one on the same id."""
        rec = _Recorder()
        outcome = BatchOutcome()
        # The plan may run on the store's writer thread: hooks see the caller's context
        # (e.g. who is acting, for the audit trail).
        caller = contextvars.copy_context()
        ids = list(dict.fromkeys(_item_id(item) for item in items))

        def plan(current: dict[str, Entity]) -> Writes:
            rec.reset()
            outcome.success.clear()
            outcome.errors.clear()
            outcome.created.clear()
            working = dict(current)
            deleted: dict[str, None] = {}
            upserted: dict[str, Entity] = {}
            for item in items:
                item_id = _item_id(item)
                try:
                    result = step(working, item, rec, outcome, tenant)
                except NgsiLdError as exc:
                    outcome.errors.append((item_id, exc))
                    continue
                if isinstance(result, str):
                    working.pop(result, None)
                    upserted.pop(result, None)
                    deleted[result] = None
                elif result is not None:
                    working[item_id] = result
                    upserted[item_id] = result
                    deleted.pop(item_id, None)
                outcome.success.append(item_id)
            return Writes(
                upserts=list(upserted.values()),
                deletes=[i for i in deleted if i in current],
                history=[row for c in rec.changes for row in history_rows(c)] if history else [],
                documents=[
                    d for hook in self._outbox_hooks for d in caller.run(hook, tenant, rec.changes)
                ],
            )

        await self.store.transact(tenant, ids, plan)
        self.feed.publish(rec.changes)
        return outcome

    async def _update_one(
        self,
        tenant: str,
        entity_id: str,
        change: Callable[[Entity], tuple[Entity, ChangeKind]],
    ) -> None:
        def step(
            current: dict[str, Entity], _id: str, rec: _Recorder, out: BatchOutcome, tenant: str
        ) -> Entity:
            existing = _require(current, entity_id)
            new, kind = change(existing)
            rec.add(tenant, entity_id, kind, existing, new, new["modifiedAt"])
            return new

        await self.check_tenant(tenant)
        outcome = await self._batch(tenant, [entity_id], step)
        if outcome.errors:
            raise outcome.errors[0][1]

    async def _attrs_op(
        self,
        tenant: str,
        entity_id: str,
        op: Callable[[Entity, str], tuple[Entity, mutations.UpdateResult]],
    ) -> mutations.UpdateResult:
        result_box: list[mutations.UpdateResult] = []
        now = utc_now()

        def change(current: Entity) -> tuple[Entity, ChangeKind]:
            new, result = op(current, now)
            result_box[:] = [result]
            return new, "updated"

        await self._update_one(tenant, entity_id, change)
        return result_box[0]


def _item_id(item: Any) -> str:
    return item if isinstance(item, str) else str(item["id"])


def _require(current: dict[str, Entity], entity_id: str) -> Entity:
    existing = current.get(entity_id)
    if existing is None:
        raise ResourceNotFound(f"entity {entity_id} not found")
    return existing


def _add_types(entity: Entity, types: Sequence[str]) -> Entity:
    merged = list(dict.fromkeys([*entity["type"], *types]))
    if merged == entity["type"]:
        return entity
    new = dict(entity)
    new["type"] = merged
    return new


def _merge(entity: Entity, patch: Entity, now: str) -> Entity:
    """Merge-patch an entity (§5.6.17): attributes via mutations, plus types and scope."""
    new = mutations.merge_entity(entity, patch["attrs"], now)
    if patch.get("type"):
        new = _add_types(new, patch["type"])
    if "scope" in patch:
        new = copy.copy(new)
        if patch["scope"] is None:
            new.pop("scope", None)
        else:
            new["scope"] = patch["scope"]
    return new
