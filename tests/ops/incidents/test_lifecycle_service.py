"""Operator actions on an incident: transitions, assignment, comments, SOP, audit trail."""

from __future__ import annotations

import pytest

from dosi.core.audit import ACTOR
from dosi.errors import BadRequestData, Conflict, ResourceNotFound
from tests.ops.incidents.conftest import Ops, signal


async def opened(ops: Ops) -> str:
    incident_id = await ops.service.receive(signal(category="crime", severity="minor"))
    assert incident_id is not None
    return incident_id


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["acknowledged", "dispatched", "resolved", "closed"], "closed"),
        (["acknowledged", "resolved", "closed"], "closed"),
        (["false-alarm", "closed"], "closed"),
        (["acknowledged", "dispatched", "false-alarm"], "false-alarm"),
        (["acknowledged", "dispatched", "resolved", "dispatched"], "dispatched"),
    ],
)
async def test_every_allowed_path(ops: Ops, path: list[str], final: str) -> None:
    incident_id = await opened(ops)
    for target in path:
        ops.clock.advance(5)
        view = await ops.service.transition("", incident_id, target)
        assert view["state"] == target
    assert view["state"] == final
    trail = await ops.service.audit("", incident_id)
    assert [e["after"]["state"] for e in trail if e["action"].startswith("state:")] == path


@pytest.mark.parametrize(
    ("path", "refused", "allowed"),
    [
        ([], "resolved", "acknowledged, false-alarm"),
        ([], "closed", "acknowledged, false-alarm"),
        (["acknowledged"], "acknowledged", "dispatched, false-alarm, resolved"),
        (["false-alarm", "closed"], "acknowledged", "none"),
        (["acknowledged", "resolved"], "false-alarm", "closed, dispatched"),
    ],
)
async def test_refused_transitions_name_the_allowed_states(
    ops: Ops, path: list[str], refused: str, allowed: str
) -> None:
    incident_id = await opened(ops)
    for target in path:
        await ops.service.transition("", incident_id, target)
    with pytest.raises(Conflict) as caught:
        await ops.service.transition("", incident_id, refused)
    assert caught.value.status == 409 and allowed in caught.value.detail
    assert (await ops.service.get("", incident_id))["state"] == (path or ["detected"])[-1]


async def test_state_times_and_validity(ops: Ops) -> None:
    incident_id = await opened(ops)
    await ops.service.transition("", incident_id, "acknowledged")
    ops.clock.advance(60)
    view = await ops.service.transition("", incident_id, "resolved")
    assert view["acknowledgedAt"].startswith("2026-11-25T01:00:00")
    assert view["resolvedAt"].startswith("2026-11-25T01:01:00")
    assert view["validTo"] == view["resolvedAt"]


async def test_assignment_comments_and_sop_progress_are_audited(ops: Ops) -> None:
    incident_id = await opened(ops)
    token = ACTOR.set("kim.operator")
    try:
        view = await ops.service.assign("", incident_id, "lee.officer")
        assert view["assignee"] == "lee.officer"
        await ops.service.assign("", incident_id, "park.officer")
        note = await ops.service.comment("", incident_id, "CCTV 3 shows two people")
        assert note["actor"] == "kim.operator"
        result = await ops.service.check_step("", incident_id, "video", True)
        assert result["progress"] == {"done": 1, "total": 4}
        result = await ops.service.check_step("", incident_id, "track", True)
        result = await ops.service.check_step("", incident_id, "video", False)
        assert result["progress"] == {"done": 1, "total": 4}
        with pytest.raises(ResourceNotFound):
            await ops.service.check_step("", incident_id, "no-such-step", True)
        with pytest.raises(BadRequestData):
            await ops.service.comment("", incident_id, "  ")
    finally:
        ACTOR.reset(token)
    view = await ops.service.get("", incident_id)
    steps = {s["item"]: s for s in view["sopChecklist"]}
    assert steps["track"]["done"] and steps["track"]["by"] == "kim.operator"
    assert not steps["video"]["done"]
    assert view["commentCount"] == 1
    comments = await ops.service.comments("", incident_id)
    assert [c["text"] for c in comments] == ["CCTV 3 shows two people"]
    trail = await ops.service.audit("", incident_id)
    assert [e["action"] for e in trail] == [
        "created",
        "assigned",
        "assigned",
        "comment",
        "sop:video",
        "sop:track",
        "sop:video",
    ]
    created = trail[0]
    assert created["actor"] == "rule:river-level@1" and created["before"] == {}
    assert created["after"]["state"] == "detected"
    second = trail[2]
    assert second["actor"] == "kim.operator"
    assert second["before"] == {"assignee": "lee.officer"}
    assert second["after"] == {"assignee": "park.officer"}
    assert trail[-1]["before"] == {"done": True} and trail[-1]["after"] == {"done": False}
    assert all(e["at"] for e in trail)


async def test_manual_incident_by_an_operator(ops: Ops) -> None:
    token = ACTOR.set("kim.operator")
    try:
        view = await ops.service.create(
            "",
            {
                "category": "traffic",
                "severity": "warning",
                "title": "Car on fire on the bridge",
                "location": {"type": "Point", "coordinates": [127.28, 36.49]},
            },
        )
    finally:
        ACTOR.reset(token)
    assert view["alertSource"] == "operator:kim.operator"
    assert view["title"]["zh"] == "Car on fire on the bridge"
    with pytest.raises(BadRequestData):
        await ops.service.create("", {"category": "meteor", "title": "x"})
    with pytest.raises(BadRequestData):
        await ops.service.create("", {"category": "fire", "title": "x", "severity": "high"})


async def test_unknown_incident(ops: Ops) -> None:
    await opened(ops)
    with pytest.raises(ResourceNotFound):
        await ops.service.get("", "urn:ngsi-ld:Alert:nope")
