"""Store contract: user @contexts (global, not tenant-scoped; ETSI GS CIM 009 §5.13)."""

from __future__ import annotations

import dataclasses

from dosi.store import Store, StoredContext

HOSTED = StoredContext(
    url="http://localhost:1026/ngsi-ld/v1/jsonldContexts/abc",
    body={"@context": {"fillingLevel": "https://smartdatamodels.org/fillingLevel"}},
    kind="Hosted",
    created_at="2026-11-25T00:00:00.000000Z",
)
CACHED = StoredContext(
    url="https://example.org/context.jsonld",
    body={"@context": ["https://example.org/other.jsonld", {"a": "https://example.org/a"}]},
    kind="Cached",
    created_at="2026-11-25T01:00:00.000000Z",
    hits=3,
    last_usage="2026-11-25T01:30:00.000000Z",
    extra={"cacheSize": 120, "contentType": "application/ld+json"},
)


async def test_put_get_list_delete(store: Store) -> None:
    await store.put_context(CACHED)
    await store.put_context(HOSTED)
    assert await store.get_context(HOSTED.url) == HOSTED
    assert await store.get_context(CACHED.url) == CACHED
    assert await store.get_context("https://example.org/none.jsonld") is None
    assert sorted(c.url for c in await store.list_contexts()) == sorted([HOSTED.url, CACHED.url])
    assert await store.delete_context(HOSTED.url)
    assert not await store.delete_context(HOSTED.url)
    assert await store.get_context(HOSTED.url) is None
    assert await store.list_contexts() == [CACHED]


async def test_put_on_an_existing_url_replaces_the_context(store: Store) -> None:
    await store.put_context(CACHED)
    reloaded = dataclasses.replace(
        CACHED,
        body={"@context": {"b": "https://example.org/b"}},
        kind="Hosted",
        created_at="2026-11-26T00:00:00.000000Z",
        extra={"cacheSize": 1},
    )
    await store.put_context(reloaded)
    stored = await store.get_context(CACHED.url)
    assert stored is not None
    assert (stored.body, stored.kind, stored.created_at, stored.extra) == (
        reloaded.body,
        reloaded.kind,
        reloaded.created_at,
        reloaded.extra,
    )
    assert [c.url for c in await store.list_contexts()] == [CACHED.url]
