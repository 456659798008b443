"""The HTTP API of incidents, the CAP feed and the linked services, on the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.ops.cap import NS, validate
from dosi.ops.incidents.atom import ATOM
from dosi.ops.incidents.const import ALERT_CONTEXT
from dosi.ops.signals import SIGNALS
from dosi.settings import LinkedServiceSettings, Settings
from dosi.store import Store
from tests.ops.incidents.conftest import ops_settings

JSON = {"Content-Type": "application/json"}
FLOOD = {
    "category": "flood",
    "severity": "major",
    "title": {"ko": "하천 범람", "zh": "河水漫溢", "en": "River overflow"},
    "location": {"type": "Point", "coordinates": [127.289, 36.48]},
    "areaName": "Hansol-dong",
}


@pytest.fixture
async def client(store: Store, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    adapters = {
        "disaster": LinkedServiceSettings(
            kind="disaster",
            url="http://127.0.0.1:9/none",
            secret=SecretStr("s"),
            categories=["flood"],
        )
    }
    ops = ops_settings(adapters=adapters, delivery_attempts=1)
    app = create_app(Settings(data_dir=tmp_path, ops=ops), store=store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://dosi.test") as http,
    ):
        assert app.state.registry[SIGNALS] is app.state.incidents
        yield http
        await app.state.incidents.drain()


async def create(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/ops/incidents", json={**FLOOD, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"/ops/incidents/{body['id']}"
    return body


async def test_create_list_get_and_filter(client: httpx.AsyncClient) -> None:
    flood = await create(client)
    fire = await create(client, category="fire", severity="minor")
    assert flood["state"] == "detected" and flood["sopProgress"] == {"done": 0, "total": 5}
    listed = (await client.get("/ops/incidents")).json()
    assert {i["id"] for i in listed} == {flood["id"], fire["id"]}
    only = (await client.get("/ops/incidents", params={"category": "fire"})).json()
    assert [i["id"] for i in only] == [fire["id"]]
    only = (await client.get("/ops/incidents", params={"severity": "major"})).json()
    assert [i["id"] for i in only] == [flood["id"]]
    assert (await client.get("/ops/incidents", params={"state": "closed"})).json() == []
    got = (await client.get(f"/ops/incidents/{flood['id']}")).json()
    assert got["title"]["ko"] == "하천 범람"
    missing = await client.get("/ops/incidents/urn:ngsi-ld:Alert:none")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("ResourceNotFound")
    bad = await client.post("/ops/incidents", json={"category": "meteor", "title": "x"})
    assert bad.status_code == 400
    # the incident is an NGSI-LD entity like any other
    entity = await client.get(
        f"/ngsi-ld/v1/entities/{flood['id']}", headers={"Link": link_header(ALERT_CONTEXT)}
    )
    assert entity.status_code == 200
    assert entity.json()["type"] == "Alert" and entity.json()["severity"]["value"] == "major"


async def test_lifecycle_over_http(client: httpx.AsyncClient) -> None:
    incident = await create(client, category="crime", severity="minor")
    path = f"/ops/incidents/{incident['id']}"
    refused = await client.post(f"{path}/resolve")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "https://uri.etsi.org/ngsi-ld/errors/Conflict"
    assert "allowed: acknowledged, false-alarm" in problem["detail"]
    assert refused.headers["content-type"].startswith("application/json")
    for action, state in (
        ("acknowledge", "acknowledged"),
        ("dispatch", "dispatched"),
        ("resolve", "resolved"),
        ("close", "closed"),
    ):
        response = await client.post(f"{path}/{action}", json={})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
    again = await client.post(f"{path}/acknowledge")
    assert again.status_code == 409 and "final" in again.json()["detail"]
    assert (await client.post(f"{path}/explode")).status_code == 400
    other = await create(client, category="crime", severity="minor")
    response = await client.post(f"/ops/incidents/{other['id']}/false-alarm")
    assert response.json()["state"] == "false-alarm"


async def test_assign_comment_sop_and_audit_over_http(client: httpx.AsyncClient) -> None:
    incident = await create(client)
    path = f"/ops/incidents/{incident['id']}"
    assigned = await client.post(f"{path}/assign", json={"assignee": "lee"})
    assert assigned.json()["assignee"] == "lee"
    comment = await client.post(f"{path}/comments", json={"text": "water over the road"})
    assert comment.status_code == 201
    assert [c["text"] for c in (await client.get(f"{path}/comments")).json()] == [
        "water over the road"
    ]
    step = await client.patch(f"{path}/sop/gauges", json={"done": True})
    assert step.json()["progress"] == {"done": 1, "total": 5}
    assert (await client.patch(f"{path}/sop/nope", json={"done": True})).status_code == 404
    assert (await client.patch(f"{path}/sop/gauges", json={"done": "yes"})).status_code == 400
    assert (await client.get(path)).json()["sopProgress"] == {"done": 1, "total": 5}
    procedure = (await client.get(f"{path}/sop")).json()
    assert procedure["progress"] == {"done": 1, "total": 5}
    first = procedure["steps"][0]
    assert first["item"] == "gauges" and first["done"] and first["by"] == "anonymous"
    assert set(first["text"]) == {"ko", "zh", "en"}
    trail = (await client.get(f"{path}/audit")).json()
    assert [e["action"] for e in trail] == [
        "created",
        "cap:Alert",
        "assigned",
        "comment",
        "sop:gauges",
    ]
    assert trail[0]["actor"] == "anonymous"  # authentication is off in this test


async def test_cap_feed_and_messages_over_http(client: httpx.AsyncClient) -> None:
    flood = await create(client)
    quiet = await create(client, category="waste", severity="minor")
    preview = await client.get(f"/ops/incidents/{flood['id']}/cap")
    assert preview.headers["content-type"] == "application/cap+xml"
    validate(preview.content)
    atom = await client.get("/ops/cap/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    tree = etree.fromstring(atom.content)
    entries = tree.findall(f"{{{ATOM}}}entry")
    assert len(entries) == 1
    href = entries[0].find(f"{{{ATOM}}}link").get("href")
    assert href.startswith("http://dosi.test/ops/cap/alerts/")
    xml = await client.get(href.removeprefix("http://dosi.test"))
    assert xml.status_code == 200 and xml.headers["content-type"] == "application/cap+xml"
    validate(xml.content)
    languages = [e.text for e in etree.fromstring(xml.content).iter(f"{{{NS}}}language")]
    assert languages == ["ko-KR", "zh-CN", "en-US"]
    assert (await client.get("/ops/cap/alerts/none.xml")).status_code == 404
    await client.post(f"/ops/incidents/{flood['id']}/false-alarm")
    tree = etree.fromstring((await client.get("/ops/cap/feed.atom")).content)
    assert tree.findall(f"{{{ATOM}}}entry") == []
    assert quiet["state"] == "detected"


async def test_services_and_signals_over_http(client: httpx.AsyncClient) -> None:
    signal = {
        "source": "app:flood",
        "key": "gauge-1",
        "category": "flood",
        "severity": "warning",
        "title": {"ko": "수위 상승", "zh": "水位上升", "en": "Water rising"},
        "observedAt": "2026-11-25T01:00:00+00:00",
        "readings": {"height": 3.1},
    }
    first = await client.post("/ops/incidents/signals", json=signal)
    second = await client.post("/ops/incidents/signals", json=signal)
    assert first.status_code == 202 and first.json() == second.json()
    incident = (await client.get(f"/ops/incidents/{first.json()['incident']}")).json()
    assert incident["count"] == 2
    assert (await client.post("/ops/incidents/signals", json={"key": "x"})).status_code == 400
    await client.post(f"/ops/incidents/{incident['id']}/acknowledge")
    await client.post(f"/ops/incidents/{incident['id']}/dispatch", json={"services": ["disaster"]})
    overview = (await client.get("/ops/services")).json()
    assert overview["adapters"] == [
        {
            "name": "disaster",
            "kind": "disaster",
            "url": "http://127.0.0.1:9/none",
            "categories": ["flood"],
            "auto": ["escalation"],
        }
    ]
    assert "secret" not in str(overview)
    assert (await client.get("/ops/services/nope")).status_code == 404
    assert (await client.get("/ops/services/disaster")).json()["name"] == "disaster"
