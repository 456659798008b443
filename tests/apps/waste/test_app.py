"""The waste app through the real platform, on both stores, with simulator bins:
history in through the temporal API, a plan out through /apps/waste, routes readable
as NGSI-LD entities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.apps.loader import discover, order
from dosi.apps.waste.service import PlanRequest
from dosi.errors import BadRequestData
from dosi.settings import Settings
from dosi.store import Store
from tests.apps.waste.simdata import WASTE, temporal_bins

HEADERS = {"Content-Type": "application/json", "Link": link_header(WASTE)}
APP_SETTINGS = {"waste": {"trucks": 2, "time_limit": 0.5, "history_days": 10}}


async def load_bins(http: httpx.AsyncClient, bins: list[dict[str, Any]]) -> None:
    for entity in bins:
        response = await http.post("/ngsi-ld/v1/temporal/entities", json=entity, headers=HEADERS)
        assert response.status_code in (201, 204), response.text


async def test_plan_end_to_end(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, apps=["waste"], app_settings=APP_SETTINGS)
    app = create_app(settings, store=store)
    bins = temporal_bins(bins=12, days=5)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert app.state.apps.failed == {}
        missing = await http.get("/apps/waste/plan/latest")
        assert missing.status_code == 404
        assert missing.json()["type"].endswith("ResourceNotFound")
        await load_bins(http, bins)

        response = await http.post(
            "/apps/waste/plan", json={"date": "2026-11-07", "threshold": 0.6, "timeLimit": 0.5}
        )
        assert response.status_code == 201, response.text
        plan = response.json()
        assert plan["plannedFor"] == "2026-11-07"
        assert plan["containers"] == 12
        assert plan["trucks"] == 2 and plan["threshold"] == 0.6
        assert 0 < plan["due"] <= 12
        assert plan["collected"] + len(plan["dropped"]) == plan["due"]
        assert plan["distance"] > 0
        routed = [s["id"] for r in plan["routes"] for s in r["stops"]]
        assert len(routed) == len(set(routed)) == plan["collected"]
        assert all(0.0 <= s["level"] <= 1.0 for r in plan["routes"] for s in r["stops"])

        latest = await http.get("/apps/waste/plan/latest")
        assert latest.json() == plan
        shapes = await http.get("/apps/waste/plan/latest/routes.geojson")
        assert shapes.headers["content-type"].startswith("application/geo+json")
        assert shapes.json()["type"] == "FeatureCollection"
        sheet = await http.get("/apps/waste/plan/latest/sheet.html", params={"lang": "ko"})
        assert sheet.status_code == 200 and "쓰레기 수거 경로표" in sheet.text

        got = await http.get(
            "/ngsi-ld/v1/entities",
            params={"type": "CollectionRoute"},
            headers={"Link": link_header(WASTE)},
        )
        assert got.status_code == 200, got.text
        entities = {e["id"]: e for e in got.json()}
        assert set(entities) == {r["id"] for r in plan["routes"]}
        for route in plan["routes"]:
            entity = entities[route["id"]]
            assert entity["distance"]["value"] == route["distance"]
            assert entity["plannedFor"]["value"] == "2026-11-07"
            assert entity["refVehicle"]["object"] == route["vehicle"]
            if route["stops"]:
                listed = entity["refWasteContainers"]["objectList"]
                objects = [o["object"] if isinstance(o, dict) else o for o in listed]
                assert objects == [s["id"] for s in route["stops"]]
                assert entity["location"]["value"]["type"] == "LineString"

        bad = await http.post("/apps/waste/plan", json={"trucks": 0})
        assert bad.status_code == 400
        assert bad.json()["type"].endswith("BadRequestData")
        assert (await http.post("/apps/waste/plan", content=b"[1]")).status_code == 400


async def test_query_parameters_and_tenants(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, apps=["waste"], app_settings=APP_SETTINGS)
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.post(
            "/apps/waste/plan", params={"date": "2026-11-07", "trucks": "3", "timeLimit": "0.2"}
        )
        assert response.status_code == 201, response.text
        plan = response.json()
        assert plan["containers"] == plan["due"] == 0
        assert len(plan["routes"]) == 3
        other = await http.get("/apps/waste/plan/latest", headers={"NGSILD-Tenant": "other"})
        assert other.status_code == 404


def test_plan_request_parsing() -> None:
    parsed = PlanRequest.parse({"date": "2026-11-07", "trucks": "4", "time_limit": 2})
    assert parsed.trucks == 4 and parsed.time_limit == 2.0
    for bad in ({"date": "tomorrow"}, {"threshold": 1.5}, {"capacity": 0}, {"timeLimit": -1}):
        with pytest.raises(BadRequestData):
            PlanRequest.parse(bad)


def test_manifest() -> None:
    manifests = discover()
    assert "waste" in manifests
    assert [m.domain for m in order(["waste"], manifests)] == ["waste"]
    assert "WasteContainer" in manifests["waste"].entity_types
