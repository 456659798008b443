"""The live stream: what a browser receives from the change feed over SSE."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from dosi.api.media import link_header
from dosi.api.services import Services
from dosi.core.changes import EntityChange
from dosi.demo.sample_city import SDM
from dosi.web.events import LayerContexts, Streams, change_stream, render_change
from tests.live import live_dosi

WASTE = {"Link": link_header(SDM.format("WasteManagement"))}


def bin_entity(entity_id: str = "urn:ngsi-ld:WasteContainer:t1") -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [127.3, 36.5]}
    return {
        "id": entity_id,
        "type": "WasteContainer",
        "fillingLevel": {"type": "Property", "value": 0.4},
        "location": {"type": "GeoProperty", "value": point},
    }


def parse(chunk: bytes) -> tuple[str, Any]:
    """(event, data) of one SSE message; ('', None) for a comment."""
    event, data = "", None
    for line in chunk.decode().splitlines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = orjson.loads(line[6:])
    return event, data


@pytest.fixture
async def layers(services: Services) -> LayerContexts:
    return await LayerContexts.resolve(services.resolver)


@pytest.fixture
async def stream(services: Services, layers: LayerContexts) -> AsyncIterator[Any]:
    streams = Streams(limit=10)
    body = change_stream(services.feed, "", layers, streams, heartbeat=0.3, buffer=20)
    yield body, streams
    await body.aclose()


async def next_event(body: Any) -> tuple[str, Any]:
    async with asyncio.timeout(5):
        return parse(await anext(body))


async def test_stream_sends_changes_of_map_types(client: httpx.AsyncClient, stream: Any) -> None:
    body, streams = stream
    event, data = await next_event(body)
    assert event == "hello" and data == {"tenant": ""}
    assert streams.open == 1

    created = await client.post("/ngsi-ld/v1/entities", json=bin_entity(), headers=WASTE)
    assert created.status_code == 201, created.text
    event, data = await next_event(body)
    assert event == "changes"
    [change] = data
    assert change["op"] == "created"
    entity = change["entity"]
    assert entity["type"] == "WasteContainer"
    assert entity["fillingLevel"] == 0.4  # keyValues, compacted with the SDM context
    assert entity["location"] == {"type": "Point", "coordinates": [127.3, 36.5]}
    assert entity["modifiedAt"]

    patch = {"fillingLevel": {"type": "Property", "value": 0.9}}
    url = "/ngsi-ld/v1/entities/urn:ngsi-ld:WasteContainer:t1/attrs"
    assert (await client.patch(url, json=patch, headers=WASTE)).status_code == 204
    event, data = await next_event(body)
    assert data[0]["op"] == "updated" and data[0]["entity"]["fillingLevel"] == 0.9

    deleted = await client.delete("/ngsi-ld/v1/entities/urn:ngsi-ld:WasteContainer:t1")
    assert deleted.status_code == 204
    event, data = await next_event(body)
    assert data == [
        {"op": "deleted", "id": "urn:ngsi-ld:WasteContainer:t1", "type": "WasteContainer"}
    ]


async def test_other_tenants_and_types_are_not_sent(client: httpx.AsyncClient, stream: Any) -> None:
    body, _ = stream
    assert (await next_event(body))[0] == "hello"
    other = {**WASTE, "NGSILD-Tenant": "other"}
    assert (await client.post("/ngsi-ld/v1/entities", json=bin_entity(), headers=other)).is_success
    thing = {"id": "urn:ngsi-ld:Thing:1", "type": "Thing"}
    assert (await client.post("/ngsi-ld/v1/entities", json=thing)).is_success
    # nothing for this stream: the next message is the keep-alive
    assert await anext(body) == b": keep-alive\n\n"


async def test_overflow_asks_for_resync(services: Services, stream: Any) -> None:
    body, _ = stream
    assert (await next_event(body))[0] == "hello"
    now = "2026-11-25T00:00:00Z"
    services.feed.publish(
        EntityChange("", f"urn:ngsi-ld:Thing:{i}", "created", None, None, now) for i in range(50)
    )
    event, data = await next_event(body)
    assert event == "resync"
    assert data["dropped"] == 30


async def test_close_all_ends_streams_and_unsubscribes(services: Services, stream: Any) -> None:
    body, streams = stream
    assert (await next_event(body))[0] == "hello"
    subscribers = len(services.feed._subscribers)
    streams.close_all()
    assert (await next_event(body))[0] == "bye"
    with pytest.raises(StopAsyncIteration):
        await anext(body)
    assert streams.open == 0
    assert len(services.feed._subscribers) == subscribers - 1


async def test_stream_sends_incidents(client: httpx.AsyncClient, stream: Any) -> None:
    """Incidents (Alert entities of the operations centre) reach the board live."""
    body, _ = stream
    assert (await next_event(body))[0] == "hello"
    incident = {
        "category": "flood",
        "severity": "major",
        "title": {"ko": "침수", "zh": "内涝", "en": "Flooding"},
        "location": {"type": "Point", "coordinates": [127.3, 36.5]},
    }
    created = await client.post("/ops/incidents", json=incident)
    assert created.status_code == 201, created.text
    async with asyncio.timeout(5):
        while True:
            event, data = await next_event(body)
            found = [c for c in data or [] if c.get("entity", {}).get("type") == "Alert"]
            if event == "changes" and found:
                break
    entity = found[0]["entity"]
    assert entity["id"] == created.json()["id"]
    assert entity["state"] == "detected"
    assert entity["category"] == "flood" and entity["severity"] == "major"
    assert entity["title"]["ko"] == "침수"
    assert entity["location"] == incident["location"]


def test_render_change_skips_entities_without_a_layer(layers: LayerContexts) -> None:
    thing = {"id": "urn:x:1", "type": ["https://example.org/Thing"], "attrs": {}}
    change = EntityChange("", "urn:x:1", "created", None, thing, "2026-11-25T00:00:00Z")
    assert render_change(change, layers) is None
    assert render_change(EntityChange("", "urn:x:1", "deleted", None, None, ""), layers) is None


@pytest.mark.slow
def test_server_exit_ends_open_streams(tmp_path: Path) -> None:
    """SIGTERM with a browser connected: the stream says bye and the server exits
    promptly instead of waiting for the browser to hang up."""
    with (
        live_dosi("serve", tmp_path) as server,
        httpx.stream("GET", f"{server.url}/ui/events", timeout=10) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert "event: hello" in [next(lines) for _ in range(2)]
        server.process.terminate()
        rest = list(lines)
        assert "event: bye" in rest
        server.process.wait(timeout=5)
    assert "Application shutdown complete" in server.log.read_text()
