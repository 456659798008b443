"""HTTP tests of /entityOperations create|upsert|update|merge|delete (§6.14-§6.31), both stores."""

from __future__ import annotations

import httpx

from tests.api.conftest import JSON_HEADERS, LD_HEADERS, LINK, TEST_CONTEXT, create, vehicle


def cars(*numbers: int) -> list[dict[str, object]]:
    return [vehicle(f"urn:ngsi-ld:Vehicle:B{n}") for n in numbers]


async def test_batch_create_all_ok(client: httpx.AsyncClient) -> None:
    response = await client.post("/entityOperations/create", json=cars(1, 2), headers=JSON_HEADERS)
    assert response.status_code == 201, response.text
    assert response.json() == ["urn:ngsi-ld:Vehicle:B1", "urn:ngsi-ld:Vehicle:B2"]


async def test_batch_create_partial_207(client: httpx.AsyncClient) -> None:
    await create(client, vehicle("urn:ngsi-ld:Vehicle:B1"))
    body = [*cars(1, 2), {"id": "bad id", "type": "Vehicle"}]
    response = await client.post("/entityOperations/create", json=body, headers=JSON_HEADERS)
    assert response.status_code == 207, response.text
    result = response.json()
    assert result["success"] == ["urn:ngsi-ld:Vehicle:B2"]
    errors = {e["entityId"]: e["error"]["type"] for e in result["errors"]}
    assert errors["urn:ngsi-ld:Vehicle:B1"].endswith("AlreadyExists")
    assert errors["bad id"].endswith("BadRequestData")


async def test_batch_create_ld_json_each_with_context(client: httpx.AsyncClient) -> None:
    body = [{**car, "@context": TEST_CONTEXT} for car in cars(1, 2)]
    response = await client.post("/entityOperations/create", json=body, headers=LD_HEADERS)
    assert response.status_code == 201, response.text
    got = (await client.get("/entities/urn:ngsi-ld:Vehicle:B2", headers=LINK)).json()
    assert got["type"] == "Vehicle"


async def test_batch_upsert_replace_and_update(client: httpx.AsyncClient) -> None:
    first = await client.post("/entityOperations/upsert", json=cars(1, 2), headers=JSON_HEADERS)
    assert first.status_code == 201
    assert sorted(first.json()) == ["urn:ngsi-ld:Vehicle:B1", "urn:ngsi-ld:Vehicle:B2"]
    change = [
        {
            "id": "urn:ngsi-ld:Vehicle:B1",
            "type": "Vehicle",
            "fuelLevel": {"type": "Property", "value": 5},
        }
    ]
    replaced = await client.post("/entityOperations/upsert", json=change, headers=JSON_HEADERS)
    assert replaced.status_code == 204, replaced.text
    got = (await client.get("/entities/urn:ngsi-ld:Vehicle:B1", headers=LINK)).json()
    assert "speed" not in got and got["fuelLevel"]["value"] == 5
    change[0]["id"] = "urn:ngsi-ld:Vehicle:B2"
    updated = await client.post(
        "/entityOperations/upsert?options=update", json=change, headers=JSON_HEADERS
    )
    assert updated.status_code == 204
    got = (await client.get("/entities/urn:ngsi-ld:Vehicle:B2", headers=LINK)).json()
    assert got["speed"]["value"] == 80 and got["fuelLevel"]["value"] == 5


async def test_batch_update(client: httpx.AsyncClient) -> None:
    await client.post("/entityOperations/create", json=cars(1), headers=JSON_HEADERS)
    change = [
        {
            "id": "urn:ngsi-ld:Vehicle:B1",
            "type": "Vehicle",
            "speed": {"type": "Property", "value": 1},
        },
        {
            "id": "urn:ngsi-ld:Vehicle:B9",
            "type": "Vehicle",
            "speed": {"type": "Property", "value": 1},
        },
    ]
    response = await client.post("/entityOperations/update", json=change, headers=JSON_HEADERS)
    assert response.status_code == 207
    result = response.json()
    assert result["success"] == ["urn:ngsi-ld:Vehicle:B1"]
    assert result["errors"][0]["error"]["type"].endswith("ResourceNotFound")
    got = (await client.get("/entities/urn:ngsi-ld:Vehicle:B1", headers=LINK)).json()
    assert got["speed"]["value"] == 1


async def test_batch_merge(client: httpx.AsyncClient) -> None:
    await client.post("/entityOperations/create", json=cars(1), headers=JSON_HEADERS)
    change = [
        {
            "id": "urn:ngsi-ld:Vehicle:B1",
            "type": "Vehicle",
            "brandName": "urn:ngsi-ld:null",
            "speed": {"type": "Property", "value": 3},
        }
    ]
    response = await client.post("/entityOperations/merge", json=change, headers=JSON_HEADERS)
    assert response.status_code == 204, response.text
    got = (await client.get("/entities/urn:ngsi-ld:Vehicle:B1", headers=LINK)).json()
    assert "brandName" not in got and got["speed"]["value"] == 3


async def test_batch_delete(client: httpx.AsyncClient) -> None:
    await client.post("/entityOperations/create", json=cars(1, 2), headers=JSON_HEADERS)
    ok = await client.post(
        "/entityOperations/delete", json=["urn:ngsi-ld:Vehicle:B1"], headers=JSON_HEADERS
    )
    assert ok.status_code == 204
    partial = await client.post(
        "/entityOperations/delete",
        json=["urn:ngsi-ld:Vehicle:B1", "urn:ngsi-ld:Vehicle:B2"],
        headers=JSON_HEADERS,
    )
    assert partial.status_code == 207
    assert partial.json()["success"] == ["urn:ngsi-ld:Vehicle:B2"]


async def test_batch_body_must_be_array(client: httpx.AsyncClient) -> None:
    response = await client.post("/entityOperations/create", json=vehicle(), headers=JSON_HEADERS)
    assert response.status_code == 400
