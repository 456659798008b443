"""HTTP tests of the temporal API (§6.18-§6.24) on both stores."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import JSON_HEADERS, LINK, assert_problem, create, vehicle

VID = "urn:ngsi-ld:Vehicle:T1"


def series() -> dict[str, Any]:
    """Speeds at 00:00, 00:30, 01:00, 01:30 and 02:00 on 2026-11-24 (hourly avg 15, 35, 50)."""
    speeds = [10, 20, 30, 40, 50]
    times = ["00:00", "00:30", "01:00", "01:30", "02:00"]
    return {
        "id": VID,
        "type": "Vehicle",
        "speed": [
            {"type": "Property", "value": v, "observedAt": f"2026-11-24T{t}:00Z"}
            for v, t in zip(speeds, times, strict=True)
        ],
        "brandName": [{"type": "Property", "value": "Kia", "observedAt": "2026-11-24T00:00:00Z"}],
    }


@pytest.fixture
async def history(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await client.post("/temporal/entities", json=series(), headers=JSON_HEADERS)
    assert response.status_code == 201, response.text
    return client


async def test_create_keeps_every_instance_and_current_state(history: httpx.AsyncClient) -> None:
    got = (await history.get(f"/temporal/entities/{VID}", headers=LINK)).json()
    assert [i["value"] for i in got["speed"]] == [10, 20, 30, 40, 50]
    assert all(i["instanceId"].startswith("urn:ngsi-ld:") for i in got["speed"])
    current = (await history.get(f"/entities/{VID}", headers=LINK)).json()
    assert current["speed"]["value"] == 50
    again = await history.post("/temporal/entities", json=series(), headers=JSON_HEADERS)
    assert again.status_code == 204


async def test_timerel_and_last_n(history: httpx.AsyncClient) -> None:
    base = f"/temporal/entities/{VID}"

    async def speeds(params: dict[str, str]) -> list[int]:
        response = await history.get(base, params={"attrs": "speed", **params}, headers=LINK)
        assert response.status_code == 200, response.text
        return [i["value"] for i in response.json().get("speed", [])]

    assert await speeds({"timerel": "before", "timeAt": "2026-11-24T01:00:00Z"}) == [10, 20]
    assert await speeds({"timerel": "after", "timeAt": "2026-11-24T01:00:00Z"}) == [30, 40, 50]
    between = {
        "timerel": "between",
        "timeAt": "2026-11-24T00:30:00Z",
        "endTimeAt": "2026-11-24T01:30:00Z",
    }
    assert await speeds(between) == [20, 30]
    assert await speeds({"lastN": "2"}) == [40, 50]


async def test_temporal_values(history: httpx.AsyncClient) -> None:
    got = (
        await history.get(
            f"/temporal/entities/{VID}",
            params={"options": "temporalValues", "attrs": "speed"},
            headers=LINK,
        )
    ).json()
    assert got["speed"]["type"] == "Property"
    assert got["speed"]["values"][0] == [10, "2026-11-24T00:00:00Z"]
    assert len(got["speed"]["values"]) == 5


async def test_aggregated_values_hourly(history: httpx.AsyncClient) -> None:
    params = {
        "options": "aggregatedValues",
        "aggrMethods": "avg,min,max,sum,sumsq,totalCount,stddev,distinctCount",
        "aggrPeriodDuration": "PT1H",
        "attrs": "speed",
        "timerel": "between",
        "timeAt": "2026-11-24T00:00:00Z",
        "endTimeAt": "2026-11-24T03:00:00Z",
    }
    got = (await history.get(f"/temporal/entities/{VID}", params=params, headers=LINK)).json()
    speed = got["speed"]
    assert [a[0] for a in speed["avg"]] == [15, 35, 50]
    assert [a[0] for a in speed["min"]] == [10, 30, 50]
    assert [a[0] for a in speed["max"]] == [20, 40, 50]
    assert [a[0] for a in speed["sum"]] == [30, 70, 50]
    assert [a[0] for a in speed["sumsq"]] == [500, 2500, 2500]
    assert [a[0] for a in speed["totalCount"]] == [2, 2, 1]
    assert [a[0] for a in speed["distinctCount"]] == [2, 2, 1]
    assert speed["avg"][1][1:] == ["2026-11-24T01:00:00Z", "2026-11-24T02:00:00Z"]
    assert speed["stddev"][0][0] == pytest.approx(7.0710678)
    whole = {**params, "aggrPeriodDuration": "P0D", "aggrMethods": "avg"}
    got = (await history.get(f"/temporal/entities/{VID}", params=whole, headers=LINK)).json()
    assert [a[0] for a in got["speed"]["avg"]] == [30]


async def test_history_from_ordinary_updates(client: httpx.AsyncClient) -> None:
    await create(client, vehicle(VID))
    for value in (81, 82):
        patch = {"speed": {"type": "Property", "value": value}}
        response = await client.patch(f"/entities/{VID}/attrs", json=patch, headers=JSON_HEADERS)
        assert response.status_code == 204
    got = (
        await client.get(
            f"/temporal/entities/{VID}",
            params={"timeproperty": "modifiedAt", "attrs": "speed"},
            headers=LINK,
        )
    ).json()
    assert [i["value"] for i in got["speed"]] == [80, 81, 82]


async def test_query_temporal_entities(history: httpx.AsyncClient) -> None:
    params = {
        "type": "Vehicle",
        "timerel": "after",
        "timeAt": "2026-11-24T01:30:00Z",
        "attrs": "speed",
        "count": "true",
    }
    response = await history.get("/temporal/entities", params=params, headers=LINK)
    assert response.status_code == 200, response.text
    assert response.headers["NGSILD-Results-Count"] == "1"
    assert [i["value"] for i in response.json()[0]["speed"]] == [40, 50]
    query = {
        "type": "Query",
        "entities": [{"type": "Vehicle"}],
        "attrs": ["speed"],
        "temporalQ": {"timerel": "before", "timeAt": "2026-11-24T00:15:00Z"},
    }
    posted = await history.post(
        "/temporal/entityOperations/query", json=query, headers=JSON_HEADERS
    )
    assert [i["value"] for i in posted.json()[0]["speed"]] == [10]


async def test_append_modify_delete_instances(history: httpx.AsyncClient) -> None:
    base = f"/temporal/entities/{VID}"
    more = {"speed": [{"type": "Property", "value": 60, "observedAt": "2026-11-24T02:30:00Z"}]}
    assert (await history.post(f"{base}/attrs", json=more, headers=JSON_HEADERS)).status_code == 204
    got = (await history.get(base, params={"attrs": "speed"}, headers=LINK)).json()
    assert [i["value"] for i in got["speed"]][-1] == 60
    first = got["speed"][0]["instanceId"]
    changed = {"type": "Property", "value": 11, "observedAt": "2026-11-24T00:00:00Z"}
    response = await history.patch(
        f"{base}/attrs/speed/{first}", json=changed, headers=JSON_HEADERS
    )
    assert response.status_code == 204, response.text
    got = (await history.get(base, params={"attrs": "speed"}, headers=LINK)).json()
    assert got["speed"][0]["value"] == 11
    assert (await history.delete(f"{base}/attrs/speed/{first}", headers=LINK)).status_code == 204
    got = (await history.get(base, params={"attrs": "speed"}, headers=LINK)).json()
    assert len(got["speed"]) == 5
    missing = await history.delete(f"{base}/attrs/speed/{first}", headers=LINK)
    assert_problem(missing, 404, "ResourceNotFound")
    assert (await history.delete(f"{base}/attrs/brandName", headers=LINK)).status_code == 204
    got = (await history.get(base, headers=LINK)).json()
    assert "brandName" not in got
    assert (await history.delete(base)).status_code == 204
    assert_problem(await history.get(base), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    "params",
    [
        {"timerel": "before"},
        {"timerel": "soon", "timeAt": "2026-11-24T00:00:00Z"},
        {"timerel": "between", "timeAt": "2026-11-24T00:00:00Z"},
        {"timeAt": "2026-11-24T00:00:00Z"},
        {"timerel": "after", "timeAt": "yesterday"},
        {"lastN": "0"},
        {"options": "aggregatedValues"},
        {"options": "aggregatedValues", "aggrMethods": "median"},
        {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "1 hour"},
    ],
)
async def test_invalid_temporal_parameters(
    history: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await history.get(f"/temporal/entities/{VID}", params=params, headers=LINK)
    assert_problem(response, 400, "BadRequestData")
