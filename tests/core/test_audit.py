"""The audit trail: one record per single-entity write, one document per batch, and
the same flat records read back (paged by key) either way."""

from __future__ import annotations

from dosi.core.audit import ACTOR, audit_hook, read_records
from dosi.core.entities import EntityService
from dosi.store import Store

TYPE = "https://uri.etsi.org/ngsi-ld/default-context/Sensor"
T = "https://uri.etsi.org/ngsi-ld/default-context/t"
H = "https://uri.etsi.org/ngsi-ld/default-context/h"


def sensor(n: int, now: str, **values: float) -> dict[str, object]:
    attrs = {
        {"t": T, "h": H}[name]: [
            {"type": "Property", "value": value, "createdAt": now, "modifiedAt": now}
        ]
        for name, value in values.items()
    }
    return {
        "id": f"urn:ngsi-ld:Sensor:{n}",
        "type": [TYPE],
        "createdAt": now,
        "modifiedAt": now,
        "attrs": attrs,
    }


async def test_batches_are_read_back_as_one_record_per_entity(store: Store) -> None:
    service = EntityService(store)
    service.add_outbox_hook(audit_hook)
    token = ACTOR.set("device-agent")
    try:
        await service.create("", sensor(0, "2026-01-01T00:00:00Z", t=1))
        await service.batch_upsert(
            "",
            [sensor(n, "2026-01-01T00:00:01Z", t=n) for n in range(3)],
            update=True,
        )
        await service.batch_upsert(
            "", [sensor(n, "2026-01-01T00:00:02Z", h=n) for n in range(2)], update=True
        )
    finally:
        ACTOR.reset(token)
    assert len(await store.list_documents("", "audit")) == 3  # one document per write
    records = await read_records(store, "", after=None, limit=100)
    assert [(r["entity"][-1], r["change"], r["attributes"]) for r in records] == [
        ("0", "created", [T]),
        ("0", "updated", [T]),
        ("1", "created", [T]),
        ("2", "created", [T]),
        ("0", "updated", [H]),
        ("1", "updated", [H]),
    ]
    assert {r["actor"] for r in records} == {"device-agent"}
    assert [r["at"][-3:] for r in records] == ["00Z", "01Z", "01Z", "01Z", "02Z", "02Z"]
    keys = [r["key"] for r in records]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for size in (1, 2, 4):  # paging by key gives the same records in every page size
        paged, after = [], None
        while page := await read_records(store, "", after=after, limit=size):
            assert len(page) <= size
            paged.extend(page)
            after = page[-1]["key"]
        assert paged == records
    assert await read_records(store, "", after=None, limit=0) == []
    assert await read_records(store, "", after=None, limit=-1) == records
    assert await read_records(store, "", after=keys[2], limit=-1) == records[3:]
