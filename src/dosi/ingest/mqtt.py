"""The agent's MQTT connection (aiomqtt 2.5.1 over paho): subscribe, read fast, publish.

aiomqtt manages the connection, subscriptions and publishing. Inbound messages take a
shorter road than its message iterator: the paho client's ``on_message`` hands each
message straight to the agent's bounded inbox, and the socket reader drains every
complete packet per wake-up instead of one. That reader is also the flow control:
when the inbox is full it stops reading the socket (the TCP window closes, Mosquitto
buffers), and it resumes once the inbox drained to half. This touches aiomqtt's paho
client (``Client._client``); the version is pinned and the MQTT tests cover it.

The connection is kept up by a supervisor task that reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Iterable
from contextlib import suppress
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import aiomqtt
import paho.mqtt.client as paho

from dosi.ingest.inbox import Inbound, Inbox

logger = logging.getLogger(__name__)

READS_PER_WAKE: Final = 2_000
RECV_SIZE: Final = 256 * 1024
BACKOFF: Final = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
PUBLISH_TIMEOUT: Final = 10.0


def parse_mqtt_url(url: str) -> dict[str, Any]:
    """Connection arguments of ``mqtt://[user:password@]host[:port]``."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"{url!r} is not an mqtt://host[:port] URL")
    return {
        "hostname": parts.hostname,
        "port": parts.port or 1883,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }


class MqttTransport:
    """Subscribes the device topics on an MQTT broker and feeds the inbox."""

    def __init__(
        self,
        url: str,
        filters: Iterable[str],
        inbox: Inbox,
        *,
        client_id: str | None = None,
        qos: int = 1,
    ) -> None:
        self.url = url
        self.connect_args = parse_mqtt_url(url)
        self.filters = tuple(filters)
        self.inbox = inbox
        self.client_id = client_id or f"dosi-ingest-{uuid.uuid4().hex[:12]}"
        self.qos = qos
        self._client: aiomqtt.Client | None = None
        self._reader: _FlowControlledReader | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="ingest:mqtt")

    async def wait_connected(self) -> None:
        """Return once subscribed (bound it with ``asyncio.timeout``)."""
        await self._ready.wait()

    async def stop(self) -> None:
        """Stop reading (nothing new enters the inbox) and disconnect."""
        if self._reader is not None:
            self._reader.close()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        client = self._client
        if client is None or not self.connected:
            raise aiomqtt.MqttError(f"not connected to {self.url}")
        await client.publish(topic, payload, qos=qos, timeout=PUBLISH_TIMEOUT)

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            delay = BACKOFF[0]
            try:
                async with aiomqtt.Client(
                    **self.connect_args, identifier=self.client_id, clean_session=True
                ) as client:
                    self._client = client
                    self._reader = _FlowControlledReader(client, self.inbox, self.url)
                    for topic_filter in self.filters:
                        await client.subscribe(topic_filter, qos=self.qos)
                    self._ready.set()
                    attempt = 0
                    logger.info("ingest: subscribed to device topics on %s", self.url)
                    # aiomqtt's own queue stays empty (the reader bypasses it): iterating
                    # it just waits until the connection drops.
                    async for _ in client.messages:
                        pass
            except aiomqtt.MqttError as exc:
                delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
                attempt += 1
                logger.warning(
                    "ingest: MQTT %s unavailable (%s); retrying in %.1f s", self.url, exc, delay
                )
            finally:
                self._ready.clear()
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None
                self._client = None
            await asyncio.sleep(delay)


class _BufferedSocket:
    """Serves paho's many small reads (header byte, length bytes, body) from one large
    ``recv``: a few syscalls per thousand messages instead of four per message."""

    __slots__ = ("_buffer", "_pos", "_sock")

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._pos = 0

    def recv(self, size: int) -> bytes:
        if self._pos >= len(self._buffer):
            data = self._sock.recv(RECV_SIZE)  # BlockingIOError when empty, b"" at EOF
            if not data:
                return data
            self._buffer = data
            self._pos = 0
        start = self._pos
        self._pos = min(start + size, len(self._buffer))
        return self._buffer[start : self._pos]

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _FlowControlledReader:
    """Reads a connected aiomqtt client's socket into the inbox, pausing when it is full."""

    def __init__(self, client: aiomqtt.Client, inbox: Inbox, url: str) -> None:
        self.paho: paho.Client = client._client
        self.inbox = inbox
        self.url = url
        self.loop = asyncio.get_running_loop()
        sock = self.paho.socket()
        if not isinstance(sock, socket.socket):
            raise aiomqtt.MqttError("only plain TCP MQTT connections are supported")
        self.sock = sock
        self.buffered = _BufferedSocket(sock)
        self.paho._sock = self.buffered
        self.fd = sock.fileno()
        self.paused = False
        self.closed = False
        self.paho.on_message = self._on_message
        self.paho.disable_logger()
        self.loop.remove_reader(self.fd)
        self.loop.add_reader(self.fd, self._read)
        inbox.on_space(self._resume)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        payload = message.payload
        self.inbox.put_nowait(
            Inbound("mqtt", message.topic, payload if type(payload) is bytes else bytes(payload))
        )

    def _read(self) -> None:
        if self.paused or self.closed:
            return
        paho_client = self.paho
        for _ in range(READS_PER_WAKE):
            if self.inbox.full():
                self._pause()
                return
            try:
                rc = paho_client.loop_read()
            except Exception:  # the connection broke mid-packet: let paho/aiomqtt close it
                logger.warning("ingest: MQTT read failed on %s", self.url, exc_info=True)
                paho_client.disconnect()
                return
            if rc != paho.MQTT_ERR_SUCCESS or not self._more():
                return
        # a full slice read: yield to the loop, then go on even if the socket is quiet
        self.loop.call_soon(self._read)

    def _more(self) -> bool:
        """More bytes are waiting, buffered or on the socket (without consuming them)."""
        if self.buffered.buffered:
            return True
        try:
            return bool(self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return False

    def _pause(self) -> None:
        if not self.paused:
            self.paused = True
            self.inbox.pauses += 1
            self.loop.remove_reader(self.fd)

    def _resume(self) -> None:
        if self.paused and not self.closed:
            self.paused = False
            self.loop.add_reader(self.fd, self._read)
            if self.buffered.buffered:  # the socket may stay quiet: read what we hold
                self.loop.call_soon(self._read)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.inbox.remove_listener(self._resume)
            if not self.paused:
                with suppress(ValueError, OSError):
                    self.loop.remove_reader(self.fd)
            self.paused = True


__all__ = ["MqttTransport", "parse_mqtt_url"]
