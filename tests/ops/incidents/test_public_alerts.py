"""Public alerts: CAP 1.2 Alert, Update and Cancel in three languages, XSD-valid, listed
in the Atom feed while active and pushed to the CAP subscribers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.ops.cap import NS, validate
from dosi.ops.incidents import IncidentService
from dosi.ops.incidents.atom import ATOM, feed
from dosi.settings import OpsSettings, Settings
from dosi.store import Store
from tests.ops.incidents.conftest import Clock, Ops, ops_settings, signal

SUBSCRIBER = "http://cap-subscriber.test/inbox"
AREA = {
    "type": "Polygon",
    "coordinates": [[[127.28, 36.47], [127.30, 36.47], [127.30, 36.49], [127.28, 36.47]]],
}


@pytest.fixture
def settings() -> OpsSettings:
    return ops_settings(escalate_after={"major": 60.0, "minor": 60.0}, cap_subscribers=[SUBSCRIBER])


@pytest.fixture
async def pushed() -> list[httpx.Request]:
    return []


@pytest.fixture
async def ops(  # the shared fixture, with the CAP subscriber behind a mock transport
    store: Store, settings: OpsSettings, tmp_path: Path, pushed: list[httpx.Request]
) -> AsyncIterator[Ops]:
    def answer(request: httpx.Request) -> httpx.Response:
        pushed.append(request)
        return httpx.Response(200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    clock = Clock()
    entities = EntityService(store)
    resolver = ContextResolver(Settings(data_dir=tmp_path), store)
    service = IncidentService(entities, resolver, settings, clock=clock, client=client)
    await service.start(timer=False)
    try:
        yield Ops(service, clock, entities, store)
    finally:
        await service.stop()
        await client.aclose()


def texts(xml: bytes, path: str) -> list[str]:
    return [e.text or "" for e in etree.fromstring(xml).findall(path, {"c": NS})]


async def message(ops: Ops, identifier: str) -> bytes:
    doc = await ops.service.alerts.get("", identifier)
    assert doc is not None
    xml = str(doc["xml"]).encode()
    validate(xml)
    return xml


async def test_alert_update_cancel(ops: Ops, pushed: list[httpx.Request]) -> None:
    incident_id = await ops.service.receive(signal())  # flood, major: warrants an alert
    view = await ops.service.get("", incident_id or "")
    [first] = view["capAlerts"]
    assert first["msgType"] == "Alert"
    xml = await message(ops, first["identifier"])
    assert texts(xml, "c:msgType") == ["Alert"]
    assert texts(xml, "c:info/c:language") == ["ko-KR", "zh-CN", "en-US"]
    assert texts(xml, "c:info/c:severity") == ["Severe"] * 3
    assert "금강 수위 경보" in texts(xml, "c:info/c:description")[0]
    assert texts(xml, "c:info/c:area/c:circle")[0] == "36.480000,127.289000 1"

    ops.clock.advance(60)
    await ops.service.escalate_due()  # major → critical: an Update
    view = await ops.service.get("", incident_id or "")
    assert [a["msgType"] for a in view["capAlerts"]] == ["Alert", "Update"]
    update = await message(ops, view["capAlerts"][1]["identifier"])
    assert texts(update, "c:info/c:severity") == ["Extreme"] * 3
    assert first["identifier"] in texts(update, "c:references")[0]

    await ops.service.transition("", incident_id or "", "acknowledged")
    await ops.service.transition("", incident_id or "", "resolved")
    view = await ops.service.get("", incident_id or "")
    assert [a["msgType"] for a in view["capAlerts"]] == ["Alert", "Update", "Cancel"]
    cancel = await message(ops, view["capAlerts"][2]["identifier"])
    assert texts(cancel, "c:info/c:urgency") == ["Past"] * 3
    references = texts(cancel, "c:references")[0]
    assert all(a["identifier"] in references for a in view["capAlerts"][:2])
    await ops.service.transition("", incident_id or "", "closed")  # no second Cancel
    view = await ops.service.get("", incident_id or "")
    assert len(view["capAlerts"]) == 3
    actions = [e["action"] for e in await ops.service.audit("", incident_id or "")]
    assert actions.count("cap:Alert") == actions.count("cap:Cancel") == 1

    await ops.service.drain()
    assert [r.headers["content-type"] for r in pushed] == ["application/cap+xml"] * 3
    assert [texts(r.content, "c:msgType")[0] for r in pushed] == ["Alert", "Update", "Cancel"]


async def test_only_warranted_incidents_are_public(ops: Ops) -> None:
    quiet = await ops.service.receive(signal(severity="minor", key="k1"))
    crime = await ops.service.receive(signal(category="crime", severity="critical", key="k2"))
    for incident_id in (quiet, crime):
        assert "capAlerts" not in await ops.service.get("", incident_id or "")
    # a minor flood that escalates to major becomes public then (an Alert, not an Update)
    ops.clock.advance(60)
    await ops.service.escalate_due()
    view = await ops.service.get("", quiet or "")
    assert [a["msgType"] for a in view["capAlerts"]] == ["Alert"]


async def test_area_polygon_and_preview(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal(category="fire", area=AREA, key="f"))
    view = await ops.service.get("", incident_id or "")
    xml = await message(ops, view["capAlerts"][0]["identifier"])
    assert texts(xml, "c:info/c:area/c:polygon")[0].startswith("36.470000,127.280000 ")
    preview = await ops.service.cap_preview("", incident_id or "")
    validate(preview)
    assert texts(preview, "c:msgType") == ["Update"]


async def test_atom_feed_lists_only_active_alerts(ops: Ops) -> None:
    flood = await ops.service.receive(signal(key="a"))
    fire = await ops.service.receive(signal(category="fire", key="b"))
    air = await ops.service.receive(signal(category="air", key="c"))
    await ops.service.transition("", flood or "", "false-alarm")
    ops.clock.advance(60)
    await ops.service.escalate_due()  # fire (and air) now have an Update superseding the Alert
    active = await ops.service.alerts.active("")
    xml = feed(active, base="http://dosi.test/ops/cap", city="Sejong", updated="2026-11-25T00:00Z")
    tree = etree.fromstring(xml)
    assert tree.tag == f"{{{ATOM}}}feed"
    entries = tree.findall(f"{{{ATOM}}}entry")
    links = [e.find(f"{{{ATOM}}}link").get("href") for e in entries]
    expected = []
    for incident_id in (fire, air):
        latest = (await ops.service.get("", incident_id or ""))["capAlerts"][-1]
        assert latest["msgType"] == "Update"
        expected.append(f"http://dosi.test/ops/cap/alerts/{latest['identifier']}.xml")
    assert sorted(links) == sorted(expected)
    flood_ids = [a["identifier"] for a in (await ops.service.get("", flood or ""))["capAlerts"]]
    assert not any(i in link for i in flood_ids for link in links)
