"""Data written through one store instance is there after closing and reopening it."""

from __future__ import annotations

from pathlib import Path

from dosi.store import create_store
from tests.conftest import drop_pg_schema, store_url
from tests.store.simple import entity, put


async def test_reopen_keeps_data(store_kind: str, tmp_path: Path) -> None:
    url, schema = store_url(store_kind, tmp_path)
    try:
        first = create_store(url)
        await first.open()
        await first.transact("t", ["urn:x:1"], put(entity("urn:x:1", n=1)))
        await first.put_document("t", "c", "k", {"v": 1})
        await first.close()
        second = create_store(url)
        await second.open()  # migrations run again: must be a no-op
        try:
            assert (await second.get_entity("t", "urn:x:1")) is not None
            assert await second.get_document("t", "c", "k") == {"v": 1}
            assert await second.tenant_exists("t")
        finally:
            await second.close()
    finally:
        if schema:
            await drop_pg_schema(schema)
