"""HTTP tests of /types and /attributes (§6.25-§6.28), both stores."""

from __future__ import annotations

import httpx

from tests.api.conftest import JSON_HEADERS, LINK, SUITE, assert_problem, vehicle


async def seed(client: httpx.AsyncClient) -> None:
    body = [
        vehicle("urn:ngsi-ld:Vehicle:D1"),
        vehicle("urn:ngsi-ld:Vehicle:D2", fuelLevel={"type": "Property", "value": 3}),
        {
            "id": "urn:ngsi-ld:Building:D3",
            "type": "Building",
            "name": {"type": "Property", "value": "Hall"},
        },
    ]
    response = await client.post("/entityOperations/create", json=body, headers=JSON_HEADERS)
    assert response.status_code == 201, response.text


async def test_types(client: httpx.AsyncClient) -> None:
    await seed(client)
    listing = (await client.get("/types", headers=LINK)).json()
    assert listing["type"] == "EntityTypeList"
    assert listing["id"].startswith("urn:ngsi-ld:EntityTypeList:")
    assert sorted(listing["typeList"]) == ["Building", "Vehicle"]
    details = (await client.get("/types?details=true", headers=LINK)).json()
    vehicle_type = next(t for t in details if t["typeName"] == "Vehicle")
    assert vehicle_type["id"] == SUITE + "Vehicle"
    assert vehicle_type["type"] == "EntityType"
    assert {"brandName", "speed", "location", "fuelLevel"} <= set(vehicle_type["attributeNames"])
    info = (await client.get("/types/Vehicle", headers=LINK)).json()
    assert info["type"] == "EntityTypeInfo" and info["entityCount"] == 2
    speed = next(a for a in info["attributeDetails"] if a["attributeName"] == "speed")
    assert speed["attributeTypes"] == ["Property"]
    assert_problem(await client.get("/types/Nothing", headers=LINK), 404, "ResourceNotFound")


async def test_attributes(client: httpx.AsyncClient) -> None:
    await seed(client)
    listing = (await client.get("/attributes", headers=LINK)).json()
    assert listing["type"] == "AttributeList"
    assert {"brandName", "speed", "location", "fuelLevel", "name"} <= set(listing["attributeList"])
    details = (await client.get("/attributes?details=true", headers=LINK)).json()
    speed = next(a for a in details if a["attributeName"] == "speed")
    assert speed["typeNames"] == ["Vehicle"]
    info = (await client.get("/attributes/speed", headers=LINK)).json()
    assert info["attributeCount"] == 2
    assert info["attributeTypes"] == ["Property"]
    location = (await client.get("/attributes/location", headers=LINK)).json()
    assert location["attributeTypes"] == ["GeoProperty"]
    assert_problem(await client.get("/attributes/nothing", headers=LINK), 404, "ResourceNotFound")


async def test_discovery_unknown_tenant(client: httpx.AsyncClient) -> None:
    response = await client.get("/types", headers={"NGSILD-Tenant": "ghost"})
    assert_problem(response, 404, "NonexistentTenant")
