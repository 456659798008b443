"""The agent's one inbound hand-off: a bounded queue of raw device messages.

Overflow policy: *block the producer*. HTTP requests and in-process publishers await
``put``; the MQTT reader is synchronous, so it checks ``full()`` and, when full, stops
reading its socket (``on_space`` listeners resume it once the queue drained to half):
the TCP window closes and the broker buffers. Memory stays bounded either way.

The broker's buffer is bounded too: Mosquitto keeps at most ``max_queued_messages``
(default 1,000) per client beyond those in flight and drops the rest. A device fleet
that publishes faster than the agent stores for longer than that buffer lasts loses
messages at the broker, not in dosi; size the broker queue for the bursts you expect.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dosi.ingest.topics import Protocol, Topic


@dataclass(slots=True)
class Inbound:
    """One device message as received. HTTP messages come with their topic parsed and a
    future settled once the message is stored (or refused)."""

    transport: str
    raw_topic: str
    payload: bytes
    received: float = field(default_factory=time.time)
    topic: Topic | None = None
    protocol: Protocol | None = None
    timestamp: str | None = None
    done: asyncio.Future[None] | None = None


class Inbox:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.queue: asyncio.Queue[Inbound] = asyncio.Queue(maxsize=capacity)
        self._listeners: list[Callable[[], None]] = []
        self.pauses = 0

    def full(self) -> bool:
        return self.queue.full()

    def put_nowait(self, message: Inbound) -> None:
        """For synchronous readers that checked ``full()`` first."""
        self.queue.put_nowait(message)

    async def put(self, message: Inbound) -> None:
        await self.queue.put(message)

    def on_space(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def take(self, limit: int) -> list[Inbound]:
        """Up to ``limit`` queued messages without waiting; wakes paused readers."""
        items: list[Inbound] = []
        queue = self.queue
        while len(items) < limit and not queue.empty():
            items.append(queue.get_nowait())
            queue.task_done()
        if items and queue.qsize() <= self.capacity // 2:
            for listener in list(self._listeners):
                listener()
        return items

    async def get(self) -> Inbound:
        message = await self.queue.get()
        self.queue.task_done()
        return message

    def __len__(self) -> int:
        return self.queue.qsize()
