"""Store contract: acknowledged writes survive closing and reopening the store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from dosi.errors import StoreError
from dosi.store import Candidates, GeoPrefilter, Store, StoredContext
from tests.store.contract.builders import (
    FILLING_LEVEL,
    LOCATION,
    WASTE_CONTAINER,
    delete,
    ids_of,
    save,
    value_of,
    waste_container,
)

CONTEXT = StoredContext(
    url="https://example.org/ctx.jsonld", body={"@context": {}}, kind="Cached", created_at="t"
)


async def test_reopen_keeps_data_and_indexes(
    store: Store, reopen: Callable[[], Awaitable[Store]]
) -> None:
    await save(store, waste_container(1, fill=0.4), waste_container(2), tenant="sejong")
    await store.transact("sejong", [], delete("urn:ngsi-ld:WasteContainer:2"))
    await store.put_document("sejong", "devices", "wc-1", {"protocol": "UL2"})
    await store.put_context(CONTEXT)
    await store.close()

    again = await reopen()  # migrations run again: a no-op
    container = await again.get_entity("sejong", "urn:ngsi-ld:WasteContainer:1")
    assert value_of(container, FILLING_LEVEL) == 0.4
    assert await again.get_entity("sejong", "urn:ngsi-ld:WasteContainer:2") is None
    assert await again.tenant_exists("sejong")
    assert await again.get_document("sejong", "devices", "wc-1") == {"protocol": "UL2"}
    assert await again.get_context(CONTEXT.url) == CONTEXT
    where = Candidates(
        types=frozenset({WASTE_CONTAINER}), geo=GeoPrefilter(LOCATION, (127.0, 36.0, 128.0, 37.0))
    )
    assert await ids_of(again, where, "sejong") == ["urn:ngsi-ld:WasteContainer:1"]
    await save(again, waste_container(3), tenant="sejong")
    assert [s.entity_count for s in await again.type_stats("sejong")] == [2]


async def test_close_is_idempotent_and_final(store: Store) -> None:
    await save(store, waste_container(1))
    await store.close()
    await store.close()
    with pytest.raises(StoreError):
        await store.get_entity("", "urn:ngsi-ld:WasteContainer:1")
    with pytest.raises(StoreError):
        await save(store, waste_container(2))
