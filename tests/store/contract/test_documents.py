"""Store contract: documents (small JSON records of platform features), per tenant."""

from __future__ import annotations

import pytest

from dosi.errors import StoreError
from dosi.store import Entity, Store, Writes
from tests.store.contract.builders import thing


async def test_documents_crud(store: Store) -> None:
    device = {"deviceId": "wc-1", "protocol": "UL2", "attributes": [{"object_id": "f"}]}
    await store.put_document("", "devices", "wc-1", device)
    assert await store.get_document("", "devices", "wc-1") == device
    await store.put_document("", "devices", "wc-1", {"deviceId": "wc-1", "protocol": "JSON"})
    assert await store.get_document("", "devices", "wc-1") == {
        "deviceId": "wc-1",
        "protocol": "JSON",
    }
    assert await store.delete_document("", "devices", "wc-1")
    assert not await store.delete_document("", "devices", "wc-1")
    assert await store.get_document("", "devices", "wc-1") is None


async def test_documents_are_isolated_by_tenant_and_collection(store: Store) -> None:
    await store.put_document("a", "devices", "d1", {"n": 1})
    await store.put_document("b", "devices", "d1", {"n": 99})
    await store.put_document("a", "groups", "d1", {"n": 7})
    assert await store.get_document("a", "devices", "d1") == {"n": 1}
    assert await store.get_document("b", "devices", "d1") == {"n": 99}
    assert await store.get_document("a", "groups", "d1") == {"n": 7}
    assert await store.get_document("", "devices", "d1") is None
    assert await store.delete_document("b", "devices", "d1")
    assert await store.get_document("a", "devices", "d1") == {"n": 1}


async def test_delete_documents_counts_what_existed(store: Store) -> None:
    for key in ("n-1", "n-2", "n-3"):
        await store.put_document("t", "outbox", key, {"key": key})
    await store.put_document("u", "outbox", "n-1", {"key": "other tenant"})
    assert await store.delete_documents("t", "outbox", ["n-1", "n-3", "n-9", "n-1"]) == 2
    assert [k for k, _ in await store.list_documents("t", "outbox")] == ["n-2"]
    assert await store.get_document("u", "outbox", "n-1") == {"key": "other tenant"}
    assert await store.delete_documents("t", "outbox", []) == 0


async def test_list_documents_in_key_order_with_keyset_paging(store: Store) -> None:
    keys = ["d10", "d2", "D1", "d1", "é", "_"]
    for key in keys:
        await store.put_document("t", "devices", key, {"key": key})
    await store.put_document("t", "other", "d0", {"key": "other"})
    ordered = sorted(keys, key=lambda k: k.encode())
    listed = await store.list_documents("t", "devices")
    assert listed == [(k, {"key": k}) for k in ordered]
    assert [k for k, _ in await store.list_documents("t", "devices", after="d1")] == [
        k for k in ordered if k.encode() > b"d1"
    ]
    assert [k for k, _ in await store.list_documents("t", "devices", limit=2)] == ordered[:2]
    assert await store.list_documents("t", "devices", after=ordered[-1]) == []
    assert await store.list_documents("t", "nothing") == []
    assert await store.list_documents("u", "devices") == []


async def test_transact_writes_documents_atomically_with_entities(store: Store) -> None:
    def plan(current: dict[str, Entity]) -> Writes:
        return Writes(
            upserts=[thing("urn:x:1", n=1)],
            documents=[("outbox", "n-1", {"entity": "urn:x:1"}), ("outbox", "n-2", {"n": 2})],
        )

    await store.transact("t", ["urn:x:1"], plan)
    assert [k for k, _ in await store.list_documents("t", "outbox")] == ["n-1", "n-2"]
    assert await store.get_document("t", "outbox", "n-1") == {"entity": "urn:x:1"}
    assert await store.list_documents("", "outbox") == []

    def broken(current: dict[str, Entity]) -> Writes:
        return Writes(
            upserts=[{"id": "urn:x:broken"}], documents=[("outbox", "n-3", {"entity": "x"})]
        )

    with pytest.raises(StoreError):
        await store.transact("t", ["urn:x:broken"], broken)
    assert await store.get_document("t", "outbox", "n-3") is None
