"""Temporal retention: history older than the configured duration is purged, per type
and per tenant, on both stores."""

from __future__ import annotations

from dosi.core.entities import EntityService
from dosi.core.temporal.params import parse_duration
from dosi.core.temporal.service import TemporalService
from dosi.settings import Settings
from dosi.store import HistoryQuery, Store
from dosi.store.base import epoch
from tests.core.resolver import DictResolver

R = DictResolver()
NOW = epoch("2026-11-25T00:00:00Z")


def body(entity_id: str, entity_type: str) -> dict[str, object]:
    days = ["2026-11-01", "2026-11-20", "2026-11-24"]
    return {
        "id": entity_id,
        "type": entity_type,
        "level": [
            {"type": "Property", "value": i, "observedAt": f"{d}T00:00:00Z"}
            for i, d in enumerate(days)
        ],
    }


async def count(store: Store, tenant: str, entity_id: str) -> int:
    return len(await store.history(tenant, HistoryQuery(entity_ids=(entity_id,))))


async def test_retention_rules(store: Store) -> None:
    service = TemporalService(EntityService(store))
    await service.upsert("", body("urn:x:bin", "Bin"), R)
    await service.upsert("", body("urn:x:gauge", "Gauge"), R)
    await service.upsert("city", body("urn:x:bin", "Bin"), R)
    settings = Settings(
        temporal_retention="P10D",
        temporal_retention_by_type={R.expand("Gauge"): "P2D"},
        temporal_retention_by_tenant={"city": "P30D"},
    )
    removed = await service.purge(settings, now=NOW)
    assert await count(store, "", "urn:x:bin") == 2  # the 2026-11-01 sample is gone
    assert await count(store, "", "urn:x:gauge") == 1  # only the last day is kept
    assert await count(store, "city", "urn:x:bin") == 3  # the tenant keeps 30 days
    assert removed == 3


def test_durations() -> None:
    assert parse_duration("PT1H") == 3600
    assert parse_duration("P1DT12H") == 1.5 * 86400
    assert parse_duration("P0D") == 0
    assert parse_duration("P2W") == 14 * 86400
