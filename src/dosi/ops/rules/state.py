"""Evaluation state of one rule for one subject (an entity, or an area for composites).

It is what must survive a restart: whether the alarm is on and since when, when a held
condition started, when the entity was last seen, the rate-of-change window and the
members of an area. Times are epoch seconds of the engine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dosi.ops.rules.const import STATE_SEP


def state_key(rule_id: str, subject: str) -> str:
    """The document key of a state; rule ids never contain the separator."""
    return f"{rule_id}{STATE_SEP}{subject}"


@dataclass(slots=True)
class RuleState:
    rule_id: str
    subject: str
    active: bool = False
    #: When the current alarm began (fire time).
    since: float | None = None
    #: Held rules: when the comparison started holding (None: it does not hold now).
    pending: float | None = None
    last_seen: float | None = None
    #: When the last fire or repeat signal went out.
    signalled: float | None = None
    #: Geofences: whether the entity was inside the area at its last known position.
    inside: bool | None = None
    #: Rate rules: [time, extreme value] buckets within the window, oldest first.
    samples: list[list[float]] = field(default_factory=list)
    #: Composite rules: member entity id → whether it satisfies the comparison.
    members: dict[str, bool] = field(default_factory=dict)
    #: The latest readings (attribute → value; composite: entity id → value).
    values: dict[str, Any] = field(default_factory=dict)
    #: The latest GeoJSON location of the entity (the signal's map position).
    location: dict[str, Any] | None = None
    #: Composite rules: how many members satisfy the comparison (kept with ``members``).
    count: int = 0
    #: The condition kind that produced the state (a rule changed to another kind resets it).
    kind: str = ""

    @property
    def key(self) -> str:
        return state_key(self.rule_id, self.subject)

    def to_doc(self) -> dict[str, Any]:
        """A snapshot (copies of the mutable parts: the store may serialize it later)."""
        return {
            "rule": self.rule_id,
            "subject": self.subject,
            "kind": self.kind,
            "active": self.active,
            "since": self.since,
            "pending": self.pending,
            "lastSeen": self.last_seen,
            "signalled": self.signalled,
            "inside": self.inside,
            "samples": [list(s) for s in self.samples],
            "members": dict(self.members),
            "values": dict(self.values),
            "location": self.location,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RuleState:
        return cls(
            rule_id=doc["rule"],
            subject=doc["subject"],
            kind=doc.get("kind", ""),
            active=bool(doc.get("active")),
            since=doc.get("since"),
            pending=doc.get("pending"),
            last_seen=doc.get("lastSeen"),
            signalled=doc.get("signalled"),
            inside=doc.get("inside"),
            samples=[list(s) for s in doc.get("samples") or []],
            members=dict(doc.get("members") or {}),
            count=sum(1 for on in (doc.get("members") or {}).values() if on),
            values=dict(doc.get("values") or {}),
            location=doc.get("location"),
        )
