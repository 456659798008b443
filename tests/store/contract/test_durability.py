"""Store contract: acknowledged writes survive closing and reopening the store."""

from __future__ import annotations

from pathlib import Path

from dosi.store import Candidates, GeoPrefilter, StoredContext, create_store
from tests.conftest import drop_pg_schema, store_url
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


async def test_reopen_keeps_data_and_indexes(store_kind: str, tmp_path: Path) -> None:
    url, schema = store_url(store_kind, tmp_path)
    try:
        first = create_store(url)
        await first.open()
        await save(first, waste_container(1, fill=0.4), waste_container(2), tenant="sejong")
        await first.transact("sejong", [], delete("urn:ngsi-ld:WasteContainer:2"))
        await first.put_document("sejong", "devices", "wc-1", {"protocol": "UL2"})
        await first.put_context(CONTEXT)
        await first.close()

        second = create_store(url)
        await second.open()  # migrations run again: a no-op
        try:
            container = await second.get_entity("sejong", "urn:ngsi-ld:WasteContainer:1")
            assert value_of(container, FILLING_LEVEL) == 0.4
            assert await second.get_entity("sejong", "urn:ngsi-ld:WasteContainer:2") is None
            assert await second.tenant_exists("sejong")
            assert await second.get_document("sejong", "devices", "wc-1") == {"protocol": "UL2"}
            assert await second.get_context(CONTEXT.url) == CONTEXT
            where = Candidates(
                types=frozenset({WASTE_CONTAINER}),
                geo=GeoPrefilter(LOCATION, (127.0, 36.0, 128.0, 37.0)),
            )
            assert await ids_of(second, where, "sejong") == ["urn:ngsi-ld:WasteContainer:1"]
            await save(second, waste_container(3), tenant="sejong")
            assert [s.entity_count for s in await second.type_stats("sejong")] == [2]
        finally:
            await second.close()
    finally:
        if schema:
            await drop_pg_schema(schema)
