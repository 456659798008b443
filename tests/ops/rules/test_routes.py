"""The /ops/rules API: CRUD, versions, state, validation and ProblemDetails, on both stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.ops.rules import RuleEngine
from dosi.settings import Settings
from dosi.store import Store
from tests.ops.rules.conftest import Recorder

PROBLEM = "https://uri.etsi.org/ngsi-ld/errors/"
RULE: dict[str, Any] = {
    "id": "high-water",
    "name": {"en": "High water", "ko": "높은 수위"},
    "entity_type": "WaterLevelObserved",
    "attribute": "waterLevel",
    "category": "flood",
    "severity": "major",
    "condition": {"kind": "threshold", "value": 3.0, "clear": 2.8},
}
YAML = """
id: quiet-gauge
name: {en: Gauge silent}
entity_type: WaterLevelObserved
category: infrastructure
condition:
  kind: heartbeat
  silence: 15m
active:
  timezone: Asia/Seoul
  windows: [{days: [mon, tue], start: 22:00, end: 06:00}]
"""


@pytest.fixture
async def app(store: Store, settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings, store=store)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://dosi.test") as client:
        yield client


def assert_problem(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"].endswith(kind), body
    assert body["title"] and body["detail"]
    detail: str = body["detail"]
    return detail


async def test_rule_lifecycle_with_versions(http: httpx.AsyncClient) -> None:
    created = await http.post("/ops/rules", json=RULE)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/ops/rules/high-water"
    assert created.json()["version"] == 1
    assert [r["id"] for r in (await http.get("/ops/rules")).json()] == ["high-water"]

    got = (await http.get("/ops/rules/high-water")).json()
    assert got["condition"] == {"kind": "threshold", "operator": ">", "value": 3.0, "clear": 2.8}
    assert "expanded" not in got

    got["severity"] = "critical"  # GET, edit, PUT back (server fields included)
    replaced = await http.put("/ops/rules/high-water", json=got)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["version"] == 2 and replaced.json()["severity"] == "critical"

    stale = await http.put("/ops/rules/high-water", json=got)  # still says version 1
    assert "version 2" in assert_problem(stale, 409, "Conflict")

    patched = await http.patch("/ops/rules/high-water", json={"enabled": False})
    assert patched.json()["version"] == 3 and patched.json()["enabled"] is False

    versions = (await http.get("/ops/rules/high-water/versions")).json()
    assert [(v["version"], v["severity"], v["enabled"]) for v in versions] == [
        (1, "major", True),
        (2, "critical", True),
        (3, "critical", False),
    ]
    state = (await http.get("/ops/rules/high-water/state")).json()
    assert state == {"rule": "high-water", "version": 3, "states": []}

    assert (await http.delete("/ops/rules/high-water")).status_code == 204
    assert_problem(await http.get("/ops/rules/high-water"), 404, "ResourceNotFound")
    assert_problem(await http.get("/ops/rules/high-water/versions"), 404, "ResourceNotFound")
    assert_problem(await http.delete("/ops/rules/high-water"), 404, "ResourceNotFound")


async def test_yaml_and_tenants(http: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/yaml", "NGSILD-Tenant": "sejong"}
    created = await http.post("/ops/rules", content=YAML.encode(), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["tenant"] == "sejong" and body["condition"]["silence"] == "15m"
    assert body["active"]["windows"][0]["start"] == "22:00:00"
    assert (await http.get("/ops/rules")).json() == []
    listed = (await http.get("/ops/rules", headers={"NGSILD-Tenant": "sejong"})).json()
    assert [r["id"] for r in listed] == ["quiet-gauge"]
    patch = await http.patch(
        "/ops/rules/quiet-gauge",
        content=b"severity: critical\nactive: null\n",
        headers=headers,
    )
    assert patch.status_code == 200, patch.text
    assert patch.json()["severity"] == "critical" and "active" not in patch.json()


BAD_BODIES: list[tuple[bytes, str, int, str]] = [
    (b'{"id": ', "application/json", 400, "InvalidRequest"),
    (b"id: [oops", "application/yaml", 400, "InvalidRequest"),
    (b"a: &x 1\nb: *x", "application/yaml", 400, "InvalidRequest"),
    (b"\xff\xfe\x00", "application/yaml", 400, "InvalidRequest"),
    (b"", "application/json", 400, "BadRequestData"),
    (b"[]", "application/json", 400, "BadRequestData"),
    (b"just text", "application/yaml", 400, "BadRequestData"),
    (b"{}", "text/plain", 415, "UnsupportedMediaType"),
    (b'{"id": "x"}', "application/json", 400, "BadRequestData"),
]
BAD_CONDITIONS: list[tuple[dict[str, Any], str]] = [
    ({"kind": "teleport"}, "condition"),
    ({"kind": "held", "value": 1, "duration": "an hour"}, "duration"),
    ({"kind": "heartbeat", "silence": "-1m"}, "silence"),
    ({"kind": "rate", "change": 1, "window": "P9999D"}, "window"),
    ({"kind": "threshold", "value": "high"}, "value"),
]


async def test_bad_bodies_are_problems(http: httpx.AsyncClient) -> None:
    for content, content_type, status, kind in BAD_BODIES:
        headers = {"Content-Type": content_type}
        for path in ("/ops/rules", "/ops/rules/validate"):
            assert_problem(await http.post(path, content=content, headers=headers), status, kind)


async def test_invalid_rules_are_bad_request_data(http: httpx.AsyncClient) -> None:
    for condition, fragment in BAD_CONDITIONS:
        for path in ("/ops/rules", "/ops/rules/validate"):
            response = await http.post(path, json={**RULE, "condition": condition})
            assert fragment in assert_problem(response, 400, "BadRequestData")
    assert (await http.get("/ops/rules")).json() == []


async def test_validate_is_a_dry_run(http: httpx.AsyncClient) -> None:
    response = await http.post("/ops/rules/validate", json=RULE)
    assert response.status_code == 200, response.text
    assert response.json()["expanded"] == {
        "type": "https://uri.etsi.org/ngsi-ld/default-context/WaterLevelObserved",
        "attribute": "https://uri.etsi.org/ngsi-ld/default-context/waterLevel",
    }
    assert (await http.get("/ops/rules")).json() == []


async def test_refusals(http: httpx.AsyncClient) -> None:
    assert (await http.post("/ops/rules", json=RULE)).status_code == 201
    assert_problem(await http.post("/ops/rules", json=RULE), 409, "AlreadyExists")
    other = {**RULE, "id": "other"}
    assert "URL" in assert_problem(
        await http.put("/ops/rules/high-water", json=other), 400, "BadRequestData"
    )
    assert_problem(await http.put("/ops/rules/nope", json={**RULE, "id": "nope"}), 404, "Found")
    assert_problem(
        await http.patch("/ops/rules/high-water", json={"entity_type": "X"}), 400, "BadRequestData"
    )
    assert_problem(
        await http.patch("/ops/rules/high-water", json={"condition": {"kind": "x"}}),
        400,
        "BadRequestData",
    )
    assert_problem(await http.patch("/ops/rules/high-water", json=[]), 400, "BadRequestData")
    assert_problem(
        await http.post("/ops/rules", json={**RULE, "tenant": "x"}), 400, "BadRequestData"
    )


async def test_rules_fire_on_entities_written_through_the_api(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    engine: RuleEngine = app.state.rules
    sink = Recorder()
    engine.sink = sink
    assert (await http.post("/ops/rules", json=RULE)).status_code == 201
    gauge = {
        "id": "urn:ngsi-ld:WaterLevelObserved:g1",
        "type": "WaterLevelObserved",
        "waterLevel": {"type": "Property", "value": 3.4},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [127, 36]}},
    }
    assert (await http.post("/ngsi-ld/v1/entities", json=gauge)).status_code == 201
    await sink.wait_for(1)
    signal = sink.signals[0]
    assert signal.key == "rule:high-water:urn:ngsi-ld:WaterLevelObserved:g1"
    assert signal.readings == {"waterLevel": 3.4}
    assert signal.location == {"type": "Point", "coordinates": [127, 36]}
    states = (await http.get("/ops/rules/high-water/state")).json()["states"]
    assert [(s["subject"], s["active"]) for s in states] == [(gauge["id"], True)]
