"""Live entity changes for the browser as Server-Sent Events (GET /ui/events).

Each stream subscribes to the in-process change feed with a bounded queue. Changes of the
stream's tenant and of the map's entity types are sent in batches as ``event: changes``
(entities in the simplified/keyValues form, compacted with the type's own @context). When
the queue overflowed (the browser fell behind), the oldest changes are gone, so the
stream sends ``event: resync`` and the page reloads its data. An idle stream sends a
comment line every ``heartbeat`` seconds. On server shutdown every stream ends at once
(``event: bye``), so the server does not wait for browsers to hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Final

import orjson

from dosi.core.changes import ChangeFeed, EntityChange, Subscriber
from dosi.core.jsonld import ActiveContext, ContextResolver
from dosi.core.representation import RenderOptions, render_entity
from dosi.web.catalogue import INCIDENTS, LAYERS

logger = logging.getLogger(__name__)

#: Most changes in one ``changes`` event (a burst is split into several events).
BATCH: Final = 500
RETRY_MS: Final = 2000
SIMPLIFIED: Final = RenderOptions(format="simplified")


@dataclass(frozen=True)
class LayerContexts:
    """Expanded entity type IRI → the active context its layer is compacted with (the
    map's layers and the incidents)."""

    by_type: dict[str, ActiveContext]

    @classmethod
    async def resolve(cls, resolver: ContextResolver) -> LayerContexts:
        by_type: dict[str, ActiveContext] = {}
        for layer in (*LAYERS, INCIDENTS):
            ctx = await resolver.resolve(layer.context)
            by_type[ctx.expand(layer.type)] = ctx
        return cls(by_type)


def render_change(change: EntityChange, layers: LayerContexts) -> dict[str, Any] | None:
    """The browser's view of ``change``, or None if no map layer shows its entity."""
    entity = change.after if change.after is not None else change.before
    if entity is None:
        return None
    ctx = next((layers.by_type[t] for t in entity["type"] if t in layers.by_type), None)
    if ctx is None:
        return None
    if change.after is None:
        return {"op": "deleted", "id": entity["id"], "type": ctx.compact(entity["type"][0])}
    body = render_entity(change.after, ctx, SIMPLIFIED)
    body["modifiedAt"] = change.after.get("modifiedAt", change.at)
    return {"op": change.kind, "entity": body}


def sse(event: str, data: Any) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


@dataclass
class Streams:
    """The open streams of one app: a limit, and the event that ends them all."""

    limit: int
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    open: int = 0
    _hooked: bool = False

    def close_all(self) -> None:
        self.closing.set()

    def hook_exit_signals(self) -> None:
        """End the streams when the server is told to exit (SIGINT/SIGTERM).

        A graceful server waits for open responses to finish before it runs the app's
        shutdown, and a live stream never finishes by itself; so the streams have to
        hear the exit signal, not the lifespan. Only a handler someone installed (the
        server's) is wrapped, and it still runs. Only possible on the main thread;
        elsewhere streams end by the server's own timeout or when the client goes away.
        """
        if self._hooked:
            return
        self._hooked = True
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                previous = signal.getsignal(signum)
                if callable(previous):
                    signal.signal(signum, _chain(loop, self.close_all, previous))
            except ValueError:  # not the main thread
                return


SignalHandler = Callable[[int, FrameType | None], Any]


def _chain(
    loop: asyncio.AbstractEventLoop, close: Callable[[], None], previous: SignalHandler
) -> SignalHandler:
    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(close)
        previous(signum, frame)

    return handler


async def _next(subscriber: Subscriber, closing: asyncio.Event, wait: float) -> list[EntityChange]:
    """Up to BATCH queued changes; [] after ``wait`` seconds idle or once closing."""
    getter = asyncio.ensure_future(subscriber.get())
    closer = asyncio.ensure_future(closing.wait())
    try:
        await asyncio.wait({getter, closer}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closer.cancel()
        if not getter.done():
            getter.cancel()
    if getter.cancelled() or not getter.done():
        return []
    batch = [getter.result()]
    subscriber.queue.task_done()
    while len(batch) < BATCH and not subscriber.queue.empty():
        batch.append(subscriber.queue.get_nowait())
        subscriber.queue.task_done()
    return batch


async def change_stream(
    feed: ChangeFeed,
    tenant: str,
    layers: LayerContexts,
    streams: Streams,
    *,
    heartbeat: float,
    buffer: int,
) -> AsyncGenerator[bytes, None]:
    """The body of one SSE response; unsubscribes from the feed when it ends."""
    subscriber = feed.subscribe(maxsize=buffer)
    streams.open += 1
    dropped = 0
    try:
        yield f"retry: {RETRY_MS}\n".encode() + sse("hello", {"tenant": tenant})
        while not streams.closing.is_set():
            batch = await _next(subscriber, streams.closing, heartbeat)
            if streams.closing.is_set():
                break
            if subscriber.dropped != dropped:
                dropped = subscriber.dropped
                logger.warning("live stream of tenant %r fell behind; asking for resync", tenant)
                yield sse("resync", {"dropped": dropped})
                continue
            if not batch:
                yield b": keep-alive\n\n"
                continue
            items = [
                item
                for change in batch
                if change.tenant == tenant and (item := render_change(change, layers)) is not None
            ]
            if items:
                yield sse("changes", items)
        yield sse("bye", {})
    finally:
        streams.open -= 1
        subscriber.close()
