"""End to end through the real Mosquitto at 127.0.0.1:1883: devices publish, the agent
stores, refuses, applies back-pressure and sends commands. Topics and API keys are unique
per test, so runs never see each other's messages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import pytest
from starlette.applications import Starlette

from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.ingest.agent import IngestAgent, IngestOptions
from dosi.ingest.mqtt import MqttTransport
from dosi.ingest.registry import parse_device, parse_group
from dosi.settings import Settings
from dosi.store import Store
from tests.conftest import need_service
from tests.ingest.conftest import (
    agent_of,
    entity,
    eventually,
    provision,
    unique,
    waste_device,
    waste_group,
)
from tests.ingest.test_commands import LAMP, LINK, lamp_group

BROKER = "mqtt://127.0.0.1:1883"
pytestmark = pytest.mark.mqtt


@pytest.fixture
def mqtt_url() -> str:
    need_service("Mosquitto", "127.0.0.1", 1883)
    return BROKER


@pytest.fixture
async def connected(sqlite_app: Starlette) -> IngestAgent:
    agent = agent_of(sqlite_app)
    assert isinstance(agent.transport, MqttTransport)
    async with asyncio.timeout(10):
        await agent.transport.wait_connected()
    return agent


@pytest.fixture
async def device() -> AsyncIterator[aiomqtt.Client]:
    async with aiomqtt.Client(
        "127.0.0.1", 1883, identifier=f"test-{uuid.uuid4().hex[:8]}"
    ) as client:
        yield client


async def test_json_ultralight_and_single_attribute_topics(
    sqlite_http: httpx.AsyncClient, connected: IngestAgent, device: aiomqtt.Client
) -> None:
    key = unique("k")
    await provision(sqlite_http, waste_group(key), [waste_device("bin1", key)])
    await device.publish(
        f"/{key}/bin1/attrs", b'{"f": 40, "TimeInstant": "2026-05-01T00:00:00Z"}', qos=1
    )

    async def json_stored() -> bool:
        body = await entity(sqlite_http, "urn:ngsi-ld:WasteContainer:bin1")
        return body.get("fillingLevel", {}).get("value") == pytest.approx(0.4)

    await eventually(json_stored)
    body = await entity(sqlite_http, "urn:ngsi-ld:WasteContainer:bin1")
    assert body["fillingLevel"]["observedAt"] == "2026-05-01T00:00:00.000000Z"

    await device.publish(f"/ul/{key}/bin1/attrs", b"f|55|t|12.5", qos=1)
    await device.publish(f"/{key}/bin1/attrs/status", b"lidOpen", qos=1)

    async def ul_stored() -> bool:
        body = await entity(sqlite_http, "urn:ngsi-ld:WasteContainer:bin1")
        return (
            body.get("fillingLevel", {}).get("value") == pytest.approx(0.55)
            and body.get("status", {}).get("value") == "lidOpen"
        )

    await eventually(ul_stored)
    assert connected.stats.received["mqtt"] == 3


async def test_bad_messages_are_dead_lettered_and_do_not_stop_the_reader(
    sqlite_http: httpx.AsyncClient, connected: IngestAgent, device: aiomqtt.Client
) -> None:
    key = unique("k")
    await provision(sqlite_http, waste_group(key), [waste_device("bin1", key)])
    await device.publish(f"/{key}/bin1/attrs", b"\xff\xfe not json", qos=1)
    await device.publish(f"/{unique('wrong')}/bin1/attrs", b'{"f": 1}', qos=1)
    await device.publish(f"/{key}/nobody/attrs", b'{"f": 1}', qos=1)
    await device.publish(f"/{key}/bin1/attrs", b'{"f": 900}', qos=1)
    await device.publish(f"/{key}/bin1/attrs", b'{"f": 9}', qos=1)

    async def settled() -> bool:
        return connected.stats.accepted == 1 and sum(connected.stats.rejected.values()) == 4

    await eventually(settled)
    assert connected.stats.rejected == {
        "malformed-payload": 1,
        "wrong-apikey": 1,
        "unknown-device": 1,
        "out-of-range": 1,
    }

    async def lettered() -> bool:
        return (await sqlite_http.get("/iot/deadletters")).json()["count"] == 4

    await eventually(lettered)
    letters = (await sqlite_http.get("/iot/deadletters")).json()["deadLetters"]
    assert all(letter["transport"] == "mqtt" for letter in letters)
    assert all(key not in letter["endpoint"] for letter in letters)


async def test_commands_over_mqtt(
    sqlite_http: httpx.AsyncClient, connected: IngestAgent, device: aiomqtt.Client
) -> None:
    key = unique("k")
    await provision(sqlite_http, lamp_group(key), [{"device_id": "lamp1", "apikey": key}])
    await device.subscribe(f"/{key}/lamp1/cmd", qos=1)

    async def answer() -> bytes:
        async for message in device.messages:
            payload = message.payload
            assert isinstance(payload, bytes)
            await device.publish(f"/{key}/lamp1/cmdexe", b"lamp1@switch|switched off", qos=1)
            return payload
        raise AssertionError("no command")

    responder = asyncio.create_task(answer())
    response = await sqlite_http.patch(
        f"/ngsi-ld/v1/entities/{LAMP}/attrs",
        json={"switch": {"type": "Property", "value": "off"}},
        headers=LINK,
    )
    assert response.status_code == 204
    async with asyncio.timeout(10):
        assert await responder == b"lamp1@switch|off"

    async def ok() -> bool:
        body = await entity(sqlite_http, LAMP, LINK)
        return body.get("switch_status", {}).get("value") == "OK"

    await eventually(ok)
    assert (await entity(sqlite_http, LAMP, LINK))["switch_info"]["value"] == "switched off"


async def test_a_full_inbox_pauses_the_reader_and_loses_nothing(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_service("Mosquitto", "127.0.0.1", 1883)
    settings = Settings(data_dir=tmp_path, mqtt_url=BROKER)
    entities = EntityService(sqlite_store)
    agent = IngestAgent(
        settings,
        sqlite_store,
        ContextResolver(settings, sqlite_store),
        entities,
        IngestOptions(inbox_size=8, batch_size=8),
    )
    real = entities.batch_upsert

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.01)
        return await real(*args, **kwargs)

    monkeypatch.setattr(entities, "batch_upsert", slow)
    await agent.start()
    try:
        key = unique("k")
        await agent.registry.add_groups("", [parse_group(waste_group(key))])
        await agent.registry.add_devices("", [parse_device(waste_device("bin1", key))])
        assert isinstance(agent.transport, MqttTransport)
        async with asyncio.timeout(10):
            await agent.transport.wait_connected()
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            for i in range(400):
                await client.publish(f"/{key}/bin1/attrs/f", str(i % 100).encode(), qos=1)

        async def all_stored() -> bool:
            return agent.stats.accepted == 400

        await eventually(all_stored, within=30)
        assert agent.inbox.pauses > 0
        assert len(agent.inbox) <= agent.inbox.capacity
    finally:
        await agent.stop()
