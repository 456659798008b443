"""The audit trail of entity writes: who changed what, when, in the same transaction.

The acting principal is carried in a context variable that the HTTP layer sets per
request (``ACTOR``); the audit hook runs inside the write transaction (an outbox hook of
the entity service), so an acknowledged write always has its audit record.

A write of one entity is stored as one record. A batch (the device agent stores
thousands of measures per transaction) is stored as one document listing every change,
so the trail costs one row per transaction, not one per entity. ``read_records`` gives
both back as the same flat records: a batch's records have the key
``<document key>/<position>``, which sorts after the document's key and before the
next document's, so ``after`` pages through them like any other key.
"""

from __future__ import annotations

import itertools
import time
from contextvars import ContextVar
from typing import Any, Final

from dosi.core.changes import EntityChange
from dosi.store.base import Store

COLLECTION: Final = "audit"
#: Who is acting: a user or device name, "anonymous" when authentication is off.
ACTOR: ContextVar[str] = ContextVar("dosi_actor", default="anonymous")
#: Separates a batch document's key from the position of one of its records.
POSITION: Final = "/"
_sequence = itertools.count()


def _touched(change: EntityChange) -> list[str]:
    """The attributes whose instances differ (mutations share untouched lists, so an
    identical list object needs no comparison)."""
    before = change.before["attrs"] if change.before else {}
    after = change.after["attrs"] if change.after else {}
    touched = [a for a, v in after.items() if before.get(a) is not v and before.get(a) != v]
    touched.extend(a for a in before if a not in after)
    return sorted(touched)


def _key() -> str:
    return f"{time.time_ns():020d}.{next(_sequence):09d}"


def audit_hook(tenant: str, changes: list[EntityChange]) -> list[tuple[str, str, dict[str, Any]]]:
    actor = ACTOR.get()
    if not changes:
        return []
    if len(changes) == 1:
        (change,) = changes
        record = {
            "at": change.at,
            "actor": actor,
            "entity": change.entity_id,
            "change": change.kind,
            "attributes": _touched(change),
        }
        return [(COLLECTION, _key(), record)]
    batch = {
        "actor": actor,
        "changes": [[c.at, c.entity_id, c.kind, _touched(c)] for c in changes],
    }
    return [(COLLECTION, _key(), batch)]


def _records(key: str, doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    changes = doc.get("changes")
    if changes is None:
        return [(key, doc)]
    actor = doc.get("actor")
    return [
        (
            f"{key}{POSITION}{position:06d}",
            {"at": at, "actor": actor, "entity": entity, "change": kind, "attributes": attrs},
        )
        for position, (at, entity, kind, attrs) in enumerate(changes)
    ]


async def read_records(
    store: Store, tenant: str, *, after: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` audit records in key order (all of them when ``limit`` is
    negative), keys strictly greater than ``after``:
    ``{"key", "at", "actor", "entity", "change", "attributes"}``."""
    cursor = after
    if after and POSITION in after:
        # the batch document holding ``after`` is read again; its earlier records are
        # skipped below (a key's prefix sorts before the key)
        cursor = after.split(POSITION, 1)[0][:-1]
    out: list[dict[str, Any]] = []
    while limit < 0 or len(out) < limit:
        page = await store.list_documents(
            tenant, COLLECTION, after=cursor, limit=None if limit < 0 else limit
        )
        for key, doc in page:
            out.extend(
                {"key": k, **record} for k, record in _records(key, doc) if not after or k > after
            )
        if limit < 0 or len(page) < limit:
            break
        cursor = page[-1][0]
    return out if limit < 0 else out[:limit]
