"""Subscriptions and notifications (§6.10-§6.11, §5.8) with real HTTP receivers, both stores."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dosi.api.app import create_app
from dosi.settings import Settings
from dosi.store import Store, create_store
from tests.api.conftest import JSON_HEADERS, LINK, assert_problem, create, vehicle
from tests.conftest import drop_pg_schema, need_service, store_url
from tests.live import free_port
from tests.receiver import Receiver, http_receiver, received

VID = "urn:ngsi-ld:Vehicle:S1"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


def subscription(uri: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json"}},
    }
    body.update(extra)
    return body


def states(notes: list[Any], attr: str = "speed") -> list[Any]:
    """Every entity state notified, in order, across notifications (bursts are merged)."""
    return [e[attr]["value"] for n in notes for e in n.body["data"]]


async def subscribe(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post("/subscriptions", json=body, headers=JSON_HEADERS)
    assert response.status_code == 201, response.text
    location: str = response.headers["location"]
    return location.rsplit("/", 1)[1]


async def test_crud(client: httpx.AsyncClient, receiver: Receiver) -> None:
    sub_id = await subscribe(
        client, subscription(receiver.url, watchedAttributes=["speed"], q="speed>50")
    )
    got = await client.get(f"/subscriptions/{sub_id}", headers=LINK)
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == sub_id and body["status"] == "active"
    assert body["watchedAttributes"] == ["speed"]
    listed = await client.get("/subscriptions", params={"count": "true"})
    assert listed.headers["NGSILD-Results-Count"] == "1"
    patch = {"isActive": False}
    assert (
        await client.patch(f"/subscriptions/{sub_id}", json=patch, headers=JSON_HEADERS)
    ).status_code == 204
    assert (await client.get(f"/subscriptions/{sub_id}")).json()["status"] == "paused"
    assert (await client.delete(f"/subscriptions/{sub_id}")).status_code == 204
    assert_problem(await client.get(f"/subscriptions/{sub_id}"), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "Subscription", "notification": {"endpoint": {"uri": "http://x/y"}}},
        {
            "type": "Thing",
            "entities": [{"type": "V"}],
            "notification": {"endpoint": {"uri": "http://x/y"}},
        },
        {"type": "Subscription", "entities": [{"type": "V"}], "notification": {}},
        {
            "type": "Subscription",
            "entities": [{"type": "V"}],
            "notification": {"endpoint": {"uri": "ftp://x/y"}},
        },
        {
            "type": "Subscription",
            "entities": [{"type": "V"}],
            "q": "speed>>",
            "notification": {"endpoint": {"uri": "http://x/y"}},
        },
        {
            "type": "Subscription",
            "entities": [{"type": "V"}],
            "timeInterval": -1,
            "notification": {"endpoint": {"uri": "http://x/y"}},
        },
        {
            "type": "Subscription",
            "entities": [{"type": "V"}],
            "expiresAt": "2001-01-01T00:00:00Z",
            "notification": {"endpoint": {"uri": "http://x/y"}},
        },
        {
            "type": "Subscription",
            "entities": [{"type": "V"}],
            "notificationTrigger": ["never"],
            "notification": {"endpoint": {"uri": "http://x/y"}},
        },
    ],
)
async def test_invalid_subscriptions(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/subscriptions", json=body, headers=JSON_HEADERS)
    assert_problem(response, 400, "BadRequestData")


async def test_notifications_on_create_and_update(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    sub_id = await subscribe(
        client,
        subscription(
            receiver.url,
            notification={
                "endpoint": {"uri": receiver.url},
                "format": "keyValues",
                "attributes": ["speed"],
            },
        ),
    )
    await create(client, vehicle(VID))
    first = (await received(receiver, 1))[0]
    assert first.headers["Content-Type"] == "application/json"
    assert "ngsi-ld-test-suite" in first.headers["Link"]
    assert first.body["type"] == "Notification" and first.body["subscriptionId"] == sub_id
    assert first.body["data"] == [{"id": VID, "type": "Vehicle", "speed": 80}]
    await client.patch(
        f"/entities/{VID}/attrs",
        json={"speed": {"type": "Property", "value": 9}},
        headers=JSON_HEADERS,
    )
    second = (await received(receiver, 2))[1]
    assert second.body["data"][0]["speed"] == 9
    for _ in range(100):
        status = (await client.get(f"/subscriptions/{sub_id}")).json()["notification"]
        if status.get("timesSent", 0) >= 2:
            break
        await asyncio.sleep(0.05)
    assert status["timesSent"] >= 2 and status["lastSuccess"]


async def test_watched_attributes_and_q(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await subscribe(client, subscription(receiver.url, watchedAttributes=["speed"], q="speed>100"))
    await create(client, vehicle(VID))  # speed 80: q does not hold
    patch = {"brandName": {"type": "Property", "value": "Kia"}}
    await client.patch(f"/entities/{VID}/attrs", json=patch, headers=JSON_HEADERS)
    fast = {"speed": {"type": "Property", "value": 120}}
    await client.patch(f"/entities/{VID}/attrs", json=fast, headers=JSON_HEADERS)
    got = await received(receiver, 1)
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1
    assert got[0].body["data"][0]["speed"]["value"] == 120


async def test_ld_json_endpoint_and_show_changes(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await create(client, vehicle(VID))
    await subscribe(
        client,
        subscription(
            receiver.url,
            notification={
                "endpoint": {"uri": receiver.url, "accept": "application/ld+json"},
                "showChanges": True,
            },
        ),
    )
    await client.patch(
        f"/entities/{VID}/attrs",
        json={"speed": {"type": "Property", "value": 5}},
        headers=JSON_HEADERS,
    )
    note = (await received(receiver, 1))[0]
    assert note.headers["Content-Type"] == "application/ld+json"
    assert "@context" in note.body
    assert note.body["data"][0]["speed"]["previousValue"] == 80


async def test_retry_with_backoff_keeps_order(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    sub_id = await subscribe(client, subscription(receiver.url))
    await create(client, vehicle(VID))
    await client.patch(
        f"/entities/{VID}/attrs",
        json={"speed": {"type": "Property", "value": 1}},
        headers=JSON_HEADERS,
    )
    await received(receiver, 1)
    for _ in range(100):
        if len(states(receiver.received)) >= 2:
            break
        await asyncio.sleep(0.05)
    assert states(receiver.received) == [80, 1]
    for _ in range(100):  # the receiver sees the POST before dosi records its answer
        status = (await client.get(f"/subscriptions/{sub_id}")).json()["notification"]
        if status.get("timesSent"):
            break
        await asyncio.sleep(0.05)
    assert status["timesFailed"] == 1 and status["timesSent"] >= 1


async def test_throttling(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await subscribe(client, subscription(receiver.url, throttling=1))
    await create(client, vehicle(VID))
    for value in (1, 2):
        patch = {"speed": {"type": "Property", "value": value}}
        await client.patch(f"/entities/{VID}/attrs", json=patch, headers=JSON_HEADERS)
    got = await received(receiver, 3, wait=8)
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert [n.body["data"][0]["speed"]["value"] for n in got] == [80, 1, 2]


async def test_periodic_subscription(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await create(client, vehicle(VID))
    await subscribe(client, {**subscription(receiver.url), "timeInterval": 1})
    got = await received(receiver, 2, wait=6)
    assert 0.7 <= got[1].at - got[0].at <= 2.5
    assert got[0].body["data"][0]["id"] == VID


async def test_mqtt_notification(client: httpx.AsyncClient) -> None:
    need_service("Mosquitto", "127.0.0.1", 1883)
    import aiomqtt
    import orjson

    topic = f"dosi/test/{uuid.uuid4().hex}"
    async with aiomqtt.Client("127.0.0.1", 1883) as mqtt:
        await mqtt.subscribe(topic, qos=1)
        endpoint = {
            "uri": f"mqtt://127.0.0.1:1883/{topic}",
            "notifierInfo": [{"key": "MQTT-QoS", "value": "1"}],
        }
        await subscribe(client, subscription("http://unused", notification={"endpoint": endpoint}))
        await create(client, vehicle(VID))
        async with asyncio.timeout(10):
            message = await anext(aiter(mqtt.messages))
    payload = orjson.loads(message.payload)  # type: ignore[arg-type]
    assert payload["metadata"]["Content-Type"] == "application/json"
    assert payload["body"]["data"][0]["id"] == VID


@pytest.fixture
async def store_for_restart(store_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    url, schema = store_url(store_kind, tmp_path)
    yield url
    if schema:
        await drop_pg_schema(schema)


async def test_restart_loses_no_pending_notification(
    store_for_restart: str, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens yet: delivery fails and stays in the outbox
    settings = Settings(data_dir=tmp_path, public_url="http://dosi.test")

    async def run(store: Store, work: Any) -> None:
        app = create_app(settings, store=store)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t/ngsi-ld/v1") as http,
        ):
            await work(http)

    first = create_store(store_for_restart)
    await first.open()

    async def produce(http: httpx.AsyncClient) -> None:
        await subscribe(http, subscription(f"http://127.0.0.1:{port}/notify"))
        await create(http, vehicle(VID))
        await asyncio.sleep(0.3)

    await run(first, produce)
    await first.close()
    with http_receiver(port) as receiver:
        second = create_store(store_for_restart)
        await second.open()

        async def consume(http: httpx.AsyncClient) -> None:
            got = await received(receiver, 1, wait=10)
            assert got[0].body["data"][0]["id"] == VID

        await run(second, consume)
        await second.close()
