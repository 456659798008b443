"""The device agent: provisioning, northbound MQTT/HTTP, southbound commands, dead letters.

``IngestAgent.start()``/``stop()`` are called by the API lifespan. Start loads the service
groups, starts the writer tasks and connects the transport chosen by ``mqtt_url``:
``mqtt://host:port`` (Mosquitto, via aiomqtt), ``memory://name`` (an in-process broker,
for the demo without Mosquitto) or none (HTTP devices only). Stop undoes it in reverse:
feeders and the transport stop first (nothing new comes in), the pipeline drains under
``shutdown_timeout``, then commands and the dead-letter writer stop.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.ingest.commands import Commands
from dosi.ingest.deadletters import DeadLetters
from dosi.ingest.errors import AgentUnavailable
from dosi.ingest.inbox import Inbound, Inbox
from dosi.ingest.memory import MemoryTransport
from dosi.ingest.mqtt import MqttTransport
from dosi.ingest.northbound import Decoder
from dosi.ingest.pipeline import Pipeline
from dosi.ingest.registry import Registry
from dosi.ingest.stats import Stats
from dosi.ingest.topics import SUBSCRIPTIONS, Protocol, Topic
from dosi.settings import Settings
from dosi.store.base import Store

logger = logging.getLogger(__name__)

_RUNNING: weakref.WeakKeyDictionary[EntityService, IngestAgent] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class IngestOptions:
    """Tuning of the agent (defaults suit one 2-core server)."""

    #: Flush a batch at this many messages...
    batch_size: int = 1_000
    #: ...or this many seconds after its first message.
    flush_interval: float = 0.05
    #: Messages waiting to be decoded before producers are blocked.
    inbox_size: int = 20_000
    #: Seconds a command may wait for the device's result.
    command_timeout: float = 60.0
    dead_letter_buffer: int = 10_000
    #: Dead letters kept per tenant.
    dead_letter_keep: int = 10_000
    #: QoS of the agent's subscriptions.
    qos: int = 1
    #: Keep the temporal history (TRoE) of measures; off only where telemetry history is
    #: archived elsewhere (it is most of the store's cost per message).
    history: bool = True


Transport = MemoryTransport | MqttTransport


class IngestAgent:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        resolver: ContextResolver,
        entities: EntityService,
        options: IngestOptions | None = None,
    ) -> None:
        self.settings = settings
        self.options = options = options or IngestOptions()
        self.entities = entities
        self.stats = Stats()
        self.registry = Registry(store, resolver, entities)
        self.dead_letters = DeadLetters(
            store, buffer=options.dead_letter_buffer, keep=options.dead_letter_keep
        )
        self.inbox = Inbox(options.inbox_size)
        self.commands = Commands(
            self.registry,
            entities.feed,
            self._store_status,
            self.stats,
            timeout=options.command_timeout,
        )
        self.decoder = Decoder(self.registry, self.commands.result_received)
        self.pipeline = Pipeline(
            self.inbox,
            self.decoder,
            entities,
            self.dead_letters,
            self.stats,
            batch_size=options.batch_size,
            flush_interval=options.flush_interval,
            history=options.history,
        )
        self.transport: Transport | None = None
        self.accepting = False
        self._feeders: list[asyncio.Task[Any]] = []

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        await self.registry.load()
        self.dead_letters.start()
        self.pipeline.start()
        self.commands.start()
        self.transport = self._transport(self.settings.mqtt_url)
        if self.transport is not None:
            await self.transport.start()
            self.commands.publisher = self.transport
        self.accepting = True
        _RUNNING[self.entities] = self
        logger.info("ingest: device agent started (mqtt %s)", self._mqtt_label())

    async def stop(self) -> None:
        self.accepting = False
        _RUNNING.pop(self.entities, None)
        for task in self._feeders:
            task.cancel()
        for task in self._feeders:
            with suppress(asyncio.CancelledError):
                await task
        self._feeders = []
        if self.transport is not None:
            await self.transport.stop()
        await self.pipeline.drain(self.settings.shutdown_timeout)
        await self.commands.stop()
        await self.dead_letters.stop()
        logger.info("ingest: device agent stopped (%d messages stored)", self.stats.accepted)

    def _transport(self, url: str | None) -> Transport | None:
        if not url:
            return None
        if url.startswith("memory://"):
            return MemoryTransport(url.removeprefix("memory://"), SUBSCRIPTIONS, self._from_memory)
        return MqttTransport(url, SUBSCRIPTIONS, self.inbox, qos=self.options.qos)

    def _mqtt_label(self) -> str:
        url = self.settings.mqtt_url
        if not url:
            return "off: HTTP devices only"
        return url.split("@")[-1]

    def run_feeder(self, name: str, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run an in-process message source (the demo simulator) owned by the agent: it
        is cancelled first when the agent stops."""
        task = asyncio.create_task(work, name=f"ingest:feeder:{name}")
        self._feeders.append(task)
        return task

    # -- inbound -------------------------------------------------------------------------
    async def _from_memory(self, topic: str, payload: bytes) -> None:
        if self.accepting:
            await self.inbox.put(Inbound("memory", topic, payload))

    async def receive(
        self,
        apikey: str,
        device_id: str,
        payload: bytes,
        *,
        protocol: Protocol,
        endpoint: str,
        timestamp: str | None = None,
    ) -> None:
        """An HTTP device message; returns once stored, raises ``Refused`` if refused."""
        if not self.accepting:
            raise AgentUnavailable("the device agent is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        message = Inbound(
            "http",
            endpoint,
            payload,
            topic=Topic(apikey, device_id, "attrs"),
            protocol=protocol,
            timestamp=timestamp,
            done=future,
        )
        await self.inbox.put(message)
        await future

    async def _store_status(self, tenant: str, entity: dict[str, Any]) -> None:
        await self.pipeline.submit(tenant, entity)

    def stats_json(self) -> dict[str, Any]:
        transport = self.transport
        return self.stats.to_json(
            mqtt={
                "url": self._mqtt_label(),
                "connected": bool(transport is not None and transport.connected),
            },
            inbox={
                "queued": len(self.inbox),
                "capacity": self.inbox.capacity,
                "readerPauses": self.inbox.pauses,
            },
            deadLetters={
                "stored": self.dead_letters.stored,
                "droppedOnOverflow": self.dead_letters.dropped,
            },
        )


def running_agent(entities: EntityService) -> IngestAgent | None:
    """The agent started over this entity service, if any (for in-process feeders)."""
    return _RUNNING.get(entities)


__all__ = ["IngestAgent", "IngestOptions", "running_agent"]
