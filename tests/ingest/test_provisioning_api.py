"""The provisioning REST API: service groups and devices, per tenant, on both stores."""

from __future__ import annotations

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from dosi.ingest.const import DEVICES, GROUPS
from dosi.ingest.registry import hash_apikey
from tests.ingest.conftest import (
    agent_of,
    entity,
    provision,
    unique,
    waste_device,
    waste_group,
)

PROBLEM = "https://uri.etsi.org/ngsi-ld/errors/"


def assert_problem(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == PROBLEM + kind
    assert body["title"] and body["detail"]


async def test_group_lifecycle(http: httpx.AsyncClient, app: Starlette) -> None:
    key = unique("k")
    created = await http.post("/iot/services", json=waste_group(key, commands=["empty"]))
    assert created.status_code == 201
    (group_id,) = created.json()["ids"]
    assert created.headers["location"] == f"/iot/services/{group_id}"

    got = (await http.get(f"/iot/services/{group_id}")).json()
    assert got["entity_type"] == "WasteContainer"
    assert got["attributes"][0]["expression"] == "value / 100"
    assert "apikey" not in got and "apikey_sha256" not in got

    listed = (await http.get("/iot/services")).json()
    assert [g["id"] for g in listed["services"]] == [group_id]
    assert (await http.get("/iot/services", params={"apikey": key})).json()["count"] == 1
    assert (await http.get("/iot/services", params={"apikey": "other"})).json()["count"] == 0

    replaced = await http.put(f"/iot/services/{group_id}", json=waste_group(key, entity_type="Bin"))
    assert replaced.status_code == 204
    assert (await http.get(f"/iot/services/{group_id}")).json()["entity_type"] == "Bin"

    assert (await http.delete(f"/iot/services/{group_id}")).status_code == 204
    assert_problem(await http.get(f"/iot/services/{group_id}"), 404, "ResourceNotFound")
    assert_problem(await http.delete(f"/iot/services/{group_id}"), 404, "ResourceNotFound")


async def test_only_a_hash_of_the_key_is_stored(http: httpx.AsyncClient, app: Starlette) -> None:
    key = unique("secret")
    group_id = await provision(http, waste_group(key), [waste_device("d1", key)])
    store = agent_of(app).registry.store
    group_doc = await store.get_document("", GROUPS, group_id)
    device_doc = await store.get_document("", DEVICES, "d1")
    assert group_doc is not None and device_doc is not None
    assert [k["sha256"] for k in group_doc["keys"]] == [hash_apikey(key)]
    for doc in (group_doc, device_doc):
        assert key not in orjson.dumps(doc).decode()


async def test_duplicate_apikey_is_refused_in_any_tenant(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key), [])
    assert_problem(await http.post("/iot/services", json=waste_group(key)), 409, "AlreadyExists")
    other = await http.post("/iot/services", json=waste_group(key), headers={"NGSILD-Tenant": "t2"})
    assert_problem(other, 409, "AlreadyExists")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"entity_type": "X"}, "apikey"),
        ({"apikey": "ab/cd", "entity_type": "X"}, "apikey"),
        ({"apikey": "abcd1234", "entity_type": "X", "unknown": 1}, "unknown"),
        (
            {
                "apikey": "abcd1234",
                "entity_type": "X",
                "attributes": [{"name": "t", "expression": "__import__('os')"}],
            },
            "expression",
        ),
        (
            {
                "apikey": "abcd1234",
                "entity_type": "X",
                "attributes": [{"name": "t", "value_type": "Text", "expression": "value"}],
            },
            "numeric",
        ),
        (
            {
                "apikey": "abcd1234",
                "entity_type": "X",
                "attributes": [{"name": "t", "min": 5, "max": 1}],
            },
            "min",
        ),
        (
            {
                "apikey": "abcd1234",
                "entity_type": "X",
                "attributes": [{"name": "t"}, {"name": "t"}],
            },
            "once",
        ),
        ({"apikey": "abcd1234", "entity_type": "X", "static_attributes": {"a": None}}, "null"),
        ({"apikey": "abcd1234", "entity_type": "X", "commands": ["a b"]}, "command"),
        ({"apikey": "abcd1234", "entity_type": "X", "context": "not a url"}, "context"),
    ],
)
async def test_bad_group_bodies(
    http: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    response = await http.post("/iot/services", json=body)
    assert_problem(response, 400, "BadRequestData")
    assert fragment in response.json()["detail"]


async def test_unknown_context_and_bad_json(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/iot/services",
        json={
            "apikey": "abcd1234",
            "entity_type": "X",
            "context": "https://example.org/none.jsonld",
        },
    )
    assert_problem(response, 503, "LdContextNotAvailable")
    response = await http.post(
        "/iot/services", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "InvalidRequest")


async def test_devices_create_their_entities(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key, commands=["empty"]), [])
    response = await http.post("/iot/devices", json=waste_device("bin-7", key))
    assert response.status_code == 201
    assert response.headers["location"] == "/iot/devices/bin-7"
    device = (await http.get("/iot/devices/bin-7")).json()
    assert device["entity_id"] == "urn:ngsi-ld:WasteContainer:bin-7"
    assert "apikey" not in device
    body = await entity(http, "urn:ngsi-ld:WasteContainer:bin-7")
    assert body["type"] == "WasteContainer"
    assert body["name"]["value"] == "Hansol bin 1"
    assert body["location"]["value"]["coordinates"] == [127.29, 36.48]
    assert body["empty"]["value"] == ""  # the command attribute, ready to be set


async def test_bulk_devices_are_all_or_nothing(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key), [waste_device("a", key)])
    batch = {"devices": [waste_device("b", key), waste_device("a", key)]}
    response = await http.post("/iot/devices", json=batch)
    assert_problem(response, 409, "AlreadyExists")
    assert (await http.get("/iot/devices/b")).status_code == 404
    assert (
        await http.post("/iot/devices", json=batch, params={"upsert": "true"})
    ).status_code == 201
    assert (await http.get("/iot/devices/b")).status_code == 200
    twice = {"devices": [waste_device("c", key), waste_device("c", key)]}
    assert_problem(await http.post("/iot/devices", json=twice), 400, "BadRequestData")


@pytest.mark.parametrize(
    "body",
    [
        {"device_id": "x"},
        {"device_id": "x", "apikey": "k", "group": "g"},
        {"device_id": "x y", "apikey": "k"},
        {"device_id": "x", "apikey": "nope-no-group"},
        {"device_id": "x", "group": "nope"},
        {"device_id": "x", "apikey": "k", "entity_id": "no uri"},
        {"device_id": "x", "apikey": "k", "endpoint": "ftp://device"},
    ],
)
async def test_bad_device_bodies(http: httpx.AsyncClient, body: dict[str, object]) -> None:
    assert_problem(await http.post("/iot/devices", json=body), 400, "BadRequestData")


async def test_device_listing_pages_with_a_cursor(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key), [waste_device(f"dev-{i:02d}", key) for i in range(5)])
    first = await http.get("/iot/devices", params={"limit": 2})
    assert [d["device_id"] for d in first.json()["devices"]] == ["dev-00", "dev-01"]
    link = first.headers["link"]
    assert 'rel="next"' in link
    second = await http.get(link[1 : link.index(">")])
    assert [d["device_id"] for d in second.json()["devices"]] == ["dev-02", "dev-03"]
    assert_problem(await http.get("/iot/devices", params={"limit": 0}), 400, "BadRequestData")


async def test_replace_and_delete_device(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key), [waste_device("d", key)])
    new = waste_device("d", key, entity_id="urn:ngsi-ld:WasteContainer:renamed")
    assert (await http.put("/iot/devices/d", json=new)).status_code == 204
    assert (await http.get("/iot/devices/d")).json()["entity_id"].endswith(":renamed")
    await entity(http, "urn:ngsi-ld:WasteContainer:renamed")
    assert_problem(await http.put("/iot/devices/e", json=new), 400, "BadRequestData")
    assert (await http.delete("/iot/devices/d")).status_code == 204
    assert_problem(await http.get("/iot/devices/d"), 404, "ResourceNotFound")
    await entity(http, "urn:ngsi-ld:WasteContainer:renamed")  # the entity stays


async def test_tenants_are_separate(http: httpx.AsyncClient) -> None:
    key = unique("k")
    await provision(http, waste_group(key), [waste_device("d", key)], tenant="city2")
    assert (await http.get("/iot/services")).json()["count"] == 0
    assert (await http.get("/iot/devices/d")).status_code == 404
    got = await http.get("/iot/devices/d", headers={"NGSILD-Tenant": "city2"})
    assert got.status_code == 200


async def test_openapi_describes_the_routes(http: httpx.AsyncClient) -> None:
    doc = (await http.get("/iot/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    for path in ("/iot/services", "/iot/devices", "/iot/json", "/iot/d", "/iot/deadletters"):
        assert path in doc["paths"]
    schemas = doc["components"]["schemas"]
    assert {"ServiceGroupIn", "DeviceIn", "AttributeMapping", "ProblemDetails"} <= set(schemas)
    assert "expression" in schemas["AttributeMapping"]["properties"]
    refs = orjson.dumps(doc).decode()
    for name in ("ServiceGroupIn", "DeviceList", "DeadLetter"):
        assert f"#/components/schemas/{name}" in refs
