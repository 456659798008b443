"""HTTP tests of GET /entities and POST /entityOperations/query (§6.4.3.2, §6.23), both stores."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import JSON_HEADERS, LINK, assert_problem, vehicle

# Sejong city hall area; each step of 0.01° longitude is ~900 m at this latitude.
BASE_LON, BASE_LAT = 127.289, 36.480


def fleet() -> list[dict[str, Any]]:
    cars = []
    for i in range(12):
        car = vehicle(
            f"urn:ngsi-ld:Vehicle:{i:03d}",
            speed={"type": "Property", "value": i * 10},
            brandName={"type": "Property", "value": "Hyundai" if i % 2 else "Kia"},
            location={
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [BASE_LON + i * 0.01, BASE_LAT]},
            },
        )
        if i % 3 == 0:
            car["scope"] = "/Sejong/Hansol"
        cars.append(car)
    cars.append(
        {
            "id": "urn:ngsi-ld:Building:B1",
            "type": "Building",
            "name": {"type": "Property", "value": "City Hall"},
            "location": {
                "type": "GeoProperty",
                "value": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [127.28, 36.47],
                            [127.30, 36.47],
                            [127.30, 36.49],
                            [127.28, 36.49],
                            [127.28, 36.47],
                        ]
                    ],
                },
            },
        }
    )
    return cars


@pytest.fixture
async def loaded(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await client.post("/entityOperations/create", json=fleet(), headers=JSON_HEADERS)
    assert response.status_code == 201, response.text
    return client


async def ids(client: httpx.AsyncClient, params: dict[str, str]) -> list[str]:
    response = await client.get("/entities", params=params, headers=LINK)
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()]


async def test_query_by_type_orders_by_id(loaded: httpx.AsyncClient) -> None:
    found = await ids(loaded, {"type": "Vehicle", "limit": "100"})
    assert found == [f"urn:ngsi-ld:Vehicle:{i:03d}" for i in range(12)]
    both = await ids(loaded, {"type": "Vehicle,Building", "limit": "100"})
    assert len(both) == 13


async def test_query_needs_a_filter(loaded: httpx.AsyncClient) -> None:
    assert_problem(await loaded.get("/entities", headers=LINK), 400, "BadRequestData")
    everything = await ids(loaded, {"local": "true", "limit": "100"})
    assert len(everything) == 13


async def test_query_by_id_and_pattern(loaded: httpx.AsyncClient) -> None:
    chosen = await ids(loaded, {"id": "urn:ngsi-ld:Vehicle:001,urn:ngsi-ld:Vehicle:005"})
    assert chosen == ["urn:ngsi-ld:Vehicle:001", "urn:ngsi-ld:Vehicle:005"]
    pattern = await ids(loaded, {"idPattern": "Vehicle:00[2-4]$"})
    assert pattern == [f"urn:ngsi-ld:Vehicle:00{i}" for i in (2, 3, 4)]
    bad = await loaded.get("/entities", params={"idPattern": "(unclosed"}, headers=LINK)
    assert_problem(bad, 400, "BadRequestData")


async def test_query_q(loaded: httpx.AsyncClient) -> None:
    fast = await ids(loaded, {"type": "Vehicle", "q": "speed>90"})
    assert fast == ["urn:ngsi-ld:Vehicle:010", "urn:ngsi-ld:Vehicle:011"]
    combo = await ids(loaded, {"type": "Vehicle", "q": 'speed>=50;brandName=="Kia"'})
    assert combo == [
        "urn:ngsi-ld:Vehicle:006",
        "urn:ngsi-ld:Vehicle:008",
        "urn:ngsi-ld:Vehicle:010",
    ]
    ranged = await ids(loaded, {"type": "Vehicle", "q": "speed==20..40"})
    assert len(ranged) == 3
    either = await ids(loaded, {"type": "Vehicle", "q": "(speed<10|speed>100)"})
    assert either == ["urn:ngsi-ld:Vehicle:000", "urn:ngsi-ld:Vehicle:011"]
    bad = await loaded.get("/entities", params={"type": "Vehicle", "q": "speed>>"}, headers=LINK)
    assert bad.status_code == 400


async def test_query_attrs_filter_and_projection(loaded: httpx.AsyncClient) -> None:
    response = await loaded.get("/entities", params={"attrs": "name"}, headers=LINK)
    body = response.json()
    assert [e["id"] for e in body] == ["urn:ngsi-ld:Building:B1"]
    assert set(body[0]) == {"id", "type", "name"}


async def test_query_scope(loaded: httpx.AsyncClient) -> None:
    scoped = await ids(loaded, {"scopeQ": "/Sejong/#"})
    assert scoped == [f"urn:ngsi-ld:Vehicle:{i:03d}" for i in (0, 3, 6, 9)]


async def test_geo_near(loaded: httpx.AsyncClient) -> None:
    params = {
        "type": "Vehicle",
        "georel": "near;maxDistance==2000",
        "geometry": "Point",
        "coordinates": json.dumps([BASE_LON, BASE_LAT]),
    }
    near = await ids(loaded, params)
    assert near == [f"urn:ngsi-ld:Vehicle:{i:03d}" for i in (0, 1, 2)]


async def test_geo_within_polygon(loaded: httpx.AsyncClient) -> None:
    polygon = [
        [[127.285, 36.47], [127.305, 36.47], [127.305, 36.49], [127.285, 36.49], [127.285, 36.47]]
    ]
    params = {
        "type": "Vehicle",
        "georel": "within",
        "geometry": "Polygon",
        "coordinates": json.dumps(polygon),
    }
    assert await ids(loaded, params) == [f"urn:ngsi-ld:Vehicle:{i:03d}" for i in (0, 1)]
    bad = await loaded.get(
        "/entities", params={"type": "Vehicle", "georel": "within"}, headers=LINK
    )
    assert_problem(bad, 400, "BadRequestData")


async def test_pagination_is_stable_and_counted(loaded: httpx.AsyncClient) -> None:
    seen: list[str] = []
    for offset in range(0, 12, 5):
        response = await loaded.get(
            "/entities",
            params={"type": "Vehicle", "limit": "5", "offset": str(offset), "count": "true"},
            headers=LINK,
        )
        assert response.headers["NGSILD-Results-Count"] == "12"
        seen += [e["id"] for e in response.json()]
    assert seen == sorted(set(seen)) and len(seen) == 12
    only_count = await loaded.get(
        "/entities", params={"type": "Vehicle", "limit": "0", "count": "true"}, headers=LINK
    )
    assert only_count.json() == [] and only_count.headers["NGSILD-Results-Count"] == "12"


async def test_pagination_limits(loaded: httpx.AsyncClient) -> None:
    too_many = await loaded.get(
        "/entities", params={"type": "Vehicle", "limit": "1000"}, headers=LINK
    )
    assert_problem(too_many, 403, "TooManyResults")
    negative = await loaded.get(
        "/entities", params={"type": "Vehicle", "offset": "-1"}, headers=LINK
    )
    assert_problem(negative, 400, "BadRequestData")
    zero = await loaded.get("/entities", params={"type": "Vehicle", "limit": "0"}, headers=LINK)
    assert_problem(zero, 400, "BadRequestData")


async def test_query_geojson_feature_collection(loaded: httpx.AsyncClient) -> None:
    response = await loaded.get(
        "/entities",
        params={"type": "Vehicle", "limit": "3"},
        headers={**LINK, "Accept": "application/geo+json"},
    )
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [
        f"urn:ngsi-ld:Vehicle:{i:03d}" for i in range(3)
    ]


async def test_post_query(loaded: httpx.AsyncClient) -> None:
    query = {
        "type": "Query",
        "entities": [{"type": "Vehicle"}],
        "q": "speed>90",
        "attrs": ["speed"],
    }
    response = await loaded.post("/entityOperations/query", json=query, headers=JSON_HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["id"] for e in body] == ["urn:ngsi-ld:Vehicle:010", "urn:ngsi-ld:Vehicle:011"]
    assert set(body[0]) == {"id", "type", "speed"}
    geo = {
        "type": "Query",
        "entities": [{"type": "Vehicle"}],
        "geoQ": {
            "georel": "near;maxDistance==1000",
            "geometry": "Point",
            "coordinates": [BASE_LON, BASE_LAT],
        },
    }
    near = await loaded.post("/entityOperations/query", json=geo, headers=JSON_HEADERS)
    assert [e["id"] for e in near.json()] == ["urn:ngsi-ld:Vehicle:000", "urn:ngsi-ld:Vehicle:001"]
    not_query = await loaded.post("/entityOperations/query", json={"q": "x"}, headers=JSON_HEADERS)
    assert_problem(not_query, 400, "BadRequestData")


async def test_query_unknown_tenant(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/entities", params={"type": "Vehicle"}, headers={**LINK, "NGSILD-Tenant": "ghost"}
    )
    assert_problem(response, 404, "NonexistentTenant")
