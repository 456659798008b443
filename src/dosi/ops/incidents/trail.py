"""The append-only audit trail and the comments of each incident (store documents).

Keys are time-ordered (``records.time_key``), so the trail reads back in the order it
was written; nothing in this module updates or deletes an entry.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dosi.ops.incidents.const import COMMENTS, TRAIL
from dosi.ops.lifecycle import AuditEntry
from dosi.ops.services.records import time_key
from dosi.store.base import Store


class Trail:
    """Per-incident audit entries (who, when, what, before/after) and comments."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, tenant: str, incident_id: str, entry: AuditEntry) -> None:
        await self.store.put_document(tenant, TRAIL + incident_id, time_key(), asdict(entry))

    async def entries(self, tenant: str, incident_id: str) -> list[dict[str, Any]]:
        return await self._all(tenant, TRAIL + incident_id)

    async def comment(self, tenant: str, incident_id: str, comment: dict[str, Any]) -> None:
        await self.store.put_document(tenant, COMMENTS + incident_id, time_key(), comment)

    async def comments(self, tenant: str, incident_id: str) -> list[dict[str, Any]]:
        return await self._all(tenant, COMMENTS + incident_id)

    async def _all(self, tenant: str, collection: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = await self.store.list_documents(tenant, collection, after=after, limit=500)
            found.extend(doc for _, doc in page)
            if len(page) < 500:
                return found
            after = page[-1][0]
