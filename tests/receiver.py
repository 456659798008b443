"""A real HTTP receiver on a free local port that records every POST it gets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Receiver:
    port: int
    received: list[Received] = field(default_factory=list)
    #: Status codes to answer with, in order; 200 once they run out.
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notify"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} notifications, got {len(self.received)}")


@contextmanager
def http_receiver(port: int = 0) -> Iterator[Receiver]:
    state = Receiver(port)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with state.lock:
                status = state.statuses.pop(0) if state.statuses else 200
                if status < 300:
                    state.received.append(
                        Received(self.path, dict(self.headers), json.loads(raw), time.monotonic())
                    )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


async def received(receiver: Receiver, count: int, wait: float = 10.0) -> list[Received]:
    """Wait (without blocking the event loop) until ``count`` notifications arrived."""
    import asyncio

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with receiver.lock:
            if len(receiver.received) >= count:
                return list(receiver.received)
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} notifications, got {len(receiver.received)}")
