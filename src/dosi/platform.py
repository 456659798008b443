"""What a city app may use: the one interface apps receive in ``setup(platform)``.

Apps see entities in their own vocabulary (short names under the @context they declare)
through the same entity service the API uses, the change feed for reacting to data, timers
and a process pool for CPU-heavy work. Everything registered here is undone on unload.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, Protocol, TypeVar

from pydantic import BaseModel
from starlette.routing import BaseRoute

from dosi.core.changes import ChangeFeed, EntityChange
from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext
from dosi.core.representation import RenderOptions, parse_attributes, parse_entity, render_entity
from dosi.errors import AppError, DosiError
from dosi.store.base import Candidates, HistoryQuery

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)
#: (entity after the change, entity before it or None, tenant); entities are normalized.
EntityHandler = Callable[[dict[str, Any], dict[str, Any] | None, str], Awaitable[None]]
Job = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Sample:
    """One past value of an attribute (a temporal history row, in the app's vocabulary).

    ``at`` is the sample time: observedAt, else modifiedAt (UTC). ``value`` is the
    simplified (keyValues) value; a deleted instance is not a sample."""

    entity_id: str
    attr: str
    at: datetime
    value: Any
    dataset_id: str | None = None


class Entities(Protocol):
    """Entity access in the app's vocabulary (keyValues-free, normalized NGSI-LD)."""

    async def upsert(self, entities: list[dict[str, Any]], *, tenant: str = "") -> None: ...

    async def update_attrs(
        self, entity_id: str, attrs: dict[str, Any], *, tenant: str = ""
    ) -> None: ...

    async def get(self, entity_id: str, *, tenant: str = "") -> dict[str, Any] | None: ...

    async def query(self, type_: str, *, tenant: str = "") -> list[dict[str, Any]]:
        """Every entity of ``type_`` (normalized, ordered by id)."""
        ...


class Platform(Protocol):
    """What an app may use. Everything registered here is undone on unload."""

    entities: Entities
    context: ActiveContext

    def settings(self, model: type[S]) -> S: ...

    def on_entities(self, type_: str, handler: EntityHandler) -> None: ...

    def every(self, interval: timedelta, job: Job) -> None: ...

    async def run_cpu(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T: ...

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None: ...

    def provide(self, name: str, service: object) -> None:
        """Offer a service to apps set up later (they ``use(name)`` it)."""
        ...

    def use(self, name: str) -> Any:
        """A service the platform or an earlier app provides; AppError when missing."""
        ...

    def expose(self, routes: list[BaseRoute]) -> None:
        """Serve HTTP routes under ``/apps/{domain}`` (same auth and errors as the API)."""
        ...

    async def history(
        self,
        entity_ids: Sequence[str],
        attrs: Sequence[str],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        tenant: str = "",
    ) -> list[Sample]:
        """Past values of ``attrs`` (short names) in ``[start, end)``, oldest first per
        entity and attribute (the temporal history the API serves)."""
        ...


class _Entities:
    def __init__(self, service: EntityService, context: ActiveContext) -> None:
        self.service = service
        self.context = context

    async def upsert(self, entities: list[dict[str, Any]], *, tenant: str = "") -> None:
        now = utc_now()
        parsed = [parse_entity(e, self.context, now=now) for e in entities]
        outcome = await self.service.batch_upsert(tenant, parsed, update=True)
        if outcome.errors:
            raise outcome.errors[0][1]

    async def update_attrs(
        self, entity_id: str, attrs: dict[str, Any], *, tenant: str = ""
    ) -> None:
        parsed = parse_attributes(attrs, self.context, now=utc_now())
        await self.service.append_attrs(tenant, entity_id, parsed, no_overwrite=False)

    async def get(self, entity_id: str, *, tenant: str = "") -> dict[str, Any] | None:
        entity = await self.service.store.get_entity(tenant, entity_id)
        if entity is None:
            return None
        return render_entity(entity, self.context, RenderOptions())

    async def query(self, type_: str, *, tenant: str = "") -> list[dict[str, Any]]:
        wanted = self.context.expand(type_)
        where = Candidates(types=frozenset({wanted}))
        options = RenderOptions()
        return [
            render_entity(entity, self.context, options)
            async for entity in self.service.store.iter_entities(tenant, where)
            if wanted in entity["type"]
        ]

    async def history(
        self,
        entity_ids: Sequence[str],
        attrs: Sequence[str],
        *,
        start: datetime | None,
        end: datetime | None,
        tenant: str,
    ) -> list[Sample]:
        if not entity_ids or not attrs:
            return []
        query = HistoryQuery(
            entity_ids=tuple(entity_ids),
            attrs=frozenset(self.context.expand(a) for a in attrs),
            start=start.timestamp() if start is not None else None,
            end=end.timestamp() if end is not None else None,
        )
        rows = await self.service.store.history(tenant, query)
        simplified = RenderOptions(format="simplified")
        names = {attr: self.context.compact(attr) for attr in query.attrs or ()}
        samples = []
        for row in rows:
            if row.deleted:
                continue
            name = names.get(row.attr) or self.context.compact(row.attr)
            value = row.instance.get("value")
            if not _plain_number(row.instance, value):  # numbers need no rendering
                shell = {
                    "id": row.entity_id,
                    "type": [row.entity_type],
                    "attrs": {row.attr: [row.instance]},
                }
                value = render_entity(shell, self.context, simplified).get(name)
            at = datetime.fromtimestamp(row.time, UTC)
            samples.append(Sample(row.entity_id, name, at, value, row.dataset_id))
        return samples


def _plain_number(instance: dict[str, Any], value: Any) -> bool:
    """A Property whose value is a JSON number: its simplified form is the number."""
    return (
        instance.get("type", "Property") == "Property"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    )


class AppPlatform:
    """The Platform given to one app; it owns the tasks the app registers."""

    def __init__(
        self,
        name: str,
        service: EntityService,
        feed: ChangeFeed,
        context: ActiveContext,
        config: dict[str, Any],
        pool: ProcessPoolExecutor | None = None,
        registry: dict[str, object] | None = None,
    ) -> None:
        self.name = name
        self.context = context
        self._entities = _Entities(service, context)
        self.entities: Entities = self._entities
        self._feed = feed
        self._config = config
        self._pool = pool
        self._tasks: list[asyncio.Task[None]] = []
        self._stops: list[Callable[[], Awaitable[None]]] = []
        self._registry: dict[str, object] = {} if registry is None else registry
        self._provided: list[str] = []
        self.routes: list[BaseRoute] = []

    def settings(self, model: type[S]) -> S:
        return model.model_validate(self._config)

    def on_entities(self, type_: str, handler: EntityHandler) -> None:
        wanted = self.context.expand(type_)

        async def on_change(change: EntityChange) -> None:
            if change.after is None or wanted not in change.after["type"]:
                return
            options = RenderOptions()
            after = render_entity(change.after, self.context, options)
            before = render_entity(change.before, self.context, options) if change.before else None
            await handler(after, before, change.tenant)

        self._start(self._feed.listen(on_change), f"app:{self.name}:on:{type_}")

    def every(self, interval: timedelta, job: Job) -> None:
        seconds = interval.total_seconds()

        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await job()
                except DosiError:
                    logger.exception("app %s: scheduled job failed", self.name)

        self._start(loop(), f"app:{self.name}:every:{seconds:g}s")

    async def run_cpu(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._stops.append(callback)

    def provide(self, name: str, service: object) -> None:
        if name in self._registry:
            raise AppError(f"service {name!r} is already provided")
        self._registry[name] = service
        self._provided.append(name)

    def use(self, name: str) -> Any:
        try:
            return self._registry[name]
        except KeyError:
            raise AppError(f"app {self.name}: no service {name!r} is provided") from None

    def expose(self, routes: list[BaseRoute]) -> None:
        self.routes.extend(routes)

    async def history(
        self,
        entity_ids: Sequence[str],
        attrs: Sequence[str],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        tenant: str = "",
    ) -> list[Sample]:
        return await self._entities.history(entity_ids, attrs, start=start, end=end, tenant=tenant)

    def _start(self, work: Awaitable[None], name: str) -> None:
        self._tasks.append(asyncio.ensure_future(work))
        self._tasks[-1].set_name(name)

    async def unload(self) -> None:
        """Cancel what the app registered, then run its on_stop callbacks (reverse order)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for name in self._provided:
            self._registry.pop(name, None)
        self._provided.clear()
        self.routes.clear()
        for callback in reversed(self._stops):
            try:
                await callback()
            except DosiError:
                logger.exception("app %s: on_stop failed", self.name)
