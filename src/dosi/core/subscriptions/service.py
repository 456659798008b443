"""The subscription service: CRUD, matching into a durable outbox, and delivery workers.

Matching runs inside the entity write transaction (an outbox hook of the entity
service), so every committed change has its notifications committed with it; a restart
resumes from the outbox. Delivery keeps order per subscription, retries with exponential
back-off, honours throttling, and dead-letters what keeps failing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Final

from dosi.core.changes import EntityChange
from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext, ContextResolver
from dosi.core.subscriptions import model
from dosi.core.subscriptions.delivery import DeliveryError, Sender, notification_body
from dosi.core.subscriptions.matcher import Compiled, compile_subscription, fired
from dosi.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from dosi.store.base import Candidates

logger = logging.getLogger(__name__)

SUBSCRIPTIONS: Final = "subscriptions"
OUTBOX: Final = "subscriptions.outbox"
DEAD: Final = "subscriptions.dead"
MAX_ATTEMPTS: Final = 10
MAX_BACKOFF: Final = 300.0
BATCH: Final = 500
#: Most outbox items merged into one notification.
MERGE: Final = 100


class SubscriptionService:
    def __init__(
        self, entities: EntityService, resolver: ContextResolver, *, sender: Sender | None = None
    ) -> None:
        self.entities = entities
        self.store = entities.store
        self.resolver = resolver
        self.sender = sender or Sender()
        self._subs: dict[tuple[str, str], Compiled] = {}
        self._contexts: dict[tuple[str, str], ActiveContext] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._seq = itertools.count()
        self._last_sent: dict[str, float] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._next_periodic: dict[tuple[str, str], float] = {}

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        for tenant in ["", *await self.store.list_tenants()]:
            for _, doc in await self.store.list_documents(tenant, SUBSCRIPTIONS):
                try:
                    await self._load(tenant, doc)
                except NgsiLdError as exc:
                    logger.error("subscription %s cannot be loaded: %s", doc.get("id"), exc)
        self.entities.add_outbox_hook(self._hook)
        self._tasks = [
            asyncio.create_task(self._deliver_forever(), name="subscriptions:deliver"),
            asyncio.create_task(self._periodic_forever(), name="subscriptions:periodic"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._flush_status()
        await self.sender.close()

    async def _load(self, tenant: str, doc: dict[str, Any]) -> Compiled:
        ctx = await self.resolver.resolve(doc.get("context"))
        compiled = compile_subscription(doc, ctx)
        self._subs[(tenant, doc["id"])] = compiled
        self._contexts[(tenant, doc["id"])] = ctx
        return compiled

    # -- CRUD ------------------------------------------------------------------------
    async def create(self, tenant: str, body: Any, context: Any) -> str:
        ctx = await self.resolver.resolve(context)
        data = model.validate(body, ctx)
        sub_id = data.pop("id", None) or model.new_subscription_id()
        if (tenant, sub_id) in self._subs:
            raise AlreadyExists(f"subscription {sub_id} already exists")
        doc = {
            "id": sub_id,
            "body": data,
            "context": context,
            "createdAt": utc_now(),
            "timesSent": 0,
            "timesFailed": 0,
        }
        await self.store.put_document(tenant, SUBSCRIPTIONS, sub_id, doc)
        await self._load(tenant, doc)
        return sub_id

    async def page(self, tenant: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        subs = sorted(
            (c.doc for (t, _), c in self._subs.items() if t == tenant), key=lambda d: d["id"]
        )
        return [model.render(d, with_context=False) for d in subs[offset : offset + limit]], len(
            subs
        )

    def get(self, tenant: str, sub_id: str) -> dict[str, Any]:
        compiled = self._subs.get((tenant, sub_id))
        if compiled is None:
            raise ResourceNotFound(f"subscription {sub_id} not found")
        return compiled.doc

    def context_of(self, tenant: str, sub_id: str) -> ActiveContext:
        return self._contexts[(tenant, sub_id)]

    async def update(self, tenant: str, sub_id: str, fragment: Any, context: Any) -> None:
        doc = dict(self.get(tenant, sub_id))
        ctx = await self.resolver.resolve(context if context is not None else doc.get("context"))
        data = model.validate(fragment, ctx, partial=True)
        if "id" in data and data["id"] != sub_id:
            raise BadRequestData("the subscription id cannot be changed")
        data.pop("id", None)
        data.pop("type", None)
        body = {**doc["body"], **data}
        model.validate(body, ctx)
        doc["body"] = body
        if context is not None:
            doc["context"] = context
        doc["modifiedAt"] = utc_now()
        await self._load(tenant, doc)
        await self.store.put_document(tenant, SUBSCRIPTIONS, sub_id, doc)

    async def delete(self, tenant: str, sub_id: str) -> None:
        self.get(tenant, sub_id)
        await self.store.delete_document(tenant, SUBSCRIPTIONS, sub_id)
        self._subs.pop((tenant, sub_id), None)
        self._contexts.pop((tenant, sub_id), None)

    # -- matching (inside the write transaction) ------------------------------------
    def _hook(
        self, tenant: str, changes: list[EntityChange]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        docs: list[tuple[str, str, dict[str, Any]]] = []
        if not self._subs:
            return docs
        now = time.time()
        for (sub_tenant, sub_id), sub in self._subs.items():
            if sub_tenant != tenant or sub.periodic or not sub.active():
                continue
            for change in changes:
                triggers = fired(sub, change)
                if triggers:
                    docs.append(self._outbox_doc(tenant, sub_id, [change], triggers, now))
        if docs:
            self._wake.set()
        return docs

    def _outbox_doc(
        self,
        tenant: str,
        sub_id: str,
        changes: Sequence[EntityChange],
        triggers: list[str],
        now: float,
    ) -> tuple[str, str, dict[str, Any]]:
        entities = [c.after if c.after is not None else c.before for c in changes]
        previous = {
            c.entity_id: {
                attr: insts[0].get("value", insts[0].get("object"))
                for attr, insts in c.before["attrs"].items()
                if insts
            }
            for c in changes
            if c.before is not None
        }
        key = f"{time.time_ns():020d}.{next(self._seq):09d}"
        doc = {
            "tenant": tenant,
            "sub": sub_id,
            "entities": entities,
            "previous": previous,
            "triggers": triggers,
            "attempts": 0,
            "notBefore": now,
        }
        return OUTBOX, key, doc

    # -- delivery ----------------------------------------------------------------------
    async def _deliver_forever(self) -> None:
        while True:
            try:
                wait = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("notification delivery round failed")
                wait = 1.0
            await self._flush_status()
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.01, min(wait, 1.0)))

    async def deliver_due(self) -> float:
        """Send every due outbox item (in order per subscription); returns seconds until
        the next item is due."""
        items = await self.store.list_documents("", OUTBOX, limit=BATCH)
        if not items:
            return 1.0
        per_sub: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for key, doc in items:
            per_sub[(doc["tenant"], doc["sub"])].append((key, doc))
        waits: list[float] = await asyncio.gather(
            *(self._deliver_sub(sub_key, queue) for sub_key, queue in per_sub.items())
        )
        if len(items) == BATCH:  # the outbox holds more: go on at once
            return 0.0
        return min(waits, default=1.0)

    async def _deliver_sub(
        self, sub_key: tuple[str, str], queue: list[tuple[str, dict[str, Any]]]
    ) -> float:
        """Deliver due items in order. Without throttling, consecutive due items are sent
        as one Notification whose ``data`` lists every entity state (§5.3.1), so a burst of
        changes costs one request, not one each."""
        compiled = self._subs.get(sub_key)
        if compiled is None:  # the subscription is gone: its pending items go too
            await self.store.delete_documents("", OUTBOX, [k for k, _ in queue])
            return 1.0
        throttling = float(compiled.doc["body"].get("throttling") or 0)
        ctx = self._contexts[sub_key]
        position = 0
        while position < len(queue):
            now = time.time()
            key, doc = queue[position]
            not_before = max(doc["notBefore"], self._last_sent.get(compiled.id, 0) + throttling)
            if not_before > now:
                return float(not_before - now)
            batch = [(key, doc)]
            if not throttling:
                for later in queue[position + 1 : position + MERGE]:
                    if later[1]["notBefore"] > now:
                        break
                    batch.append(later)
            entities = [e for _, d in batch for e in d["entities"]]
            previous: dict[str, Any] = {}
            for _, d in batch:
                previous.update(d.get("previous") or {})
            body = notification_body(compiled.doc, entities, ctx, previous)
            try:
                await self.sender.send(compiled.doc, body, ctx)
            except DeliveryError as exc:
                return await self._failed(sub_key, compiled, key, doc, str(exc))
            self._last_sent[compiled.id] = time.time()
            self._record(sub_key, compiled, ok=True, at=body["notifiedAt"])
            await self.store.delete_documents("", OUTBOX, [k for k, _ in batch])
            position += len(batch)
        return 1.0

    async def _failed(
        self,
        sub_key: tuple[str, str],
        compiled: Compiled,
        key: str,
        doc: dict[str, Any],
        reason: str,
    ) -> float:
        logger.warning("notification for %s failed: %s", compiled.id, reason)
        self._record(sub_key, compiled, ok=False, at=utc_now())
        doc = {**doc, "attempts": doc["attempts"] + 1, "lastError": reason}
        if doc["attempts"] >= MAX_ATTEMPTS:
            await self.store.put_document("", DEAD, key, doc)
            await self.store.delete_document("", OUTBOX, key)
            return 0.0
        delay: float = min(MAX_BACKOFF, 0.5 * 2.0 ** (int(doc["attempts"]) - 1))
        doc["notBefore"] = time.time() + delay
        await self.store.put_document("", OUTBOX, key, doc)
        return delay

    def _record(self, sub_key: tuple[str, str], compiled: Compiled, *, ok: bool, at: str) -> None:
        doc = compiled.doc
        doc["lastNotification"] = at
        if ok:
            doc["timesSent"] = doc.get("timesSent", 0) + 1
            doc["lastSuccess"] = at
            doc["lastFailureSinceSuccess"] = False
        else:
            doc["timesFailed"] = doc.get("timesFailed", 0) + 1
            doc["lastFailure"] = at
            doc["lastFailureSinceSuccess"] = True
        self._dirty.add(sub_key)

    async def _flush_status(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for tenant, sub_id in dirty:
            compiled = self._subs.get((tenant, sub_id))
            if compiled is not None:
                await self.store.put_document(tenant, SUBSCRIPTIONS, sub_id, compiled.doc)

    # -- periodic subscriptions (timeInterval) -----------------------------------------
    async def _periodic_forever(self) -> None:
        while True:
            try:
                await self.run_periodic()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("periodic subscriptions round failed")
            await asyncio.sleep(0.2)

    async def run_periodic(self) -> None:
        now = time.time()
        for sub_key, sub in list(self._subs.items()):
            if not sub.periodic or not sub.active():
                continue
            due = self._next_periodic.get(sub_key, 0.0)
            if due > now:
                continue
            self._next_periodic[sub_key] = now + float(sub.doc["body"]["timeInterval"])
            entities = await self._current(sub_key[0], sub)
            if entities:
                key = f"{time.time_ns():020d}.{next(self._seq):09d}"
                doc = {
                    "tenant": sub_key[0],
                    "sub": sub.id,
                    "entities": entities,
                    "previous": {},
                    "triggers": ["timeInterval"],
                    "attempts": 0,
                    "notBefore": now,
                }
                await self.store.put_document("", OUTBOX, key, doc)
                self._wake.set()

    async def _current(self, tenant: str, sub: Compiled) -> list[dict[str, Any]]:
        if not await self.store.tenant_exists(tenant):
            return []
        types = frozenset(t for s in sub.selectors for t in s.types.named) or None
        found = []
        async for entity in self.store.iter_entities(tenant, Candidates(types=types)):
            if sub.selects(entity):
                found.append(entity)
        return found
