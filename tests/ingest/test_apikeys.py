"""API keys of a service group: issue, rotate with a grace period, revoke, expire, limit.

Refused keys are answered like any refused device message (ProblemDetails over HTTP) and
dead-lettered with their reason; over-limit messages get 429 over HTTP and a dead letter
``rate-limited`` over MQTT. Groups stored before rotation existed still load.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from dosi.ingest.apikeys import LEGACY_KEY_ID, hash_apikey
from dosi.ingest.const import GROUPS
from dosi.ingest.memory import MemoryBroker
from dosi.ingest.ratelimit import RateLimit, TokenBucket
from dosi.settings import Settings
from dosi.store import Store
from dosi.store.documents import put_documents
from tests.ingest.conftest import (
    agent_of,
    eventually,
    provision,
    unique,
    waste_device,
    waste_group,
)

ERRORS = "https://dosi.city/errors/"


async def measure(http: httpx.AsyncClient, key: str, value: int = 40) -> httpx.Response:
    return await http.post(f"/iot/json?k={key}&i=bin1", json={"f": value})


async def letters(http: httpx.AsyncClient, reason: str) -> list[dict[str, Any]]:
    body = (await http.get("/iot/deadletters", params={"reason": reason})).json()
    found: list[dict[str, Any]] = body["deadLetters"]
    return found


async def test_issue_rotate_with_grace_and_revoke(http: httpx.AsyncClient, app: Starlette) -> None:
    old = unique("k")
    group_id = await provision(http, waste_group(old), [waste_device("bin1", old)])
    registry = agent_of(app).registry
    now = [1_000_000.0]
    registry.clock = lambda: now[0]

    issued = await http.post(f"/iot/services/{group_id}/keys", json={"grace": 60})
    assert issued.status_code == 201, issued.text
    new = issued.json()
    assert new["status"] == "active" and len(new["apikey"]) >= 32
    assert issued.headers["location"] == f"/iot/services/{group_id}/keys/{new['id']}"

    stored = await registry.store.get_document("", GROUPS, group_id)
    assert stored is not None
    assert new["apikey"] not in orjson.dumps(stored).decode()  # shown once, stored hashed
    assert {k["sha256"] for k in stored["keys"]} == {hash_apikey(old), hash_apikey(new["apikey"])}

    listed = (await http.get(f"/iot/services/{group_id}/keys")).json()
    assert listed["count"] == 2
    assert all("apikey" not in k and "sha256" not in k for k in listed["keys"])
    old_entry = next(k for k in listed["keys"] if k["id"] != new["id"])
    assert old_entry["expires_at"]  # the grace period ends the old key

    assert (await measure(http, old)).status_code == 200  # within the grace period
    assert (await measure(http, new["apikey"])).status_code == 200
    now[0] += 61
    expired = await measure(http, old)
    assert expired.status_code == 401
    assert expired.json()["type"] == ERRORS + "Unauthorized"
    assert (await measure(http, new["apikey"])).status_code == 200

    revoked = await http.delete(f"/iot/services/{group_id}/keys/{new['id']}")
    assert revoked.status_code == 204
    refused = await measure(http, new["apikey"])
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]

    async def both_dead_lettered() -> bool:
        return bool(await letters(http, "expired-apikey")) and bool(
            await letters(http, "revoked-apikey")
        )

    await eventually(both_dead_lettered)
    (letter,) = await letters(http, "revoked-apikey")
    assert new["apikey"] not in letter["endpoint"]
    states = {
        k["id"]: k["status"] for k in (await http.get(f"/iot/services/{group_id}")).json()["keys"]
    }
    assert states == {old_entry["id"]: "expired", new["id"]: "revoked"}


async def test_issue_without_grace_keeps_the_old_key(http: httpx.AsyncClient) -> None:
    old = unique("k")
    group_id = await provision(http, waste_group(old), [waste_device("bin1", old)])
    issued = await http.post(f"/iot/services/{group_id}/keys")
    assert issued.status_code == 201
    assert (await measure(http, old)).status_code == 200
    assert (await measure(http, issued.json()["apikey"])).status_code == 200


async def test_key_errors(http: httpx.AsyncClient) -> None:
    key = unique("k")
    group_id = await provision(http, waste_group(key), [])
    missing = await http.delete(f"/iot/services/{group_id}/keys/nope")
    assert missing.status_code == 404
    unknown_group = await http.post("/iot/services/nope/keys", json={})
    assert unknown_group.status_code == 404
    bad = await http.post(f"/iot/services/{group_id}/keys", json={"grace": -1})
    assert bad.status_code == 400
    other_tenant = await http.post(
        f"/iot/services/{group_id}/keys", json={}, headers={"NGSILD-Tenant": "other"}
    )
    assert other_tenant.status_code == 404


async def test_provisioning_with_a_revoked_key_is_refused(http: httpx.AsyncClient) -> None:
    key = unique("k")
    group_id = await provision(http, waste_group(key), [])
    (first,) = (await http.get(f"/iot/services/{group_id}/keys")).json()["keys"]
    assert (await http.delete(f"/iot/services/{group_id}/keys/{first['id']}")).status_code == 204
    response = await http.post("/iot/devices", json=waste_device("bin9", key))
    assert response.status_code == 400
    assert "revoked" in response.json()["detail"]


async def test_replacing_the_key_with_put_revokes_the_old_one(http: httpx.AsyncClient) -> None:
    old, new = unique("k"), unique("k")
    group_id = await provision(http, waste_group(old), [waste_device("bin1", old)])
    issued = (await http.post(f"/iot/services/{group_id}/keys")).json()
    # the same key (or another valid one of the group) keeps every key
    assert (await http.put(f"/iot/services/{group_id}", json=waste_group(old))).status_code == 204
    assert (await measure(http, issued["apikey"])).status_code == 200
    # a new key replaces them all
    assert (await http.put(f"/iot/services/{group_id}", json=waste_group(new))).status_code == 204
    assert (await measure(http, new)).status_code == 200
    assert (await measure(http, old)).status_code == 401
    assert (await measure(http, issued["apikey"])).status_code == 401


async def test_rate_limit_answers_429_per_key(http: httpx.AsyncClient, app: Starlette) -> None:
    key = unique("k")
    limited = waste_group(key, rate_limit={"per_second": 1, "burst": 2})
    group_id = await provision(http, limited, [waste_device("bin1", key)])
    assert (await http.get(f"/iot/services/{group_id}")).json()["rate_limit"] == {
        "per_second": 1.0,
        "burst": 2,
    }
    registry = agent_of(app).registry
    now = [5_000.0]
    registry.clock = lambda: now[0]
    assert [(await measure(http, key)).status_code for _ in range(2)] == [200, 200]
    over = await measure(http, key)
    assert over.status_code == 429
    assert over.json()["type"] == ERRORS + "TooManyRequests"
    ul = await http.post(f"/iot/d?k={key}&i=bin1", content=b"f|10")
    assert ul.status_code == 429

    other = (await http.post(f"/iot/services/{group_id}/keys")).json()["apikey"]
    assert (await measure(http, other)).status_code == 200  # each key has its own bucket

    now[0] += 1.0
    assert (await measure(http, key)).status_code == 200
    assert (await measure(http, key)).status_code == 429
    assert agent_of(app).stats.rejected["rate-limited"] == 3


@pytest.fixture
def mqtt_url() -> str:
    return f"memory://keys-{uuid.uuid4().hex[:8]}"


async def test_mqtt_over_the_limit_is_dead_lettered(
    http: httpx.AsyncClient, app: Starlette, settings: Settings
) -> None:
    key = unique("k")
    limited = waste_group(key, rate_limit={"per_second": 0.001, "burst": 1})
    await provision(http, limited, [waste_device("bin1", key)])
    assert settings.mqtt_url is not None
    broker = MemoryBroker.named(settings.mqtt_url.removeprefix("memory://"))
    for value in (10, 20, 30):
        await broker.publish(f"/{key}/bin1/attrs", orjson.dumps({"f": value}))

    async def two_limited() -> bool:
        return len(await letters(http, "rate-limited")) == 2

    await eventually(two_limited)
    letter = (await letters(http, "rate-limited"))[0]
    assert letter["transport"] == "memory"
    assert key not in letter["endpoint"]
    assert "burst 1" in letter["detail"]


async def test_groups_stored_with_one_key_still_work(
    store: Store, app: Starlette, http: httpx.AsyncClient
) -> None:
    key = unique("legacy")
    legacy = {
        "entity_type": "WasteContainer",
        "apikey_sha256": hash_apikey(key),
        "created_at": "2026-01-01T00:00:00.000000Z",
        "modified_at": "2026-01-01T00:00:00.000000Z",
    }
    await put_documents(store, "", [(GROUPS, "legacygroup", legacy)])  # as add_groups did
    registry = agent_of(app).registry
    await registry.load()

    (listed,) = (await http.get("/iot/services/legacygroup/keys")).json()["keys"]
    assert listed["id"] == LEGACY_KEY_ID and listed["status"] == "active"
    device = {"device_id": "old1", "apikey": key}
    assert (await http.post("/iot/devices", json=device)).status_code == 201
    assert (await http.post(f"/iot/json?k={key}&i=old1", json={"x": 1})).status_code == 200

    issued = await http.post("/iot/services/legacygroup/keys", json={"grace": 0})
    assert issued.status_code == 201
    stored = await store.get_document("", GROUPS, "legacygroup")
    assert stored is not None and "apikey_sha256" not in stored
    assert [k["id"] for k in stored["keys"]] == [LEGACY_KEY_ID, issued.json()["id"]]
    assert (await http.post(f"/iot/json?k={key}&i=old1", json={"x": 2})).status_code == 401


def test_token_bucket() -> None:
    bucket = TokenBucket.full(RateLimit(per_second=2, burst=3), now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.retry_after() == pytest.approx(0.5)
    assert bucket.take(0.5)
    assert not bucket.take(0.5)
    assert bucket.take(100.0)  # refilled, never beyond burst
    assert bucket.tokens == pytest.approx(2.0)
    assert bucket.take(99.0)  # a clock step back neither refills nor fails
    assert bucket.tokens == pytest.approx(1.0)
