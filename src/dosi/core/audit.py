"""The audit trail of entity writes: who changed what, when, in the same transaction.

The acting principal is carried in a context variable that the HTTP layer sets per
request (``ACTOR``); the audit hook runs inside the write transaction (an outbox hook of
the entity service), so an acknowledged write always has its audit record.
"""

from __future__ import annotations

import itertools
import time
from contextvars import ContextVar
from typing import Any, Final

from dosi.core.changes import EntityChange

COLLECTION: Final = "audit"
#: Who is acting: a user or device name, "anonymous" when authentication is off.
ACTOR: ContextVar[str] = ContextVar("dosi_actor", default="anonymous")
_sequence = itertools.count()


def audit_hook(tenant: str, changes: list[EntityChange]) -> list[tuple[str, str, dict[str, Any]]]:
    actor = ACTOR.get()
    records = []
    for change in changes:
        before = change.before["attrs"] if change.before else {}
        after = change.after["attrs"] if change.after else {}
        touched = sorted(a for a in before.keys() | after.keys() if before.get(a) != after.get(a))
        key = f"{time.time_ns():020d}.{next(_sequence):09d}"
        records.append(
            (
                COLLECTION,
                key,
                {
                    "at": change.at,
                    "actor": actor,
                    "entity": change.entity_id,
                    "change": change.kind,
                    "attributes": touched,
                },
            )
        )
    return records
