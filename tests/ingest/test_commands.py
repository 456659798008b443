"""Southbound commands: an NGSI-LD update of a command attribute reaches the device, the
device's answer becomes <cmd>_status / <cmd>_info. Over the in-process broker and HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.media import link_header
from dosi.ingest.memory import MemoryBroker
from dosi.settings import Settings
from tests.ingest.conftest import agent_of, entity, eventually, provision, unique
from tests.receiver import http_receiver

LIGHTING = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Streetlighting/master/"
    "context.jsonld"
)
LINK = {"Link": link_header(LIGHTING)}
LAMP = "urn:ngsi-ld:Streetlight:lamp1"


@pytest.fixture
def mqtt_url() -> str:
    return f"memory://cmd-{uuid.uuid4().hex[:8]}"


def lamp_group(apikey: str, protocol: str = "UL", **extra: Any) -> dict[str, Any]:
    return {
        "apikey": apikey,
        "entity_type": "Streetlight",
        "context": LIGHTING,
        "protocol": protocol,
        "commands": ["switch"],
        "attributes": [{"object_id": "p", "name": "powerState", "value_type": "Text"}],
        **extra,
    }


class FakeLamp:
    """A device on the in-process broker that answers every command."""

    def __init__(self, bus: MemoryBroker, apikey: str, protocol: str, answer: bool = True) -> None:
        self.bus = bus
        self.received: list[bytes] = []
        self.protocol = protocol
        self.answer = answer
        bus.subscribe((f"/{apikey}/lamp1/cmd",), self.on_command)

    async def on_command(self, topic: str, payload: bytes) -> None:
        self.received.append(payload)
        if not self.answer:
            return
        result = (
            b"lamp1@switch|switched " + payload.split(b"|")[-1]
            if self.protocol == "UL"
            else b'{"switch": "done"}'
        )
        await self.bus.publish(topic + "exe", result)


async def switch(http: httpx.AsyncClient, value: str) -> None:
    response = await http.patch(
        f"/ngsi-ld/v1/entities/{LAMP}/attrs",
        json={"switch": {"type": "Property", "value": value}},
        headers=LINK,
    )
    assert response.status_code == 204, response.text


async def status(http: httpx.AsyncClient) -> dict[str, Any]:
    return await entity(http, LAMP, LINK)


@pytest.mark.parametrize(
    ("protocol", "sent", "info"),
    [
        ("UL", b"lamp1@switch|off", "switched off"),
        ("JSON", b'{"switch":"off"}', "done"),
    ],
)
async def test_round_trip(
    sqlite_http: httpx.AsyncClient,
    sqlite_app: Starlette,
    settings: Settings,
    protocol: str,
    sent: bytes,
    info: str,
) -> None:
    key = unique("k")
    await provision(sqlite_http, lamp_group(key, protocol), [{"device_id": "lamp1", "apikey": key}])
    assert settings.mqtt_url
    lamp = FakeLamp(MemoryBroker.named(settings.mqtt_url[9:]), key, protocol)
    await switch(sqlite_http, "off")

    async def answered() -> bool:
        body = await status(sqlite_http)
        return body.get("switch_status", {}).get("value") == "OK"

    await eventually(answered)
    assert lamp.received == [sent]
    body = await status(sqlite_http)
    assert body["switch_info"]["value"] == info
    assert body["switch"]["value"] == "off"
    stats = agent_of(sqlite_app).stats
    assert (stats.commands_sent, stats.commands_acked, stats.commands_failed) == (1, 1, 0)
    # a measure update does not re-send the command
    await sqlite_http.post(f"/iot/d?k={key}&i=lamp1", content=b"p|off")
    await switch(sqlite_http, "on")

    async def second() -> bool:
        return len(lamp.received) == 2 and agent_of(sqlite_app).stats.commands_acked == 2

    await eventually(second)


async def test_unanswered_commands_expire(
    sqlite_http: httpx.AsyncClient, sqlite_app: Starlette, settings: Settings
) -> None:
    key = unique("k")
    await provision(sqlite_http, lamp_group(key), [{"device_id": "lamp1", "apikey": key}])
    assert settings.mqtt_url
    FakeLamp(MemoryBroker.named(settings.mqtt_url[9:]), key, "UL", answer=False)
    agent_of(sqlite_app).commands.timeout = 0.2
    await switch(sqlite_http, "low")

    async def pending() -> bool:
        return (await status(sqlite_http)).get("switch_status", {}).get("value") == "PENDING"

    await eventually(pending)

    async def expired() -> bool:
        return (await status(sqlite_http)).get("switch_status", {}).get("value") == "ERROR"

    await eventually(expired, within=5)
    assert "expired" in (await status(sqlite_http))["switch_info"]["value"]


async def test_commands_wait_for_an_unknown_key(
    sqlite_http: httpx.AsyncClient, sqlite_app: Starlette, settings: Settings
) -> None:
    """After a restart only hashes are known: the command waits for the device's next
    message (which reveals the key), then goes out."""
    key = unique("k")
    await provision(sqlite_http, lamp_group(key), [{"device_id": "lamp1", "apikey": key}])
    assert settings.mqtt_url
    lamp = FakeLamp(MemoryBroker.named(settings.mqtt_url[9:]), key, "UL")
    registry = agent_of(sqlite_app).registry
    registry._keys.clear()  # as after a restart
    await switch(sqlite_http, "off")

    async def waiting() -> bool:
        info = (await status(sqlite_http)).get("switch_info", {}).get("value", "")
        return "waiting" in info

    await eventually(waiting)
    assert lamp.received == []
    await MemoryBroker.named(settings.mqtt_url[9:]).publish(f"/{key}/lamp1/attrs", b"p|on")

    async def delivered() -> bool:
        return (await status(sqlite_http)).get("switch_status", {}).get("value") == "OK"

    await eventually(delivered)
    assert lamp.received == [b"lamp1@switch|off"]


async def test_http_devices_get_commands_pushed(
    sqlite_http: httpx.AsyncClient, sqlite_app: Starlette
) -> None:
    key = unique("k")
    with http_receiver() as receiver:
        await provision(
            sqlite_http,
            lamp_group(key, "JSON", transport="HTTP"),
            [{"device_id": "lamp1", "apikey": key, "endpoint": receiver.url}],
        )
        await switch(sqlite_http, "on")

        async def pushed() -> bool:  # the receiver's own wait_for would block the loop
            return len(receiver.received) == 1

        await eventually(pushed)
        assert receiver.received[0].body == {"switch": "on"}

        async def ok() -> bool:
            return (await status(sqlite_http)).get("switch_status", {}).get("value") == "OK"

        await eventually(ok)


async def test_http_devices_without_endpoint_fail_clearly(sqlite_http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(
        sqlite_http, lamp_group(key, transport="HTTP"), [{"device_id": "lamp1", "apikey": key}]
    )
    await switch(sqlite_http, "on")

    async def failed() -> bool:
        body = await status(sqlite_http)
        return body.get("switch_status", {}).get("value") == "ERROR"

    await eventually(failed)
    assert "endpoint" in (await status(sqlite_http))["switch_info"]["value"]
