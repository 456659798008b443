"""An in-process MQTT-like broker (``memory://name``): the demo without Mosquitto.

Publishers and subscribers in one process meet by broker name. Delivery awaits each
matching subscriber's handler in turn, so a slow subscriber slows its publishers (the
same back-pressure a full TCP window gives over MQTT). Topic filters use MQTT wildcards.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from paho.mqtt.client import topic_matches_sub

logger = logging.getLogger(__name__)

Handler = Callable[[str, bytes], Awaitable[None]]


@dataclass(eq=False)
class MemorySubscription:
    filters: tuple[str, ...]
    handler: Handler

    def matches(self, topic: str) -> bool:
        return any(topic_matches_sub(f, topic) for f in self.filters)


class MemoryBroker:
    """Named in-process brokers; ``named`` creates one on first use."""

    _brokers: ClassVar[dict[str, MemoryBroker]] = {}

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscriptions: list[MemorySubscription] = []
        self.published = 0

    @classmethod
    def named(cls, name: str) -> MemoryBroker:
        broker = cls._brokers.get(name)
        if broker is None:
            broker = cls._brokers[name] = cls(name)
        return broker

    def subscribe(self, filters: Iterable[str], handler: Handler) -> MemorySubscription:
        subscription = MemorySubscription(tuple(filters), handler)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: MemorySubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    async def publish(self, topic: str, payload: bytes) -> int:
        """Deliver to every matching subscription; how many received it."""
        self.published += 1
        delivered = 0
        for subscription in list(self._subscriptions):
            if subscription.matches(topic):
                await subscription.handler(topic, payload)
                delivered += 1
        return delivered


class MemoryTransport:
    """The agent's side of a memory broker: subscribes the device topics."""

    def __init__(self, name: str, filters: Iterable[str], handler: Handler) -> None:
        self.broker = MemoryBroker.named(name)
        self.filters = tuple(filters)
        self.handler = handler
        self._subscription: MemorySubscription | None = None

    @property
    def connected(self) -> bool:
        return self._subscription is not None

    async def start(self) -> None:
        self._subscription = self.broker.subscribe(self.filters, self.handler)
        logger.info("ingest: subscribed to the in-process broker %r", self.broker.name)

    async def stop(self) -> None:
        if self._subscription is not None:
            self.broker.unsubscribe(self._subscription)
            self._subscription = None

    async def publish(self, topic: str, payload: bytes) -> None:
        await self.broker.publish(topic, payload)


__all__ = ["MemoryBroker", "MemorySubscription", "MemoryTransport"]
