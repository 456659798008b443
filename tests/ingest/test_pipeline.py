"""The micro-batching pipeline: batches, one bad message never stops it, nothing is lost
on shutdown, store failures become dead letters. Driven through the in-process broker."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.errors import StoreError
from dosi.ingest import pipeline as pipeline_module
from dosi.ingest.deadletters import DeadLetter, DeadLetters
from dosi.ingest.memory import MemoryBroker
from dosi.settings import Settings
from dosi.store import Store
from tests.ingest.conftest import agent_of, eventually, provision, unique, waste_device, waste_group

DEVICES = 20


@pytest.fixture
def mqtt_url() -> str:
    return f"memory://test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def key(sqlite_http: Any) -> str:
    apikey = unique("k")
    await provision(
        sqlite_http, waste_group(apikey), [waste_device(f"b{i}", apikey) for i in range(DEVICES)]
    )
    return apikey


def broker(settings: Settings) -> MemoryBroker:
    assert settings.mqtt_url is not None
    return MemoryBroker.named(settings.mqtt_url.removeprefix("memory://"))


async def test_messages_are_batched_and_bad_ones_skipped(
    sqlite_app: Starlette, settings: Settings, key: str
) -> None:
    agent = agent_of(sqlite_app)
    bus = broker(settings)
    sent = bad = 0
    for i in range(600):
        if i % 50 == 7:
            await bus.publish(f"/{key}/b{i % DEVICES}/attrs", b'{"f": oops')
            bad += 1
        else:
            await bus.publish(f"/{key}/b{i % DEVICES}/attrs", orjson.dumps({"f": i % 100}))
            sent += 1

    async def done() -> bool:
        return agent.stats.accepted + sum(agent.stats.rejected.values()) == 600

    await eventually(done)
    assert agent.stats.accepted == sent
    assert agent.stats.rejected == {"malformed-payload": bad}
    assert agent.stats.batches < sent / 5  # micro-batched, not one write per message
    assert agent.stats.largest_batch > 10


async def test_stop_drains_every_received_message(sqlite_store: Store, tmp_path: Path) -> None:
    name = f"drain-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path, mqtt_url=f"memory://{name}")
    app = create_app(settings, store=sqlite_store)
    bus = MemoryBroker.named(name)
    apikey = unique("k")
    async with app.router.lifespan_context(app):
        agent = agent_of(app)
        from httpx import ASGITransport, AsyncClient

        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            await provision(http, waste_group(apikey), [waste_device("d", apikey)])
        for i in range(1_000):
            await bus.publish(f"/{apikey}/d/attrs/f", str(i % 100).encode())
        received = agent.stats.received["memory"] + len(agent.inbox)
        assert received == 1_000
    # the lifespan is over: the agent stopped, and drained before the store closed
    assert agent.stats.accepted == 1_000
    stored = await sqlite_store.get_entity("", "urn:ngsi-ld:WasteContainer:d")
    assert stored is not None
    (fill,) = [v for k, v in stored["attrs"].items() if k.endswith("fillingLevel")]
    assert fill[0]["value"] == pytest.approx(0.99)


async def test_store_failures_are_dead_lettered_and_the_pipeline_goes_on(
    sqlite_app: Starlette, settings: Settings, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = agent_of(sqlite_app)
    monkeypatch.setattr(pipeline_module, "RETRY_DELAYS", (0.0,))
    real = agent.entities.batch_upsert

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("disk on fire")

    monkeypatch.setattr(agent.entities, "batch_upsert", broken)
    bus = broker(settings)
    await bus.publish(f"/{key}/b1/attrs", b'{"f": 10}')

    async def refused() -> bool:
        return agent.stats.rejected["not-stored"] == 1

    await eventually(refused)
    monkeypatch.setattr(agent.entities, "batch_upsert", real)
    await bus.publish(f"/{key}/b1/attrs", b'{"f": 20}')

    async def stored() -> bool:
        return agent.stats.accepted == 1

    await eventually(stored)

    async def lettered() -> bool:
        letters = await agent.dead_letters.list("", limit=10, reason="not-stored")
        return len(letters) == 1 and "disk on fire" in letters[0]["detail"]

    await eventually(lettered)


async def test_unknown_topics_and_devices_are_dead_lettered(
    sqlite_app: Starlette, settings: Settings, key: str
) -> None:
    agent = agent_of(sqlite_app)
    bus = broker(settings)
    await bus.publish(f"/{key}/ghost/attrs", b'{"f": 1}')
    await bus.publish("/unknown-key/b1/attrs", b'{"f": 1}')
    await bus.publish(f"/{key}/b1/attrs", b'{"f": 1}')

    async def settled() -> bool:
        return agent.stats.accepted == 1 and sum(agent.stats.rejected.values()) == 2

    await eventually(settled)
    assert agent.stats.rejected == {"unknown-device": 1, "wrong-apikey": 1}

    async def both() -> bool:
        return len(await agent.dead_letters.list("", limit=10)) == 2

    await eventually(both)
    letters = await agent.dead_letters.list("", limit=10)
    assert {letter["endpoint"] for letter in letters} == {
        "/{apikey}/ghost/attrs",
        "/{apikey}/b1/attrs",
    }
    assert letters[0]["at"] >= letters[1]["at"]  # newest first


async def test_dead_letter_buffer_and_retention(sqlite_store: Store) -> None:
    letters = DeadLetters(sqlite_store, buffer=3, keep=2)
    for i in range(5):
        letters.record(
            DeadLetter("", "mqtt", "/k/d/attrs", "d", "malformed-payload", f"#{i}", b"x")
        )
    assert letters.dropped == 2
    await letters.flush()
    stored = await letters.list("", limit=10)
    assert [s["detail"] for s in stored] == ["#4", "#3", "#2"]
    assert await letters.prune() == 1
    assert [s["detail"] for s in await letters.list("", limit=10)] == ["#4", "#3"]
    page = await letters.list("", limit=1)
    assert [s["detail"] for s in await letters.list("", limit=5, after=page[0]["id"])] == ["#3"]
    assert await letters.purge("") == 2
    assert await letters.list("", limit=10) == []


async def test_sqlite_app_fixture_is_isolated(sqlite_app: Starlette) -> None:
    assert agent_of(sqlite_app).stats.accepted == 0
