"""Dead letters: refused device messages, kept with their raw bytes and the reason.

Recording never blocks ingestion: letters wait in a bounded buffer (when it is full
the oldest is dropped and counted) and a writer task stores them in batches as
documents of the refused message's tenant (the default tenant when the API key was
unknown). Keys sort newest first. Each tenant keeps at most ``keep`` letters; older
ones are pruned.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final

from dosi.core.clock import utc_now
from dosi.errors import DosiError
from dosi.ingest.const import DEAD_LETTERS
from dosi.store.base import Store
from dosi.store.documents import put_documents

logger = logging.getLogger(__name__)

_NEWEST_FIRST: Final = 10**19
FLUSH_EVERY: Final = 0.2
PRUNE_EVERY: Final = 60.0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    tenant: str
    transport: str
    endpoint: str
    device_id: str | None
    reason: str
    detail: str
    payload: bytes
    at: str = field(default_factory=utc_now)

    def to_doc(self, key: str) -> dict[str, Any]:
        return {
            "id": key,
            "at": self.at,
            "transport": self.transport,
            "endpoint": self.endpoint,
            "device_id": self.device_id,
            "reason": self.reason,
            "detail": self.detail,
            "payload_base64": base64.b64encode(self.payload).decode(),
            "size": len(self.payload),
        }


class DeadLetters:
    """The dead-letter buffer and its writer (``start``/``stop``)."""

    def __init__(self, store: Store, *, buffer: int = 10_000, keep: int = 10_000) -> None:
        self.store = store
        self.keep = keep
        self._buffer: deque[DeadLetter] = deque(maxlen=buffer)
        self._wake = asyncio.Event()
        self._seq = itertools.count()
        self._task: asyncio.Task[None] | None = None
        self._touched: set[str] = set()
        self.dropped = 0
        self.stored = 0

    def record(self, letter: DeadLetter) -> None:
        if len(self._buffer) == self._buffer.maxlen:
            self.dropped += 1
        self._buffer.append(letter)
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ingest:deadletters")

    async def stop(self) -> None:
        """Store what is buffered, then end the writer."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        last_prune = time.monotonic()
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH_EVERY)  # gather a burst into one write
            try:
                await self.flush()
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    last_prune = time.monotonic()
                    await self.prune()
            except DosiError:
                logger.exception("ingest: storing dead letters failed")

    async def flush(self) -> None:
        by_tenant: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        while self._buffer:
            letter = self._buffer.popleft()
            key = f"{_NEWEST_FIRST - time.time_ns():019d}-{next(self._seq) % 1_000_000:06d}"
            by_tenant.setdefault(letter.tenant, []).append((DEAD_LETTERS, key, letter.to_doc(key)))
        for tenant, docs in by_tenant.items():
            await put_documents(self.store, tenant, docs)
            self.stored += len(docs)
            self._touched.add(tenant)

    async def prune(self) -> int:
        """Drop letters beyond the newest ``keep`` of each tenant written to."""
        removed = 0
        for tenant in list(self._touched):
            newest = await self.store.list_documents(tenant, DEAD_LETTERS, limit=self.keep)
            if len(newest) < self.keep:
                continue
            while True:
                older = await self.store.list_documents(
                    tenant, DEAD_LETTERS, after=newest[-1][0], limit=500
                )
                for key, _ in older:
                    removed += await self.store.delete_document(tenant, DEAD_LETTERS, key)
                if len(older) < 500:
                    break
        self._touched.clear()
        return removed

    async def list(
        self,
        tenant: str,
        *,
        limit: int,
        after: str | None = None,
        reason: str | None = None,
        device_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first; ``after`` is the last id of the previous page."""
        found: list[dict[str, Any]] = []
        while len(found) < limit:
            page = await self.store.list_documents(tenant, DEAD_LETTERS, after=after, limit=500)
            for key, doc in page:
                after = key
                if (reason is None or doc.get("reason") == reason) and (
                    device_id is None or doc.get("device_id") == device_id
                ):
                    found.append(doc)
                    if len(found) == limit:
                        break
            if len(page) < 500:
                break
        return found

    async def get(self, tenant: str, key: str) -> dict[str, Any] | None:
        return await self.store.get_document(tenant, DEAD_LETTERS, key)

    async def purge(self, tenant: str) -> int:
        removed = 0
        while True:
            page = await self.store.list_documents(tenant, DEAD_LETTERS, limit=500)
            for key, _ in page:
                removed += await self.store.delete_document(tenant, DEAD_LETTERS, key)
            if len(page) < 500:
                return removed


__all__ = ["DeadLetter", "DeadLetters"]
