"""Tenant isolation over the whole NGSI-LD API, on both stores: a request in tenant B never
reads, changes or deletes what tenant A holds (entities, temporal evolution, subscriptions,
batch operations, type and attribute discovery).

Both tenants exist and hold data, so a refusal is isolation and not "unknown tenant".
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest

from tests.api.conftest import JSON_HEADERS, LINK, create, vehicle

A = {"NGSILD-Tenant": "tenant-a"}
B = {"NGSILD-Tenant": "tenant-b"}
VID = "urn:ngsi-ld:Vehicle:secret"
SUB = "urn:ngsi-ld:Subscription:a-only"


def h(tenant: Mapping[str, str], **more: str) -> dict[str, str]:
    return {**JSON_HEADERS, **tenant, **more}


@pytest.fixture
async def tenants(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await create(client, vehicle(VID), **A)
    assert response.status_code == 201, response.text
    other = {
        "id": "urn:ngsi-ld:Parking:b1",
        "type": "Parking",
        "free": {"type": "Property", "value": 3},
    }
    assert (await create(client, other, **B)).status_code == 201
    subscription = {
        "id": SUB,
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/notify"}},
    }
    created = await client.post("/subscriptions", json=subscription, headers=h(A))
    assert created.status_code == 201, created.text
    return client


async def a_is_intact(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/entities/{VID}", headers={**LINK, **A})).json()
    assert body["brandName"]["value"] == "Mercedes"
    assert body["speed"]["value"] == 80
    assert (await client.get(f"/subscriptions/{SUB}", headers={**LINK, **A})).status_code == 200


async def test_entities_are_invisible_and_untouchable(tenants: httpx.AsyncClient) -> None:
    client = tenants
    assert (await client.get(f"/entities/{VID}", headers={**LINK, **B})).status_code == 404
    listed = await client.get("/entities", params={"type": "Vehicle"}, headers={**LINK, **B})
    assert listed.status_code == 200 and listed.json() == []
    near = await client.get(
        "/entities",
        params={
            "georel": "near;maxDistance==10000",
            "geometry": "Point",
            "coordinates": "[127.29,36.48]",
        },
        headers={**LINK, **B},
    )
    assert all(e["id"] != VID for e in near.json())
    patch = {"speed": {"type": "Property", "value": 1}}
    for response in (
        await client.patch(f"/entities/{VID}/attrs", json=patch, headers=h(B)),
        await client.patch(f"/entities/{VID}/attrs/speed", json=patch["speed"], headers=h(B)),
        await client.put(f"/entities/{VID}/attrs/speed", json=patch["speed"], headers=h(B)),
        await client.post(f"/entities/{VID}/attrs", json=patch, headers=h(B)),
        await client.patch(f"/entities/{VID}", json=patch, headers=h(B)),
        await client.put(f"/entities/{VID}", json={"type": "Vehicle", **patch}, headers=h(B)),
        await client.delete(f"/entities/{VID}/attrs/speed", headers={**LINK, **B}),
        await client.delete(f"/entities/{VID}", headers=B),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["type"].endswith("ResourceNotFound")
    await a_is_intact(client)


async def test_temporal_is_per_tenant(tenants: httpx.AsyncClient) -> None:
    client = tenants
    history = await client.get(f"/temporal/entities/{VID}", headers={**LINK, **A})
    assert history.status_code == 200
    assert (await client.get(f"/temporal/entities/{VID}", headers={**LINK, **B})).status_code == 404
    query = await client.get(
        "/temporal/entities",
        params={"type": "Vehicle", "timerel": "after", "timeAt": "2000-01-01T00:00:00Z"},
        headers={**LINK, **B},
    )
    assert query.status_code == 200 and query.json() == []
    posted = await client.post(
        "/temporal/entityOperations/query",
        json={
            "type": "Query",
            "entities": [{"type": "Vehicle"}],
            "temporalQ": {"timerel": "after", "timeAt": "2000-01-01T00:00:00Z"},
        },
        headers=h(B),
    )
    assert posted.status_code == 200 and posted.json() == []
    speed = [{"type": "Property", "value": 5, "observedAt": "2026-11-25T02:00:00Z"}]
    appended = await client.post(
        f"/temporal/entities/{VID}/attrs", json={"speed": speed}, headers=h(B)
    )
    assert appended.status_code == 404
    deleted = await client.delete(f"/temporal/entities/{VID}", headers=B)
    assert deleted.status_code == 404
    dropped = await client.delete(f"/temporal/entities/{VID}/attrs/speed", headers={**LINK, **B})
    assert dropped.status_code == 404
    after = await client.get(f"/temporal/entities/{VID}", headers={**LINK, **A})
    assert after.json() == history.json()


async def test_subscriptions_are_per_tenant(tenants: httpx.AsyncClient) -> None:
    client = tenants
    assert (await client.get("/subscriptions", headers={**LINK, **B})).json() == []
    assert (await client.get(f"/subscriptions/{SUB}", headers={**LINK, **B})).status_code == 404
    patched = await client.patch(f"/subscriptions/{SUB}", json={"isActive": False}, headers=h(B))
    assert patched.status_code == 404
    assert (await client.delete(f"/subscriptions/{SUB}", headers=B)).status_code == 404
    mine = (await client.get(f"/subscriptions/{SUB}", headers={**LINK, **A})).json()
    assert mine.get("isActive", True) is True
    await a_is_intact(client)


async def test_batch_operations_stay_in_their_tenant(tenants: httpx.AsyncClient) -> None:
    client = tenants
    patch = {"id": VID, "type": "Vehicle", "speed": {"type": "Property", "value": 1}}
    updated = await client.post("/entityOperations/update", json=[patch], headers=h(B))
    assert updated.status_code == 207
    assert [e["entityId"] for e in updated.json()["errors"]] == [VID]
    merged = await client.post("/entityOperations/merge", json=[patch], headers=h(B))
    assert merged.status_code == 207
    deleted = await client.post("/entityOperations/delete", json=[VID], headers=h(B))
    assert deleted.status_code == 207
    queried = await client.post(
        "/entityOperations/query",
        json={"type": "Query", "entities": [{"type": "Vehicle"}]},
        headers=h(B),
    )
    assert queried.status_code == 200 and queried.json() == []
    # an upsert of the same id in B makes B's own entity; A's is unchanged
    upserted = await client.post("/entityOperations/upsert", json=[patch], headers=h(B))
    assert upserted.status_code in (201, 204), upserted.text
    mine = (await client.get(f"/entities/{VID}", headers={**LINK, **B})).json()
    assert "brandName" not in mine
    await a_is_intact(client)


async def test_discovery_is_per_tenant(tenants: httpx.AsyncClient) -> None:
    client = tenants
    types_b = (await client.get("/types", headers={**LINK, **B})).json()
    assert "Parking" in str(types_b) and "Vehicle" not in str(types_b)
    assert "Vehicle" in str((await client.get("/types", headers={**LINK, **A})).json())
    assert (await client.get("/types/Vehicle", headers={**LINK, **B})).status_code == 404
    attrs_b = (await client.get("/attributes", headers={**LINK, **B})).json()
    assert "brandName" not in str(attrs_b)
    assert (await client.get("/attributes/brandName", headers={**LINK, **B})).status_code == 404
    detailed = await client.get("/types", params={"details": "true"}, headers={**LINK, **B})
    assert "Vehicle" not in detailed.text
