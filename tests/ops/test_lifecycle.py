"""The incident lifecycle refuses invalid transitions and audits valid ones."""

from __future__ import annotations

import pytest

from dosi.errors import Conflict
from dosi.ops.lifecycle import TRANSITIONS, State, transition

AT = "2026-11-25T00:00:00Z"


def test_full_path_with_audit() -> None:
    incident = {"id": "urn:x:1", "state": "detected"}
    trail = []
    for target in ("acknowledged", "dispatched", "resolved", "closed"):
        incident, entry = transition(incident, target, actor="kim", at=AT)
        trail.append(entry)
    assert incident["state"] == "closed" and incident["closedAt"] == AT
    assert [e.after["state"] for e in trail] == ["acknowledged", "dispatched", "resolved", "closed"]
    assert trail[0].before == {"state": "detected"} and trail[0].actor == "kim"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("detected", "resolved"),
        ("closed", "acknowledged"),
        ("dispatched", "detected"),
        ("false-alarm", "dispatched"),
        ("detected", "exploded"),
    ],
)
def test_invalid_transitions(start: str, target: str) -> None:
    with pytest.raises(Conflict):
        transition({"state": start}, target, actor="kim", at=AT)


def test_every_open_state_can_be_a_false_alarm_and_closed_is_final() -> None:
    for state in (State.DETECTED, State.ACKNOWLEDGED, State.DISPATCHED):
        assert State.FALSE_ALARM in TRANSITIONS[state]
    assert TRANSITIONS[State.CLOSED] == frozenset()
