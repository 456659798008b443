"""The change feed: every committed entity change, as an in-process event stream.

It is the public, in-process interface later features build on (subscriptions, rules,
the live control room, city apps). Publishing never blocks a write: each subscriber has a
bounded queue, and when a subscriber falls behind the oldest events are dropped and
counted (``Subscriber.dropped``), as nats.py does for slow consumers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from dosi.core.model import Entity

logger = logging.getLogger(__name__)

ChangeKind = Literal["created", "updated", "replaced", "deleted"]


@dataclass(frozen=True, slots=True)
class EntityChange:
    """One committed change of one entity (internal representation before and after)."""

    tenant: str
    entity_id: str
    kind: ChangeKind
    before: Entity | None
    after: Entity | None
    at: str


Handler = Callable[[EntityChange], Awaitable[None]]


class Subscriber:
    """A bounded queue of changes; iterate it or let ``ChangeFeed.listen`` drive a handler."""

    def __init__(self, feed: ChangeFeed, maxsize: int) -> None:
        self._feed = feed
        self.queue: asyncio.Queue[EntityChange] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def offer(self, change: EntityChange) -> None:
        """Enqueue without blocking; on overflow drop the oldest event and count it."""
        while True:
            try:
                self.queue.put_nowait(change)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()
                self.queue.task_done()
                self.dropped += 1

    async def get(self) -> EntityChange:
        return await self.queue.get()

    def close(self) -> None:
        self._feed.unsubscribe(self)


class ChangeFeed:
    """Fan-out of committed entity changes to in-process subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, *, maxsize: int = 10_000) -> Subscriber:
        subscriber = Subscriber(self, maxsize)
        self._subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def publish(self, changes: Iterable[EntityChange]) -> None:
        for change in changes:
            for subscriber in self._subscribers:
                subscriber.offer(change)

    async def listen(self, handler: Handler, *, maxsize: int = 10_000) -> None:
        """Run ``handler`` for every change until cancelled; a failing handler call is
        logged and the loop goes on (one item, never the whole stream)."""
        subscriber = self.subscribe(maxsize=maxsize)
        try:
            while True:
                change = await subscriber.get()
                try:
                    await handler(change)
                except Exception:
                    logger.exception("change handler failed for %s", change.entity_id)
                finally:
                    subscriber.queue.task_done()
        finally:
            subscriber.close()
