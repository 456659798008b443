"""Linked services: signed messages reach a real agency process, retries, receipts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.core.representation import parse_attributes, parse_entity
from dosi.errors import BadRequestData
from dosi.ops.incidents import IncidentService
from dosi.ops.incidents.const import DEVICE_CONTEXT, TRANSPORTATION_CONTEXT
from dosi.ops.services import contract
from dosi.settings import LinkedServiceSettings, OpsSettings, Settings
from dosi.store import Store
from tests.ops.incidents.conftest import Clock, Ops, ops_settings, signal
from tests.ops.services.conftest import SECRET, AgencySim
from tests.ops.services.test_cameras import CITY, SPOT, at
from tests.receiver import http_receiver


def adapter(url: str, kind: str, categories: list[str], **extra: Any) -> LinkedServiceSettings:
    return LinkedServiceSettings(
        kind=kind, url=url, secret=extra.pop("secret", SECRET), categories=categories, **extra
    )


def settings_for(agency: str, **changes: Any) -> OpsSettings:
    adapters = {
        "112-video": adapter(f"{agency}/112", "video112", ["crime"], auto=[]),
        "112-dispatch": adapter(
            f"{agency}/112", "dispatch112", ["crime"], auto=[], options={"officer": "Sgt. Kim"}
        ),
        "119-dispatch": adapter(f"{agency}/119", "dispatch119", ["fire", "flood"]),
        "disaster": adapter(f"{agency}/disaster", "disaster", ["fire", "flood", "air"]),
        "vulnerable": adapter(f"{agency}/sos", "vulnerable", ["person-at-risk"], auto=["created"]),
    }
    return ops_settings(
        adapters=adapters,
        delivery_backoff=0.01,
        escalate_after={"major": 60.0},
        **changes,
    )


async def running(store: Store, settings: OpsSettings, tmp_path: Path) -> Ops:
    entities = EntityService(store)
    resolver = ContextResolver(Settings(data_dir=tmp_path), store)
    clock = Clock()
    service = IncidentService(entities, resolver, settings, clock=clock)
    await service.start(timer=False)
    now = utc_now()
    devices = await resolver.resolve(DEVICE_CONTEXT)
    transport = await resolver.resolve(TRANSPORTATION_CONTEXT)
    road = {
        "id": "urn:ngsi-ld:TrafficFlowObserved:bridge",
        "type": "TrafficFlowObserved",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": list(at(0, 200))},
        },
        "averageVehicleSpeed": {"type": "Property", "value": 12.5},
        "congested": {"type": "Property", "value": True},
    }
    await entities.batch_create("", [parse_entity(d, devices, now=now) for d in CITY])
    await entities.create("", parse_entity(road, transport, now=now))
    return Ops(service, clock, entities, store, {"devices": devices})


@pytest.fixture
async def ops(store: Store, agency: AgencySim, tmp_path: Path) -> AsyncIterator[Ops]:
    found = await running(store, settings_for(agency.url), tmp_path)
    try:
        yield found
    finally:
        await found.service.stop()


def messages_for(agency: AgencySim, incident_id: str) -> list[dict[str, Any]]:
    return [r for r in agency.received() if r["message"]["incident"]["id"] == incident_id]


CRIME = {"category": "crime", "severity": "major", "key": "crime", "location": None}


async def test_dispatch_sends_signed_messages_and_keeps_receipts(
    ops: Ops, agency: AgencySim
) -> None:
    spot = {"type": "Point", "coordinates": list(SPOT)}
    incident_id = await ops.service.receive(signal(**{**CRIME, "location": spot}))
    assert incident_id is not None
    await ops.service.transition("", incident_id, "acknowledged")
    view = await ops.service.transition(
        "", incident_id, "dispatched", services=["112-video", "112-dispatch"]
    )
    assert view["dispatchedTo"] == ["112-video", "112-dispatch"]
    await ops.service.drain()

    received = messages_for(agency, incident_id)
    assert sorted(r["service"] for r in received) == ["112-dispatch", "112-video"]
    for item in received:
        headers = {k.lower(): v for k, v in item["headers"].items()}
        assert headers["x-dosi-signature"].startswith("v1=")
        assert headers["x-dosi-message-id"] == item["message"]["messageId"]
        assert item["message"]["spec"] == contract.SPEC
        assert item["message"]["event"] == "dispatch"
        assert item["message"]["incident"]["location"] == spot
    by_service = {r["service"]: r["message"] for r in received}
    video = by_service["112-video"]["context"]
    assert [c["id"] for c in video["cameras"]] == [
        "urn:ngsi-ld:Device:south",
        "urn:ngsi-ld:Device:east",
    ]
    dispatch = by_service["112-dispatch"]["context"]
    assert dispatch["officer"] == "Sgt. Kim" and dispatch["camera"] == "urn:ngsi-ld:Device:south"

    view = await ops.service.get("", incident_id)
    receipts = {r["service"]: r for r in view["deliveries"]}
    assert receipts["112-video"]["status"] == "delivered"
    assert receipts["112-video"]["reference"].startswith("112-VIDEO-")
    assert receipts["112-video"]["attempts"] == 1
    references = {r["service"]: r["reference"] for r in received}
    assert receipts["112-dispatch"]["reference"] == references["112-dispatch"]
    trail = await ops.service.audit("", incident_id)
    deliveries = [e for e in trail if e["action"] == "delivery:delivered"]
    assert {e["actor"] for e in deliveries} == {"service:112-video", "service:112-dispatch"}
    stored = await ops.service.linked.receipts("")
    assert {r["incident"] for r in stored} == {incident_id}


async def test_escalation_notifies_119_and_disaster(ops: Ops, agency: AgencySim) -> None:
    spot = {"type": "Point", "coordinates": list(SPOT)}
    incident_id = await ops.service.receive(signal(location=spot))  # a flood
    ops.clock.advance(60)
    assert await ops.service.escalate_due() == [incident_id]
    await ops.service.drain()
    received = messages_for(agency, incident_id or "")
    assert sorted(r["service"] for r in received) == ["119-dispatch", "disaster"]
    assert {r["message"]["event"] for r in received} == {"escalation"}
    by_service = {r["service"]: r["message"] for r in received}
    approach = by_service["119-dispatch"]["context"]["approach"]
    assert approach[0]["id"] == "urn:ngsi-ld:TrafficFlowObserved:bridge"
    assert approach[0]["averageVehicleSpeed"] == 12.5 and approach[0]["congested"] is True
    assert by_service["disaster"]["incident"]["severity"] == "critical"
    assert by_service["disaster"]["context"]["readings"] == {"height": 4.2}


async def test_sos_sends_the_wearables_trail(ops: Ops, agency: AgencySim) -> None:
    wearable = "urn:ngsi-ld:Device:wearable-7"
    devices = ops.extra["devices"]
    body = {
        "id": wearable,
        "type": "Device",
        "category": {"type": "Property", "value": ["sensor"]},
    }
    await ops.entities.create("", parse_entity(body, devices, now=utc_now()))
    for minute, north in enumerate((-120, -60, 0)):
        point = {"type": "Point", "coordinates": list(at(0, north))}
        attrs = {
            "location": {
                "type": "GeoProperty",
                "value": point,
                "observedAt": f"2026-11-25T00:5{minute}:00Z",
            }
        }
        parsed = parse_attributes(attrs, devices, now=utc_now())
        await ops.entities.append_attrs("", wearable, parsed, no_overwrite=False)
    incident_id = await ops.service.receive(
        signal(
            category="person-at-risk",
            severity="critical",
            key="sos",
            entity_ids=(wearable,),
            location={"type": "Point", "coordinates": list(SPOT)},
        )
    )
    await ops.service.drain()
    [item] = messages_for(agency, incident_id or "")
    context = item["message"]["context"]
    assert item["service"] == "vulnerable" and item["message"]["event"] == "created"
    assert context["wearable"] == wearable
    assert [p["at"][:16] for p in context["trail"]] == [
        "2026-11-25T00:50",
        "2026-11-25T00:51",
        "2026-11-25T00:52",
    ]
    assert context["cameras"][0]["id"] == "urn:ngsi-ld:Device:south"


async def test_only_configured_services_may_be_dispatched(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal(**CRIME))
    await ops.service.transition("", incident_id or "", "acknowledged")
    with pytest.raises(BadRequestData, match="do not take crime"):
        await ops.service.transition("", incident_id or "", "dispatched", services=["disaster"])
    with pytest.raises(BadRequestData, match="unknown linked services"):
        await ops.service.transition("", incident_id or "", "dispatched", services=["nope"])
    view = await ops.service.transition("", incident_id or "", "dispatched")
    assert view["dispatchedTo"] == ["112-dispatch", "112-video"]  # default: all for the category


async def test_a_wrong_secret_is_refused_and_the_receipt_says_so(
    store: Store, agency: AgencySim, tmp_path: Path
) -> None:
    settings = ops_settings(
        adapters={
            "119-dispatch": adapter(f"{agency.url}/119", "dispatch119", ["fire"], secret="x")
        },
        delivery_attempts=2,
        delivery_backoff=0.01,
    )
    ops = await running(store, settings, tmp_path)
    try:
        incident_id = await ops.service.receive(signal(category="fire", key="wrong"))
        await ops.service.transition("", incident_id or "", "acknowledged")
        await ops.service.transition("", incident_id or "", "dispatched")
        await ops.service.drain()
        [receipt] = (await ops.service.get("", incident_id or ""))["deliveries"]
        assert receipt["status"] == "failed" and receipt["attempts"] == 2
        assert "401" in receipt["error"]
        assert messages_for(agency, incident_id or "") == []
    finally:
        await ops.service.stop()


async def test_retries_until_the_receiver_takes_it(store: Store, tmp_path: Path) -> None:
    with http_receiver() as receiver:
        receiver.statuses = [503, 500]
        settings = ops_settings(
            adapters={"disaster": adapter(receiver.url, "disaster", ["flood"])},
            delivery_attempts=4,
            delivery_backoff=0.05,
        )
        ops = await running(store, settings, tmp_path)
        try:
            incident_id = await ops.service.receive(signal())
            await ops.service.transition("", incident_id or "", "acknowledged")
            started = time.monotonic()
            await ops.service.transition("", incident_id or "", "dispatched")
            await ops.service.drain()
            assert time.monotonic() - started >= 0.15  # 0.05 + 0.1 of backoff
            [receipt] = (await ops.service.get("", incident_id or ""))["deliveries"]
            assert receipt["status"] == "delivered" and receipt["attempts"] == 3
            [got] = receiver.received
            headers = {k.lower(): v for k, v in got.headers.items()}
            assert got.body["incident"]["id"] == incident_id
            assert headers["x-dosi-service"] == "disaster"
        finally:
            await ops.service.stop()


def test_signature_contract() -> None:
    body = b'{"spec":"dosi.linked-service/1"}'
    headers = contract.signed_headers(SECRET, body, service="119", message_id="m1", now=1000)
    stamp, sig = headers[contract.TIMESTAMP_HEADER], headers[contract.SIGNATURE_HEADER]
    assert stamp == "1000"
    assert contract.verify(SECRET, stamp, body, sig, now=1100)
    assert not contract.verify(SECRET, stamp, body + b" ", sig, now=1100)  # tampered
    assert not contract.verify("other", stamp, body, sig, now=1100)  # wrong secret
    assert not contract.verify(SECRET, stamp, body, sig, now=1000 + 301)  # stale: replay
    assert not contract.verify(SECRET, None, body, sig)
    assert sig == contract.signature(SECRET, "1000", body)


async def test_the_later_add_ons_use_the_same_contract(
    store: Store, agency: AgencySim, tmp_path: Path
) -> None:
    settings = ops_settings(
        adapters={
            "monitoring": adapter(f"{agency.url}/em", "monitoring", ["crime"], auto=["created"]),
            "wanted": adapter(f"{agency.url}/wv", "wanted-vehicle", ["traffic"], auto=["created"]),
            "priority": adapter(f"{agency.url}/sp", "signal-priority", ["fire"], auto=["created"]),
        },
        delivery_backoff=0.01,
    )
    ops = await running(store, settings, tmp_path)
    spot = {"type": "Point", "coordinates": list(SPOT)}
    zone = {
        "type": "Polygon",
        "coordinates": [[[127.28, 36.47], [127.30, 36.47], [127.30, 36.49], [127.28, 36.47]]],
    }
    try:
        breach = await ops.service.receive(
            signal(
                category="crime",
                key="em",
                location=spot,
                area=zone,
                entity_ids=("urn:ngsi-ld:Device:anklet-3",),
            )
        )
        sighting = await ops.service.receive(
            signal(category="traffic", key="wv", location=spot, readings={"plate": "12가3456"})
        )
        fire = await ops.service.receive(signal(category="fire", key="sp", location=spot))
        await ops.service.drain()
    finally:
        await ops.service.stop()
    [em] = messages_for(agency, breach or "")
    assert em["message"]["kind"] == "monitoring"
    assert em["message"]["context"]["subject"] == "urn:ngsi-ld:Device:anklet-3"
    assert em["message"]["context"]["zone"] == zone
    [wv] = messages_for(agency, sighting or "")
    assert wv["message"]["context"]["plate"] == "12가3456"
    assert wv["message"]["context"]["cameras"][0]["id"] == "urn:ngsi-ld:Device:south"
    [sp] = messages_for(agency, fire or "")
    assert sp["message"]["context"]["destination"] == spot
    assert sp["message"]["context"]["roads"][0]["id"] == "urn:ngsi-ld:TrafficFlowObserved:bridge"
    for item in (em, wv, sp):
        assert item["message"]["spec"] == contract.SPEC
        assert item["message"]["event"] == "created"
