"""Signals become incidents: new keys open one, repeats in the window are counted."""

from __future__ import annotations

from dosi.ops.incidents.const import ALERT_CONTEXT
from tests.ops.incidents.conftest import GAUGE, START, TITLE, Ops, signal


async def test_a_new_key_opens_an_incident_as_an_alert_entity(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal())
    assert incident_id is not None
    view = await ops.service.get("", incident_id)
    assert view["type"] == "Alert"
    assert view["state"] == "detected" and view["count"] == 1
    assert view["category"] == "flood" and view["subCategory"] == "flood"
    assert view["severity"] == "major" and view["title"] == TITLE
    assert view["location"] == GAUGE and view["alertSource"] == "rule:river-level@1"
    assert view["readings"] == {"height": 4.2}
    assert view["dateIssued"] and view["validFrom"].startswith("2026-11-25T01:00:00")
    assert view["sopChecklist"][0] == {"item": "gauges", "done": False}
    # written through the entity service: the Smart Data Models vocabulary applies
    entity = await ops.entities.retrieve("", incident_id)
    assert "https://smartdatamodels.org/dataModel.Alert/Alert" in entity["type"]
    assert "https://smartdatamodels.org/dataModel.Alert/severity" in entity["attrs"]
    assert ALERT_CONTEXT.startswith("https://raw.githubusercontent.com/smart-data-models/")


async def test_incidents_are_on_the_change_feed(ops: Ops) -> None:
    subscriber = ops.entities.feed.subscribe()
    try:
        incident_id = await ops.service.receive(signal())
        await ops.service.receive(signal(observed_at=ops.clock.advance(5)))
        changes = [subscriber.queue.get_nowait() for _ in range(subscriber.queue.qsize())]
    finally:
        subscriber.close()
    mine = [c for c in changes if c.entity_id == incident_id]
    assert [c.kind for c in mine][:2] == ["created", "updated"]
    assert mine[-1].after is not None
    count = ops.service.ctx.expand("count")
    assert mine[-1].after["attrs"][count][0]["value"] == 2


async def test_repeats_within_the_window_are_counted_not_duplicated(ops: Ops) -> None:
    first = await ops.service.receive(signal())
    ops.clock.advance(60)
    second = await ops.service.receive(signal(observed_at=ops.clock.now, readings={"height": 4.5}))
    third = await ops.service.receive(signal(observed_at=ops.clock.advance(300)))
    assert first == second == third
    view = await ops.service.get("", first or "")
    assert view["count"] == 3
    assert view["lastSeen"].startswith("2026-11-25T01:06:00")
    assert len(await ops.service.find("")) == 1


async def test_a_repeat_after_the_window_opens_a_new_incident(ops: Ops) -> None:
    first = await ops.service.receive(signal())
    later = await ops.service.receive(signal(observed_at=ops.clock.advance(601)))
    assert first != later
    assert len(await ops.service.find("", category="flood")) == 2


async def test_a_closed_incident_does_not_absorb_its_key(ops: Ops) -> None:
    first = await ops.service.receive(signal())
    assert first is not None
    await ops.service.transition("", first, "false-alarm")
    again = await ops.service.receive(signal(observed_at=ops.clock.advance(10)))
    assert again != first


async def test_clear_signals_are_recorded_but_do_not_close(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal())
    assert incident_id is not None
    cleared = await ops.service.receive(
        signal(clear=True, observed_at=ops.clock.advance(30), readings={"height": 2.0})
    )
    assert cleared == incident_id
    view = await ops.service.get("", incident_id)
    assert view["state"] == "detected" and view["clearedAt"].startswith("2026-11-25T01:00:30")
    actions = [e["action"] for e in await ops.service.audit("", incident_id)]
    assert actions[-1] == "signal:clear"
    # a clear without an open incident is ignored
    assert await ops.service.receive(signal(key="other", clear=True)) is None


async def test_tenants_are_separate(ops: Ops) -> None:
    mine = await ops.service.receive(signal(tenant="sejong"))
    other = await ops.service.receive(signal(tenant="shenzhen"))
    assert mine != other
    assert [v["id"] for v in await ops.service.find("sejong")] == [mine]
    assert await ops.service.find("") == []
    assert START
