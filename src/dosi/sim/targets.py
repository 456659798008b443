"""Where simulated devices send their readings, and how they get provisioned.

Publishers: ``MemoryPublisher`` (the in-process broker of ``memory://``), ``MqttPublisher``
(a real broker, aiomqtt), ``HttpPublisher`` (``/iot/json`` and ``/iot/d``) and
``AgentPublisher`` (straight into a running agent's inbox). Provisioners: over the
``/iot`` REST API, or directly on an in-process agent's registry. Publishers that carry
MQTT also answer commands: the simulated device executes it and replies on ``cmdexe``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, Final, Protocol

import httpx

from dosi.errors import AlreadyExists
from dosi.ingest import jsonpayload
from dosi.ingest.agent import IngestAgent
from dosi.ingest.errors import MalformedPayload
from dosi.ingest.inbox import Inbound
from dosi.ingest.memory import MemoryBroker, MemorySubscription
from dosi.ingest.registry import parse_device, parse_group
from dosi.sim.simulator import CitySimulator, Reading

logger = logging.getLogger(__name__)

PROVISION_CHUNK: Final = 5_000
CommandHandler = Callable[[str, bytes], Awaitable[None]]


class SendRefused(Exception):
    """The agent refused a reading (its HTTP answer); counted, not fatal."""


class Publisher(Protocol):
    async def start(self, on_command: CommandHandler) -> None: ...

    async def send(self, topic: str, reading: Reading) -> None: ...

    async def reply(self, topic: str, payload: bytes) -> None: ...

    async def close(self) -> None: ...


class Provisioner(Protocol):
    async def provision(
        self, groups: list[dict[str, Any]], devices: list[dict[str, Any]]
    ) -> None: ...


def command_responder(
    sim: CitySimulator, reply: Callable[[str, bytes], Awaitable[None]]
) -> CommandHandler:
    """Handle ``/{apikey}/{device_id}/cmd``: run the command on the simulated device and
    publish its result on ``cmdexe`` in the device's protocol."""

    async def handle(topic: str, payload: bytes) -> None:
        parts = topic.split("/")
        if len(parts) < 4:
            return
        device = sim.device(parts[-2])
        if device is None:
            return
        try:
            if device.family.protocol == "UL":
                text = payload.decode()
                head, _, params = text.partition("|")
                _, _, name = head.partition("@")
                result = device.command(name, params)
                answer = f"{device.device_id}@{name}|{result}".encode()
            else:
                commands = jsonpayload.decode_command_results(payload)
                answer = jsonpayload.encode_command(
                    *next((n, device.command(n, v)) for n, v in commands.items())
                )
        except (ValueError, MalformedPayload, StopIteration):
            logger.warning("simulator: unreadable command on %s", topic)
            return
        await reply(topic[: -len("/cmd")] + "/cmdexe", answer)

    return handle


class MemoryPublisher:
    def __init__(self, name: str) -> None:
        self.broker = MemoryBroker.named(name)
        self._subscription: MemorySubscription | None = None

    async def start(self, on_command: CommandHandler) -> None:
        self._subscription = self.broker.subscribe(("/+/+/cmd",), on_command)

    async def send(self, topic: str, reading: Reading) -> None:
        await self.broker.publish(topic, reading.payload)

    async def reply(self, topic: str, payload: bytes) -> None:
        await self.broker.publish(topic, payload)

    async def close(self) -> None:
        if self._subscription is not None:
            self.broker.unsubscribe(self._subscription)


class AgentPublisher:
    """Straight into the agent's inbox: the same decode/map/store path as MQTT."""

    def __init__(self, agent: IngestAgent) -> None:
        self.agent = agent

    async def start(self, on_command: CommandHandler) -> None:
        return None

    async def send(self, topic: str, reading: Reading) -> None:
        await self.agent.inbox.put(Inbound("memory", topic, reading.payload))

    async def reply(self, topic: str, payload: bytes) -> None:
        await self.agent.inbox.put(Inbound("memory", topic, payload))

    async def close(self) -> None:
        return None


class MqttPublisher:
    def __init__(self, url: str, *, qos: int = 0) -> None:
        from dosi.ingest.mqtt import parse_mqtt_url

        self.connect_args = parse_mqtt_url(url)
        self.qos = qos
        self._client: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def start(self, on_command: CommandHandler) -> None:
        import aiomqtt

        self._client = aiomqtt.Client(**self.connect_args)
        await self._client.__aenter__()
        await self._client.subscribe("/+/+/cmd", qos=1)

        async def listen() -> None:
            async for message in self._client.messages:
                payload = message.payload
                if isinstance(payload, bytes):
                    await on_command(str(message.topic), payload)

        self._listener = asyncio.create_task(listen(), name="sim:mqtt:commands")

    async def send(self, topic: str, reading: Reading) -> None:
        await self._client.publish(topic, reading.payload, qos=self.qos)

    async def reply(self, topic: str, payload: bytes) -> None:
        await self._client.publish(topic, payload, qos=1)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._listener
        if self._client is not None:
            with suppress(Exception):
                await self._client.__aexit__(None, None, None)


class HttpPublisher:
    def __init__(self, base_url: str, tenant: str = "") -> None:
        headers = {"NGSILD-Tenant": tenant} if tenant else {}
        self.http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30.0)

    async def start(self, on_command: CommandHandler) -> None:
        return None

    async def send(self, topic: str, reading: Reading) -> None:
        _, apikey, device_id, _ = topic.split("/", 3)
        ul = reading.device.family.protocol == "UL"
        response = await self.http.post(
            "/iot/d" if ul else "/iot/json",
            params={"k": apikey, "i": device_id},
            content=reading.payload,
            headers={"Content-Type": "text/plain" if ul else "application/json"},
        )
        if response.status_code >= 300:
            raise SendRefused(f"{response.status_code}: {response.text[:200]}")

    async def reply(self, topic: str, payload: bytes) -> None:
        return None  # HTTP devices without an endpoint get no commands

    async def close(self) -> None:
        await self.http.aclose()


class HttpProvisioner:
    """Provisions over the /iot REST API; existing groups are reused, existing devices
    replaced (``upsert=true``), so a run can be repeated."""

    def __init__(self, base_url: str, tenant: str = "", *, transport: str = "MQTT") -> None:
        headers = {"NGSILD-Tenant": tenant} if tenant else {}
        self.base_url = base_url
        self.headers = headers
        self.transport = transport

    async def provision(self, groups: list[dict[str, Any]], devices: list[dict[str, Any]]) -> None:
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=120.0
        ) as http:
            for body in groups:
                group = {**body, "transport": self.transport}
                found = await http.get("/iot/services", params={"apikey": group["apikey"]})
                found.raise_for_status()
                existing = found.json()["services"]
                if existing:
                    response = await http.put(f"/iot/services/{existing[0]['id']}", json=group)
                else:
                    response = await http.post("/iot/services", json=group)
                _check(response)
            for start in range(0, len(devices), PROVISION_CHUNK):
                chunk = devices[start : start + PROVISION_CHUNK]
                response = await http.post(
                    "/iot/devices", params={"upsert": "true"}, json={"devices": chunk}
                )
                _check(response)


def _check(response: httpx.Response) -> None:
    if response.status_code >= 300:
        raise RuntimeError(
            f"provisioning failed: {response.request.method} {response.request.url} "
            f"answered {response.status_code}: {response.text[:300]}"
        )


class AgentProvisioner:
    """Provisions on an in-process agent's registry (no HTTP hop)."""

    def __init__(self, agent: IngestAgent, tenant: str = "") -> None:
        self.agent = agent
        self.tenant = tenant

    async def provision(self, groups: list[dict[str, Any]], devices: list[dict[str, Any]]) -> None:
        registry = self.agent.registry
        for body in groups:
            group = parse_group(body)
            found = registry.find_group(self.tenant, group.apikey)
            if found is None:
                try:
                    await registry.add_groups(self.tenant, [group])
                    continue
                except AlreadyExists:
                    found = registry.find_group(self.tenant, group.apikey)
                    if found is None:
                        raise
            await registry.replace_group(self.tenant, found["id"], group)
        for start in range(0, len(devices), PROVISION_CHUNK):
            chunk = [parse_device(body) for body in devices[start : start + PROVISION_CHUNK]]
            await registry.add_devices(self.tenant, chunk, upsert=True)


__all__ = [
    "AgentProvisioner",
    "AgentPublisher",
    "HttpProvisioner",
    "HttpPublisher",
    "MemoryPublisher",
    "MqttPublisher",
    "Provisioner",
    "Publisher",
    "SendRefused",
    "command_responder",
]
