"""The agent's MQTT connection (aiomqtt 2.5.1 over paho): subscribe, read fast, publish.

aiomqtt manages the connection, subscriptions and publishing. Inbound messages take a
shorter road than its message iterator: the paho client's ``on_message`` hands each
message straight to the agent's bounded inbox, and the socket reader drains every
complete packet per wake-up instead of one. That reader is also the flow control:
when the inbox is full it stops reading the socket (the TCP window closes, Mosquitto
buffers), and it resumes once the inbox drained to half. A complete QoS 0 PUBLISH
already in the read buffer (nearly every telemetry message) is decoded here, without
paho's per-packet reads and message objects; every other packet, and any packet that is
not whole yet, goes through paho. This touches aiomqtt's paho client
(``Client._client``); the version is pinned and the MQTT tests cover it.

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
#: Fixed-header bits of a PUBLISH with QoS 0 (type 3, QoS bits clear; DUP and RETAIN
#: are ignored) under the mask that keeps the type and the QoS.
PUBLISH_QOS0: Final = 0x30
TYPE_AND_QOS: Final = 0xF6
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

    __slots__ = ("_buffer", "_eof", "_error", "_pos", "_sock")

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._pos = 0
        self._eof = False
        self._error: OSError | None = None

    def recv(self, size: int) -> bytes:
        if self._pos >= len(self._buffer):
            if self._error is not None:  # met by ``fill``: paho reports it
                error, self._error = self._error, None
                raise error
            if self._eof:
                return b""
            data = self._sock.recv(RECV_SIZE)  # BlockingIOError when empty, b"" at EOF
            if not data:
                return data
            self._buffer = data
            self._pos = 0
        start = self._pos
        self._pos = min(start + size, len(self._buffer))
        return self._buffer[start : self._pos]

    @property
    def pending(self) -> bool:
        """Bytes, the end of the stream or an error wait for the next read."""
        return self._pos < len(self._buffer) or self._eof or self._error is not None

    def fill(self) -> None:
        """Read what the socket holds into an empty buffer (without blocking). The end
        of the stream or an error is kept for paho's next ``recv``."""
        if self._pos < len(self._buffer) or self._eof or self._error is not None:
            return
        try:
            data = self._sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._error = exc
            return
        if data:
            self._buffer, self._pos = data, 0
        else:
            self._eof = True

    def take_publish(self) -> tuple[str, bytes] | None:
        """Topic and payload of the next packet if it is a QoS 0 PUBLISH held whole in
        the buffer (it is consumed); None otherwise (nothing is consumed)."""
        buffer, start = self._buffer, self._pos
        end = len(buffer)
        if start >= end or buffer[start] & TYPE_AND_QOS != PUBLISH_QOS0:
            return None
        length, shift, at = 0, 0, start + 1
        while True:  # the remaining length: 1 to 4 bytes, 7 bits each
            if at >= end or shift > 21:
                return None
            byte = buffer[at]
            at += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        size = (buffer[at] << 8 | buffer[at + 1]) if at + 1 < end else 0
        if at + length > end or size == 0 or size + 2 > length:
            return None
        try:
            topic = buffer[at + 2 : at + 2 + size].decode()
        except UnicodeDecodeError:
            return None
        self._pos = at + length
        return topic, buffer[at + 2 + size : at + length]

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
        # whole QoS 0 PUBLISH packets are taken here while paho is between packets, no
        # subscription has its own callback, and no MQTT 5 properties need decoding
        direct = (
            paho_client.protocol != paho.MQTTv5
            and not paho_client._on_message_filtered._root._children
        )
        inbox, buffered = self.inbox, self.buffered
        for _ in range(READS_PER_WAKE):
            if inbox.full():
                self._pause()
                return
            if direct and not paho_client._in_packet["command"]:
                buffered.fill()
                message = buffered.take_publish()
                if message is not None:
                    inbox.put_nowait(Inbound("mqtt", message[0], message[1]))
                    paho_client._last_bytes_received = paho.time_func()
                    if self._more():
                        continue
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
        if self.buffered.pending:
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
            if self.buffered.pending:  # the socket may stay quiet: read what we hold
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
