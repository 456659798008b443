"""Counters of the device agent: accepted and refused messages (by reason), overflow."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dosi.core.clock import utc_now


@dataclass
class Stats:
    started_at: str = field(default_factory=utc_now)
    received: Counter[str] = field(default_factory=Counter)  # by transport
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # by reason
    batches: int = 0
    largest_batch: int = 0
    commands_sent: int = 0
    commands_acked: int = 0
    commands_failed: int = 0

    def to_json(self, **extra: Any) -> dict[str, Any]:
        return {
            "startedAt": self.started_at,
            "received": dict(self.received),
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "rejectedTotal": sum(self.rejected.values()),
            "batches": self.batches,
            "largestBatch": self.largest_batch,
            "commands": {
                "sent": self.commands_sent,
                "acknowledged": self.commands_acked,
                "failed": self.commands_failed,
            },
            **extra,
        }
