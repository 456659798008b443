"""The incident lifecycle: states, allowed transitions and the audit entry of each step.

detected → acknowledged → dispatched → resolved → closed, and false-alarm from any open
state. Refused transitions raise ``Conflict`` with the allowed next states, so an operator
console can say exactly why a button did nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from dosi.errors import Conflict


class State(StrEnum):
    DETECTED = "detected"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    CLOSED = "closed"
    FALSE_ALARM = "false-alarm"


TRANSITIONS: Final[dict[State, frozenset[State]]] = {
    State.DETECTED: frozenset({State.ACKNOWLEDGED, State.FALSE_ALARM}),
    State.ACKNOWLEDGED: frozenset({State.DISPATCHED, State.RESOLVED, State.FALSE_ALARM}),
    State.DISPATCHED: frozenset({State.RESOLVED, State.FALSE_ALARM}),
    State.RESOLVED: frozenset({State.CLOSED, State.DISPATCHED}),
    State.CLOSED: frozenset(),
    State.FALSE_ALARM: frozenset({State.CLOSED}),
}
SEVERITIES: Final = ("critical", "major", "minor", "warning", "indeterminate")
CATEGORIES: Final = (
    "fire",
    "flood",
    "crime",
    "traffic",
    "air",
    "waste",
    "infrastructure",
    "health",
    "person-at-risk",
)


@dataclass(frozen=True)
class AuditEntry:
    """One step of an incident's append-only history."""

    at: str
    actor: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]


def transition(
    incident: dict[str, Any], target: str, *, actor: str, at: str
) -> tuple[dict[str, Any], AuditEntry]:
    """The incident moved to ``target`` and the audit entry recording it."""
    try:
        current, wanted = State(incident["state"]), State(target)
    except ValueError:
        raise Conflict(f"unknown incident state {target!r}") from None
    allowed = TRANSITIONS[current]
    if wanted not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "none (the incident is final)"
        raise Conflict(
            f"an incident {current.value} cannot become {wanted.value}; allowed: {names}"
        )
    after = {**incident, "state": wanted.value, f"{wanted.value}At": at}
    entry = AuditEntry(
        at, actor, f"state:{wanted.value}", {"state": current.value}, {"state": wanted.value}
    )
    return after, entry
