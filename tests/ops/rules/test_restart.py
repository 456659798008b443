"""Evaluation state survives a restart of the whole app on the same store."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.ops.rules import RuleEngine
from dosi.settings import Settings
from dosi.store import Store
from tests.ops.rules.conftest import Recorder

GAUGE = "urn:ngsi-ld:WaterLevelObserved:g1"
RULES: list[dict[str, Any]] = [
    {
        "id": "high-water",
        "name": {"en": "High water"},
        "entity_type": "WaterLevelObserved",
        "attribute": "waterLevel",
        "category": "flood",
        "condition": {"kind": "threshold", "value": 3.0, "clear": 2.8},
    },
    {
        "id": "rising",
        "name": {"en": "Rising fast"},
        "entity_type": "WaterLevelObserved",
        "attribute": "waterLevel",
        "category": "flood",
        "condition": {"kind": "rate", "change": 5, "window": "1h"},
    },
]


def client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://dosi.test")


async def level(http: httpx.AsyncClient, value: float) -> None:
    response = await http.patch(
        f"/ngsi-ld/v1/entities/{GAUGE}/attrs",
        json={"waterLevel": {"type": "Property", "value": value}},
    )
    assert response.status_code == 204, response.text


async def test_state_survives_a_restart(store: Store, settings: Settings) -> None:
    first = create_app(settings, store=store)
    async with first.router.lifespan_context(first), client(first) as http:
        sink = Recorder()
        first.state.rules.sink = sink
        for body in RULES:
            assert (await http.post("/ops/rules", json=body)).status_code == 201
        gauge = {
            "id": GAUGE,
            "type": "WaterLevelObserved",
            "waterLevel": {"type": "Property", "value": 3.4},
        }
        assert (await http.post("/ngsi-ld/v1/entities", json=gauge)).status_code == 201
        await sink.wait_for(1)
        await level(http, 2.9)  # in the band: no signal, written only when the engine stops

    second = create_app(settings, store=store)
    async with second.router.lifespan_context(second), client(second) as http:
        engine: RuleEngine = second.state.rules
        sink = Recorder()
        engine.sink = sink
        (state,) = (await http.get("/ops/rules/high-water/state")).json()["states"]
        assert state["active"] is True and state["values"] == {"waterLevel": 2.9}
        (rising,) = engine.book.of_rule("", "rising")
        assert [value for _, value in rising.samples] == [2.9]  # the window's lowest so far
        await level(http, 3.3)  # still the same alarm: no second fire
        await level(http, 2.5)  # leaves the band
        await sink.wait_for(1)
        assert [(s.key, s.clear) for s in sink.signals] == [(f"rule:high-water:{GAUGE}", True)]
        assert sink.signals[0].source == "rule:high-water@1"
