"""Writing feature documents in bulk: one store transaction per chunk, no entity touched."""

from __future__ import annotations

from typing import Any, Final

from dosi.core.model import Entity
from dosi.store.base import Plan, Store, Writes

CHUNK: Final = 5_000
Doc = tuple[str, str, dict[str, Any]]


def _plan(docs: list[Doc]) -> Plan:
    def plan(current: dict[str, Entity]) -> Writes:
        return Writes(documents=docs)

    return plan


async def put_documents(store: Store, tenant: str, docs: list[Doc]) -> None:
    """Insert or replace (collection, key, doc) triples atomically per chunk."""
    for start in range(0, len(docs), CHUNK):
        await store.transact(tenant, [], _plan(docs[start : start + CHUNK]))
