"""Feature documents in bulk: chunked atomic writes and prefix scans over the Store protocol.

Platform features (the device agent's registry, dead letters, ops rules and their state)
keep small JSON records through ``Store``'s documents facility; these functions are the
shared ways of writing many at once and of reading a key range page by page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from dosi.store.base import Entity, Plan, Store, Writes

CHUNK: Final = 5_000
PAGE: Final = 500
Doc = tuple[str, str, dict[str, Any]]


def _plan(docs: list[Doc]) -> Plan:
    def plan(current: dict[str, Entity]) -> Writes:
        return Writes(documents=docs)

    return plan


async def put_documents(store: Store, tenant: str, docs: list[Doc]) -> None:
    """Insert or replace (collection, key, doc) triples atomically per chunk."""
    for start in range(0, len(docs), CHUNK):
        await store.transact(tenant, [], _plan(docs[start : start + CHUNK]))


async def iter_documents(
    store: Store, tenant: str, collection: str, *, prefix: str = ""
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every (key, doc) whose key starts with ``prefix``, in key order, read in pages.

    Keys are ordered bytewise by every backend, so the keys sharing a prefix are one
    contiguous run that starts right after the prefix itself.
    """
    after: str | None = prefix or None
    while True:
        page = await store.list_documents(tenant, collection, after=after, limit=PAGE)
        for key, doc in page:
            if not key.startswith(prefix):
                return
            yield key, doc
        if len(page) < PAGE:
            return
        after = page[-1][0]
