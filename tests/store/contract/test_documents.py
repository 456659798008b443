"""Documents and @contexts in the store contract (both backends)."""

from __future__ import annotations

from dosi.store import Store, StoredContext


async def test_documents_crud_and_isolation(store: Store) -> None:
    await store.put_document("a", "devices", "d2", {"n": 2})
    await store.put_document("a", "devices", "d1", {"n": 1})
    await store.put_document("b", "devices", "d1", {"n": 99})
    await store.put_document("a", "groups", "d1", {"n": 7})
    assert await store.get_document("a", "devices", "d1") == {"n": 1}
    assert await store.list_documents("a", "devices") == [("d1", {"n": 1}), ("d2", {"n": 2})]
    assert await store.list_documents("a", "devices", after="d1") == [("d2", {"n": 2})]
    assert await store.list_documents("a", "devices", limit=1) == [("d1", {"n": 1})]
    await store.put_document("a", "devices", "d1", {"n": 3})
    assert await store.get_document("a", "devices", "d1") == {"n": 3}
    assert await store.delete_document("a", "devices", "d1")
    assert not await store.delete_document("a", "devices", "d1")
    assert await store.get_document("a", "devices", "d1") is None
    assert await store.get_document("b", "devices", "d1") == {"n": 99}


async def test_contexts_crud(store: Store) -> None:
    context = StoredContext(
        url="http://h/ngsi-ld/v1/jsonldContexts/1",
        body={"@context": {"a": "http://x/a"}},
        kind="Hosted",
        created_at="2026-11-25T00:00:00Z",
    )
    await store.put_context(context)
    assert await store.get_context(context.url) == context
    assert [c.url for c in await store.list_contexts()] == [context.url]
    assert await store.delete_context(context.url)
    assert await store.get_context(context.url) is None
    assert not await store.delete_context(context.url)
