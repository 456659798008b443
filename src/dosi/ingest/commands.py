"""Southbound commands: an NGSI-LD update of a command attribute reaches the device.

The dispatcher follows the change feed. A change is a command when it sets a command
attribute (a cheap set look-up by expanded IRI, per tenant) to a non-empty value with a
new ``modifiedAt``. MQTT devices get it on ``/{apikey}/{device_id}/cmd`` (JSON
``{"<cmd>": <value>}`` or UltraLight ``<device>@<cmd>|...``) and answer on ``cmdexe``;
HTTP devices with an ``endpoint`` get it pushed by POST and answer in the response.
``<cmd>_status`` goes PENDING → OK with the device's answer in ``<cmd>_info`` (or
ERROR, with the reason in ``<cmd>_info``); a command not answered within ``timeout``
becomes ERROR.

API keys are stored hashed, so the command topic can only be built once the key was
seen since start (from provisioning or a device message); until then commands wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpx

from dosi.core.changes import ChangeFeed, EntityChange
from dosi.core.clock import utc_now
from dosi.core.model import VALUE_MEMBER, Instance
from dosi.errors import DosiError
from dosi.ingest import jsonpayload, ultralight
from dosi.ingest.const import ERROR, OK, PENDING
from dosi.ingest.errors import MalformedPayload
from dosi.ingest.northbound import status_attrs
from dosi.ingest.registry import DeviceProfile, Registry
from dosi.ingest.stats import Stats
from dosi.ingest.topics import command_topic

logger = logging.getLogger(__name__)

HTTP_TIMEOUT: Final = 10.0
SWEEP_EVERY: Final = 1.0


class Publisher(Protocol):
    @property
    def connected(self) -> bool: ...

    async def publish(self, topic: str, payload: bytes) -> None: ...


class StatusSink(Protocol):
    def __call__(self, tenant: str, entity: dict[str, Any]) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class Command:
    profile: DeviceProfile
    name: str
    value: Any


def encode(profile: DeviceProfile, command: str, value: Any) -> bytes:
    if profile.protocol == "UL":
        return ultralight.encode_command(profile.device_id, command, value)
    return jsonpayload.encode_command(command, value)


class Commands:
    def __init__(
        self,
        registry: Registry,
        feed: ChangeFeed,
        store_status: StatusSink,
        stats: Stats,
        *,
        timeout: float,
    ) -> None:
        self.registry = registry
        self.feed = feed
        self.store_status = store_status
        self.stats = stats
        self.timeout = timeout
        self.publisher: Publisher | None = None
        self._pending: dict[tuple[str, str, str], tuple[float, Command]] = {}
        self._waiting: dict[str, list[Command]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._http: httpx.AsyncClient | None = None
        registry.key_listeners.append(self._key_learned)

    def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        self._tasks = [
            asyncio.create_task(self.feed.listen(self._on_change), name="ingest:commands"),
            asyncio.create_task(self._sweep(), name="ingest:commands:expiry"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- northbound trigger --------------------------------------------------------------
    async def _on_change(self, change: EntityChange) -> None:
        iris = self.registry.command_iris.get(change.tenant)
        after = change.after
        if not iris or after is None:
            return
        attrs = after["attrs"]
        before = change.before["attrs"] if change.before is not None else {}
        for iri in iris:
            if iri not in attrs:
                continue
            new = _default(attrs[iri])
            if new is None:
                continue
            value = new.get(VALUE_MEMBER.get(new.get("type", ""), "value"))
            if value is None or value == "":
                continue
            old = _default(before.get(iri, []))
            if old is not None and old.get("modifiedAt") == new.get("modifiedAt"):
                continue
            profile = await self.registry.profile_of_entity(change.tenant, change.entity_id)
            if profile is None:
                continue
            for name, command_iri in profile.commands.items():
                if command_iri == iri:
                    await self.send(Command(profile, name, value))

    # -- southbound ----------------------------------------------------------------------
    async def send(self, command: Command) -> None:
        profile = command.profile
        if profile.transport == "HTTP":
            await self._push(command)
            return
        apikey = self.registry.apikey_for(profile.group_id)
        if apikey is None:
            self._waiting.setdefault(profile.group_id, []).append(command)
            self._track(command)
            await self._status(
                command, PENDING, "waiting for the device: its API key was not seen since start"
            )
            return
        await self._publish(command, apikey)

    async def _publish(self, command: Command, apikey: str) -> None:
        profile = command.profile
        publisher = self.publisher
        if publisher is None or not publisher.connected:
            await self._fail(command, "no MQTT broker connection")
            return
        # PENDING is queued for storage before the device can answer, so the device's OK
        # (stored by the decoder) always lands after it.
        self._track(command)
        await self._status(command, PENDING, None)
        try:
            await publisher.publish(
                command_topic(apikey, profile.device_id),
                encode(profile, command.name, command.value),
            )
        except Exception as exc:  # one command: its status tells the failure
            self._pending.pop((profile.tenant, profile.device_id, command.name), None)
            await self._fail(command, f"publishing failed: {exc}")
            return
        self.stats.commands_sent += 1

    async def _push(self, command: Command) -> None:
        profile = command.profile
        if profile.endpoint is None or self._http is None:
            await self._fail(command, "the HTTP device has no endpoint (polling is not supported)")
            return
        payload = encode(profile, command.name, command.value)
        content_type = "text/plain" if profile.protocol == "UL" else "application/json"
        try:
            response = await self._http.post(
                profile.endpoint, content=payload, headers={"Content-Type": content_type}
            )
        except httpx.HTTPError as exc:
            await self._fail(command, f"POST {profile.endpoint} failed: {exc!r}")
            return
        self.stats.commands_sent += 1
        if response.status_code >= 300:
            await self._fail(command, f"the device answered {response.status_code}")
            return
        try:
            result = _http_result(profile, command.name, response.content)
        except MalformedPayload as exc:
            await self._fail(command, f"unreadable answer: {exc.detail}")
            return
        self.stats.commands_acked += 1
        await self._status(command, OK, result)

    def result_received(self, profile: DeviceProfile, command: str, result: Any) -> None:
        """A device answered on ``cmdexe`` (the decoder stores the OK status)."""
        if self._pending.pop((profile.tenant, profile.device_id, command), None) is not None:
            self.stats.commands_acked += 1

    def _key_learned(self, group_id: str) -> None:
        waiting = self._waiting.pop(group_id, None)
        apikey = self.registry.apikey_for(group_id)
        if waiting and apikey is not None:
            task = asyncio.create_task(self._release(waiting, apikey), name="ingest:commands:send")
            self._tasks.append(task)

    async def _release(self, commands: list[Command], apikey: str) -> None:
        for command in commands:
            await self._publish(command, apikey)

    # -- bookkeeping ---------------------------------------------------------------------
    def _track(self, command: Command) -> None:
        key = (command.profile.tenant, command.profile.device_id, command.name)
        self._pending[key] = (time.monotonic() + self.timeout, command)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            now = time.monotonic()
            expired = [(k, c) for k, (deadline, c) in self._pending.items() if deadline < now]
            for key, command in expired:
                del self._pending[key]
                for queued in self._waiting.values():
                    if command in queued:
                        queued.remove(command)
                await self._fail(command, f"expired: no result within {self.timeout:g} s")
            self._tasks = [t for t in self._tasks if not t.done()]

    async def _fail(self, command: Command, reason: str) -> None:
        self.stats.commands_failed += 1
        logger.info(
            "ingest: command %s to %s failed: %s", command.name, command.profile.device_id, reason
        )
        await self._status(command, ERROR, reason)

    async def _status(self, command: Command, status: str, info: Any) -> None:
        profile = command.profile
        now = utc_now()
        entity = {
            "id": profile.entity_id,
            "type": [profile.entity_type],
            "createdAt": now,
            "modifiedAt": now,
            "attrs": status_attrs(profile, command.name, status, info, now),
        }
        try:
            await self.store_status(profile.tenant, entity)
        except DosiError:
            logger.exception("ingest: storing the status of command %s failed", command.name)


def _default(instances: list[Instance]) -> Instance | None:
    for instance in instances:
        if "datasetId" not in instance:
            return instance
    return None


def _http_result(profile: DeviceProfile, command: str, body: bytes) -> Any:
    if not body.strip():
        return None
    if profile.protocol == "UL":
        _, _, result = ultralight.decode_command_result(body)
        return result
    results = jsonpayload.decode_command_results(body)
    return results.get(command, results)


__all__ = ["Command", "Commands", "encode"]
