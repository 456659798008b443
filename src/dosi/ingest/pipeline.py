"""Micro-batching: decode messages from the inbox and store them one batch at a time.

Two tasks joined by a bounded queue (one batch in flight, one being built): the
decoder takes messages until ``batch_size`` or ``flush_interval`` after the first, then
the writer stores the batch with one ``EntityService.batch_upsert`` per tenant (append
semantics: measured attributes are replaced, the rest of the entity is kept). One bad
message is dead-lettered and never stops either task. ``drain`` is the shutdown: it
waits until everything received is stored, under a deadline; what is left when the
deadline passes is dead-lettered, not silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Final

from dosi.core.entities import EntityService
from dosi.core.model import Entity
from dosi.errors import DosiError
from dosi.ingest.deadletters import DeadLetter, DeadLetters
from dosi.ingest.errors import NotStored, Refused
from dosi.ingest.inbox import Inbound, Inbox
from dosi.ingest.northbound import Decoder
from dosi.ingest.stats import Stats
from dosi.ingest.topics import redact

logger = logging.getLogger(__name__)

RETRY_DELAYS: Final = (0.1, 0.5, 2.0)


@dataclass
class Batch:
    """Entity updates in arrival order, with the message each came from."""

    items: list[tuple[str, Entity, Inbound | None]] = field(default_factory=list)
    messages: list[Inbound] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.messages)


class Pipeline:
    def __init__(
        self,
        inbox: Inbox,
        decoder: Decoder,
        entities: EntityService,
        dead_letters: DeadLetters,
        stats: Stats,
        *,
        batch_size: int,
        flush_interval: float,
        history: bool = True,
    ) -> None:
        self.inbox = inbox
        self.decoder = decoder
        self.entities = entities
        self.dead_letters = dead_letters
        self.stats = stats
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.history = history
        self._writes: asyncio.Queue[Batch] = asyncio.Queue(maxsize=1)
        self._tasks: list[asyncio.Task[None]] = []
        #: Set while the decoder waits on an empty inbox (nothing is being built).
        self._idle = asyncio.Event()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._decode_loop(), name="ingest:decode"),
            asyncio.create_task(self._write_loop(), name="ingest:write"),
        ]

    async def submit(self, tenant: str, entity: Entity) -> None:
        """An update the agent itself makes (command status): stored like a measure."""
        await self._writes.put(Batch(items=[(tenant, entity, None)]))

    async def drain(self, grace: float) -> None:
        """Store everything received so far (producers must have stopped), then stop;
        ``grace`` seconds at most."""
        try:
            async with asyncio.timeout(grace):
                while True:
                    await self.inbox.queue.join()  # every message was taken by the decoder,
                    await self._idle.wait()  # which finished its batch,
                    await self._writes.join()  # and the writer stored it
                    if not len(self.inbox) and self._idle.is_set():
                        break
        except TimeoutError:
            logger.error("ingest: drain timed out; dead-lettering what was not stored")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        leftovers = self.inbox.take(len(self.inbox))
        while not self._writes.empty():
            leftovers.extend(m for m in self._writes.get_nowait().messages)
        for message in leftovers:
            self._refuse(message, NotStored("the agent stopped before storing the message"))

    # -- decoding ----------------------------------------------------------------------
    async def _decode_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not len(self.inbox):
                self._idle.set()
            first = await self.inbox.get()
            self._idle.clear()
            batch = Batch()
            await self._add(batch, first)
            deadline = loop.time() + self.flush_interval
            while len(batch) < self.batch_size:
                messages = self.inbox.take(self.batch_size - len(batch))
                if not messages:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        async with asyncio.timeout(remaining):
                            messages = [await self.inbox.get()]
                    except TimeoutError:
                        break
                for message in messages:
                    await self._add(batch, message)
            if batch.items:
                await self._writes.put(batch)
            else:
                self._settle(batch)

    async def _add(self, batch: Batch, message: Inbound) -> None:
        self.stats.received[message.transport] += 1
        try:
            profile, entities = await self.decoder.decode(message)
        except Refused as exc:
            self._refuse(message, exc)
            return
        except Exception as exc:  # one item: log it, dead-letter it, go on
            logger.exception("ingest: unexpected failure decoding a message")
            self._refuse(message, NotStored(f"internal error: {exc!r}"))
            return
        batch.messages.append(message)
        for entity in entities:
            batch.items.append((profile.tenant, entity, message))

    # -- writing -----------------------------------------------------------------------
    async def _write_loop(self) -> None:
        while True:
            batch = await self._writes.get()
            try:
                await self._write(batch)
            except Exception:  # one batch: its messages are dead-lettered, the loop goes on
                logger.exception("ingest: unexpected failure storing a batch")
                for message in batch.messages:
                    self._refuse(message, NotStored("internal error while storing"))
            finally:
                self._writes.task_done()

    async def _write(self, batch: Batch) -> None:
        by_tenant: dict[str, list[tuple[Entity, Inbound | None]]] = {}
        for tenant, entity, message in batch.items:
            by_tenant.setdefault(tenant, []).append((entity, message))
        failed: dict[int, NotStored] = {}
        for tenant, items in by_tenant.items():
            for message_id, refusal in (await self._upsert(tenant, items)).items():
                failed.setdefault(message_id, refusal)
        if batch.messages:
            self.stats.batches += 1
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for message in batch.messages:
            error = failed.get(id(message))
            if error is None:
                self.stats.accepted += 1
                _settle_one(message, None)
            else:
                self._refuse(message, error)

    async def _upsert(
        self, tenant: str, items: list[tuple[Entity, Inbound | None]]
    ) -> dict[int, NotStored]:
        """Store one tenant's updates; the messages whose update failed, by id()."""
        entities = [entity for entity, _ in items]
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                outcome = await self.entities.batch_upsert(
                    tenant, entities, update=True, history=self.history
                )
                break
            except DosiError as exc:
                if delay is None:
                    error = NotStored(f"the store refused the batch: {exc}", tenant=tenant)
                    return {id(m): error for _, m in items if m is not None}
                logger.warning("ingest: batch write failed (attempt %d): %s", attempt + 1, exc)
                await asyncio.sleep(delay)
        bad = {entity_id: err for entity_id, err in outcome.errors}
        if not bad:
            return {}
        return {
            id(message): NotStored(bad[entity["id"]].detail, tenant=tenant)
            for entity, message in items
            if message is not None and entity["id"] in bad
        }

    # -- outcomes ----------------------------------------------------------------------
    def _refuse(self, message: Inbound, error: Refused) -> None:
        self.stats.rejected[error.reason] += 1
        topic = message.topic
        apikey = topic.apikey if topic is not None else None
        self.dead_letters.record(
            DeadLetter(
                tenant=error.tenant,
                transport=message.transport,
                endpoint=redact(message.raw_topic, apikey),
                device_id=topic.device_id if topic is not None else None,
                reason=error.reason,
                detail=error.detail,
                payload=message.payload,
            )
        )
        _settle_one(message, error)

    def _settle(self, batch: Batch) -> None:
        for message in batch.messages:
            self.stats.accepted += 1
            _settle_one(message, None)


def _settle_one(message: Inbound, error: Refused | None) -> None:
    future = message.done
    if future is None or future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


__all__ = ["Batch", "Pipeline"]
