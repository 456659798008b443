"""HTTP tests of /entities and attribute operations (ETSI GS CIM 009 §6.4-§6.7), both stores."""

from __future__ import annotations

import httpx

from tests.api.conftest import (
    JSON_HEADERS,
    LD_HEADERS,
    LINK,
    SUITE,
    TEST_CONTEXT,
    assert_problem,
    create,
    vehicle,
)

VID = "urn:ngsi-ld:Vehicle:A1"


async def test_create_returns_location_and_retrieve_compacts(client: httpx.AsyncClient) -> None:
    response = await create(client, vehicle())
    assert response.headers["location"] == f"/ngsi-ld/v1/entities/{VID}"
    got = await client.get(f"/entities/{VID}", headers=LINK)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/json")
    assert TEST_CONTEXT in got.headers["link"]
    body = got.json()
    assert body["id"] == VID
    assert body["type"] == "Vehicle"
    assert body["brandName"] == {"type": "Property", "value": "Mercedes"}
    assert body["speed"]["observedAt"] == "2026-11-25T01:00:00Z"
    assert body["location"]["value"]["coordinates"] == [127.29, 36.48]
    assert "createdAt" not in body


async def test_retrieve_without_user_context_shows_expanded_names(
    client: httpx.AsyncClient,
) -> None:
    await create(client, vehicle())
    body = (await client.get(f"/entities/{VID}")).json()
    assert body["type"] == SUITE + "Vehicle"
    assert SUITE + "speed" in body
    assert "location" in body  # a core term stays short


async def test_create_with_ld_json_body_context(client: httpx.AsyncClient) -> None:
    entity = {**vehicle(), "@context": TEST_CONTEXT}
    response = await client.post("/entities", json=entity, headers=LD_HEADERS)
    assert response.status_code == 201, response.text
    got = await client.get(f"/entities/{VID}", headers={**LINK, "Accept": "application/ld+json"})
    assert got.headers["content-type"].startswith("application/ld+json")
    assert "link" not in got.headers
    assert got.json()["@context"] in (TEST_CONTEXT, [TEST_CONTEXT])
    assert got.json()["type"] == "Vehicle"


async def test_create_duplicate_is_409(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    again = await client.post("/entities", json=vehicle(), headers=JSON_HEADERS)
    assert_problem(again, 409, "AlreadyExists")


async def test_create_rejects_bad_input(client: httpx.AsyncClient) -> None:
    bad_json = await client.post("/entities", content=b"{not json", headers=JSON_HEADERS)
    assert_problem(bad_json, 400, "InvalidRequest")
    no_id = vehicle()
    del no_id["id"]
    assert_problem(
        await client.post("/entities", json=no_id, headers=JSON_HEADERS), 400, "BadRequestData"
    )
    bad_id = vehicle("not a uri")
    assert_problem(
        await client.post("/entities", json=bad_id, headers=JSON_HEADERS), 400, "BadRequestData"
    )
    no_type = vehicle()
    del no_type["type"]
    assert_problem(
        await client.post("/entities", json=no_type, headers=JSON_HEADERS), 400, "BadRequestData"
    )
    not_object = await client.post("/entities", json=[1, 2], headers=JSON_HEADERS)
    assert not_object.status_code == 400


async def test_content_type_and_context_placement_rules(client: httpx.AsyncClient) -> None:
    text = await client.post("/entities", content=b"{}", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    ld_without_context = await client.post("/entities", json=vehicle(), headers=LD_HEADERS)
    assert_problem(ld_without_context, 400, "BadRequestData")
    json_with_body_context = await client.post(
        "/entities", json={**vehicle(), "@context": TEST_CONTEXT}, headers=JSON_HEADERS
    )
    assert_problem(json_with_body_context, 400, "BadRequestData")
    ld_with_link = await client.post(
        "/entities", json={**vehicle(), "@context": TEST_CONTEXT}, headers={**LD_HEADERS, **LINK}
    )
    assert_problem(ld_with_link, 400, "BadRequestData")


async def test_unknown_context_is_503(client: httpx.AsyncClient) -> None:
    headers = {
        "Content-Type": "application/json",
        "Link": '<https://example.invalid/ctx.jsonld>; rel="http://www.w3.org/ns/json-ld#context"',
    }
    response = await client.post("/entities", json=vehicle(), headers=headers)
    assert_problem(response, 503, "LdContextNotAvailable")


async def test_retrieve_missing_and_invalid(client: httpx.AsyncClient) -> None:
    missing = await client.get("/entities/urn:ngsi-ld:Vehicle:none")
    assert_problem(missing, 404, "ResourceNotFound")
    invalid = await client.get("/entities/notauri")
    assert_problem(invalid, 400, "BadRequestData")


async def test_not_acceptable(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    response = await client.get(f"/entities/{VID}", headers={"Accept": "text/html"})
    assert response.status_code == 406


async def test_retrieve_options(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    kv = (await client.get(f"/entities/{VID}?options=keyValues", headers=LINK)).json()
    assert kv["brandName"] == "Mercedes"
    assert kv["speed"] == 80
    assert kv["location"] == {"type": "Point", "coordinates": [127.29, 36.48]}
    simplified = (await client.get(f"/entities/{VID}?format=simplified", headers=LINK)).json()
    assert simplified == kv
    sys_attrs = (await client.get(f"/entities/{VID}?options=sysAttrs", headers=LINK)).json()
    assert sys_attrs["createdAt"].endswith("Z")
    assert "modifiedAt" in sys_attrs["speed"]
    only = (await client.get(f"/entities/{VID}?attrs=speed", headers=LINK)).json()
    assert "speed" in only and "brandName" not in only and only["id"] == VID
    picked = (await client.get(f"/entities/{VID}?pick=id,brandName", headers=LINK)).json()
    assert set(picked) == {"id", "brandName"}
    omitted = (await client.get(f"/entities/{VID}?omit=speed,location", headers=LINK)).json()
    assert "speed" not in omitted and "brandName" in omitted
    both = await client.get(f"/entities/{VID}?pick=id&omit=speed", headers=LINK)
    assert_problem(both, 400, "BadRequestData")


async def test_retrieve_geojson(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    got = await client.get(f"/entities/{VID}", headers={**LINK, "Accept": "application/geo+json"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/geo+json")
    feature = got.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == VID
    assert feature["geometry"] == {"type": "Point", "coordinates": [127.29, 36.48]}


async def test_replace_entity(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    before = (await client.get(f"/entities/{VID}?options=sysAttrs", headers=LINK)).json()
    replacement = {"id": VID, "type": "Vehicle", "fuelLevel": {"type": "Property", "value": 3}}
    response = await client.put(f"/entities/{VID}", json=replacement, headers=JSON_HEADERS)
    assert response.status_code == 204, response.text
    after = (await client.get(f"/entities/{VID}?options=sysAttrs", headers=LINK)).json()
    assert "speed" not in after and after["fuelLevel"]["value"] == 3
    assert after["createdAt"] == before["createdAt"]
    missing = await client.put(
        "/entities/urn:ngsi-ld:Vehicle:none",
        json={**replacement, "id": "urn:ngsi-ld:Vehicle:none"},
        headers=JSON_HEADERS,
    )
    assert_problem(missing, 404, "ResourceNotFound")


async def test_merge_entity_with_null_deletes(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    patch = {
        "speed": {"type": "Property", "value": 55},
        "brandName": "urn:ngsi-ld:null",
        "fuelLevel": {"type": "Property", "value": 9},
    }
    response = await client.patch(f"/entities/{VID}", json=patch, headers=JSON_HEADERS)
    assert response.status_code == 204, response.text
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"]["value"] == 55
    assert "brandName" not in body
    assert body["fuelLevel"]["value"] == 9
    missing = await client.patch(
        "/entities/urn:ngsi-ld:Vehicle:none", json=patch, headers=JSON_HEADERS
    )
    assert_problem(missing, 404, "ResourceNotFound")


async def test_delete_entity(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    assert (await client.delete(f"/entities/{VID}")).status_code == 204
    assert_problem(await client.get(f"/entities/{VID}"), 404, "ResourceNotFound")
    assert_problem(await client.delete(f"/entities/{VID}"), 404, "ResourceNotFound")


async def test_append_attributes_and_no_overwrite(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    new = {"fuelLevel": {"type": "Property", "value": 40}}
    response = await client.post(f"/entities/{VID}/attrs", json=new, headers=JSON_HEADERS)
    assert response.status_code == 204, response.text
    keep = {"speed": {"type": "Property", "value": 1}, "name": {"type": "Property", "value": "x"}}
    partial = await client.post(
        f"/entities/{VID}/attrs?options=noOverwrite", json=keep, headers=JSON_HEADERS
    )
    assert partial.status_code == 207, partial.text
    result = partial.json()
    assert "speed" in [n["attributeName"] for n in result["notUpdated"]]
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"]["value"] == 80 and body["fuelLevel"]["value"] == 40


async def test_update_attributes_only_existing(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    patch = {
        "speed": {"type": "Property", "value": 99},
        "fuelLevel": {"type": "Property", "value": 1},
    }
    response = await client.patch(f"/entities/{VID}/attrs", json=patch, headers=JSON_HEADERS)
    assert response.status_code == 207, response.text
    assert [n["attributeName"] for n in response.json()["notUpdated"]] == ["fuelLevel"]
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"]["value"] == 99 and "fuelLevel" not in body


async def test_attribute_level_operations(client: httpx.AsyncClient) -> None:
    await create(client, vehicle())
    response = await client.patch(
        f"/entities/{VID}/attrs/speed", json={"value": 12}, headers=JSON_HEADERS
    )
    assert response.status_code == 204, response.text
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"]["value"] == 12
    replaced = await client.put(
        f"/entities/{VID}/attrs/speed",
        json={"type": "Property", "value": 7, "unitCode": "KMH"},
        headers=JSON_HEADERS,
    )
    assert replaced.status_code == 204, replaced.text
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"] == {"type": "Property", "value": 7, "unitCode": "KMH"}
    missing = await client.patch(
        f"/entities/{VID}/attrs/fuelLevel", json={"value": 1}, headers=JSON_HEADERS
    )
    assert_problem(missing, 404, "ResourceNotFound")
    deleted = await client.delete(f"/entities/{VID}/attrs/speed", headers=LINK)
    assert deleted.status_code == 204
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert "speed" not in body
    again = await client.delete(f"/entities/{VID}/attrs/speed", headers=LINK)
    assert_problem(again, 404, "ResourceNotFound")


async def test_multi_attribute_dataset_ids(client: httpx.AsyncClient) -> None:
    speeds = [
        {"type": "Property", "value": 80},
        {"type": "Property", "value": 82, "datasetId": "urn:ngsi-ld:Dataset:gps"},
    ]
    await create(client, vehicle(speed=speeds))
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert isinstance(body["speed"], list) and len(body["speed"]) == 2
    deleted = await client.delete(
        f"/entities/{VID}/attrs/speed?datasetId=urn:ngsi-ld:Dataset:gps", headers=LINK
    )
    assert deleted.status_code == 204
    body = (await client.get(f"/entities/{VID}", headers=LINK)).json()
    assert body["speed"] == {"type": "Property", "value": 80}


async def test_unknown_tenant_and_tenant_isolation(client: httpx.AsyncClient) -> None:
    unknown = await client.get(f"/entities/{VID}", headers={"NGSILD-Tenant": "nowhere"})
    assert_problem(unknown, 404, "NonexistentTenant")
    await create(client, vehicle(), **{"NGSILD-Tenant": "sejong"})
    in_tenant = await client.get(f"/entities/{VID}", headers={**LINK, "NGSILD-Tenant": "sejong"})
    assert in_tenant.status_code == 200
    default = await client.get(f"/entities/{VID}", headers=LINK)
    assert_problem(default, 404, "ResourceNotFound")


async def test_wrong_method_and_path_are_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/")
