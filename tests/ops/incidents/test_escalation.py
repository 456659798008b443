"""Unacknowledged incidents escalate on time; the state lives in the entity."""

from __future__ import annotations

from pathlib import Path

import pytest

from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.ops.incidents import IncidentService
from dosi.settings import OpsSettings, Settings
from tests.ops.incidents.conftest import Ops, ops_settings, signal

TIMES = {"minor": 60.0, "major": 120.0, "critical": 180.0}


@pytest.fixture
def settings() -> OpsSettings:
    return ops_settings(escalate_after=TIMES, max_escalation_level=3)


async def test_escalates_when_not_acknowledged_in_time(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal(severity="minor", category="crime"))
    ops.clock.advance(59)
    assert await ops.service.escalate_due() == []
    ops.clock.advance(1)
    assert await ops.service.escalate_due() == [incident_id]
    view = await ops.service.get("", incident_id or "")
    assert view["severity"] == "major" and view["escalationLevel"] == 1
    # the next step waits the (new) severity's time from the last escalation
    ops.clock.advance(119)
    assert await ops.service.escalate_due() == []
    ops.clock.advance(1)
    assert await ops.service.escalate_due() == [incident_id]
    view = await ops.service.get("", incident_id or "")
    assert view["severity"] == "critical" and view["escalationLevel"] == 2
    trail = await ops.service.audit("", incident_id or "")
    escalations = [e for e in trail if e["action"] == "escalated"]
    assert escalations[0]["before"]["severity"] == "minor"
    assert escalations[1]["after"] == {
        "severity": "critical",
        "escalationLevel": 2,
        "escalatedAt": view["escalatedAt"],
    }
    assert escalations[0]["actor"] == "system:escalation"
    ops.clock.advance(180)
    await ops.service.escalate_due()
    ops.clock.advance(180)
    assert await ops.service.escalate_due() == []  # max_escalation_level reached
    assert (await ops.service.get("", incident_id or ""))["escalationLevel"] == 3


async def test_acknowledged_incidents_do_not_escalate(ops: Ops) -> None:
    incident_id = await ops.service.receive(signal(severity="minor", category="crime"))
    await ops.service.transition("", incident_id or "", "acknowledged")
    ops.clock.advance(3600)
    assert await ops.service.escalate_due() == []


async def test_escalation_survives_a_restart(
    ops: Ops, settings: OpsSettings, tmp_path: Path
) -> None:
    incident_id = await ops.service.receive(signal(severity="minor", category="crime"))
    ops.clock.advance(60)
    assert await ops.service.escalate_due() == [incident_id]
    await ops.service.stop()
    # a new process: only the store is shared
    again = IncidentService(
        EntityService(ops.store),
        ContextResolver(Settings(data_dir=tmp_path), ops.store),
        settings,
        clock=ops.clock,
    )
    await again.start(timer=False)
    ops.service = again
    ops.clock.advance(100)
    assert await again.escalate_due() == []  # 100 s since the last escalation < 120 s
    ops.clock.advance(20)
    assert await again.escalate_due() == [incident_id]
    assert (await again.get("", incident_id or ""))["escalationLevel"] == 2
