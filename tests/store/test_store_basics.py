"""Store behaviour on both backends: candidates, isolation, rollback, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from dosi.errors import AlreadyExists, BadRequestData
from dosi.store import Candidates, GeoPrefilter, Store, Writes
from tests.store.simple import LOCATION, A, T, delete, entity, point, put


async def ids(store: Store, tenant: str = "", **where: object) -> list[str]:
    return [e["id"] async for e in store.iter_entities(tenant, Candidates(**where))]  # type: ignore[arg-type]


async def test_transact_then_get(store: Store) -> None:
    e = entity("urn:x:1", temperature=21.5, location=point(127.29, 36.48))
    writes = await store.transact("", ["urn:x:1"], put(e))
    assert writes.upserts == [e]
    assert await store.get_entity("", "urn:x:1") == e
    assert await store.get_entity("", "urn:x:none") is None
    both = await store.get_entities("", ["urn:x:1", "urn:x:none"])
    assert list(both) == ["urn:x:1"]


async def test_plan_sees_current_documents(store: Store) -> None:
    await store.transact("", ["urn:x:1"], put(entity("urn:x:1", n=1)))
    seen: dict[str, object] = {}

    def plan(current: dict[str, dict[str, object]]) -> Writes:
        seen.update(current)
        return Writes()

    await store.transact("", ["urn:x:1", "urn:x:2"], plan)
    assert list(seen) == ["urn:x:1"]


async def test_failing_plan_rolls_back_and_propagates(store: Store) -> None:
    await store.transact("", ["urn:x:1"], put(entity("urn:x:1", n=1)))

    def plan(current: dict[str, object]) -> Writes:
        raise AlreadyExists("nope")

    with pytest.raises(AlreadyExists):
        await store.transact("", ["urn:x:1"], plan)

    def bad_writes(current: dict[str, object]) -> Writes:
        return Writes(upserts=[entity("urn:x:2", n=2), {"id": "broken"}])

    with pytest.raises(Exception):  # noqa: B017 - backend-specific failure
        await store.transact("", ["urn:x:2"], bad_writes)
    assert await store.get_entity("", "urn:x:2") is None
    assert (await store.get_entity("", "urn:x:1"))["attrs"][A + "n"][0]["value"] == 1  # type: ignore[index]


async def test_delete(store: Store) -> None:
    await store.transact("", ["urn:x:1"], put(entity("urn:x:1", location=point(1, 1))))
    await store.transact("", ["urn:x:1"], delete("urn:x:1"))
    assert await store.get_entity("", "urn:x:1") is None
    geo = GeoPrefilter(LOCATION, (0, 0, 2, 2))
    assert await ids(store, geo=geo) == []


async def test_tenant_isolation(store: Store) -> None:
    await store.transact("a", ["urn:x:1"], put(entity("urn:x:1", "Bin", n=1)))
    await store.transact("b", ["urn:x:1"], put(entity("urn:x:1", "Car", n=2)))
    a = await store.get_entity("a", "urn:x:1")
    b = await store.get_entity("b", "urn:x:1")
    assert a is not None and b is not None and a != b
    assert await store.get_entity("", "urn:x:1") is None
    assert await ids(store, "a", types=frozenset({T + "Car"})) == []
    assert await store.count_entities("b", Candidates()) == 1
    assert [s.type for s in await store.type_stats("a")] == [T + "Bin"]
    await store.transact("a", ["urn:x:1"], delete("urn:x:1"))
    assert await store.get_entity("b", "urn:x:1") is not None
    assert await store.tenant_exists("a") and await store.tenant_exists("")
    assert not await store.tenant_exists("c")
    assert set(await store.list_tenants()) >= {"a", "b"}


async def test_candidates_each_field(store: Store) -> None:
    entities = [
        entity("urn:x:a1", "Bin", fill=1, location=point(127.0, 36.0)),
        entity("urn:x:a2", "Bin", "Sensor", fill=2, location=point(127.5, 36.5)),
        entity("urn:x:b1", "Car", speed=3, location=point(10.0, 50.0)),
        entity(
            "urn:x:b2",
            "Car",
            area={
                "type": "GeoProperty",
                "value": {
                    "type": "Polygon",
                    "coordinates": [
                        [[126.9, 35.9], [127.1, 35.9], [127.1, 36.1], [126.9, 36.1], [126.9, 35.9]]
                    ],
                },
            },
        ),
    ]
    await store.transact("", [e["id"] for e in entities], put(*entities))
    assert await ids(store) == ["urn:x:a1", "urn:x:a2", "urn:x:b1", "urn:x:b2"]
    assert await ids(store, ids=frozenset({"urn:x:b1", "urn:x:a1", "urn:x:zz"})) == [
        "urn:x:a1",
        "urn:x:b1",
    ]
    assert await ids(store, id_pattern="b[12]$") == ["urn:x:b1", "urn:x:b2"]
    assert await ids(store, types=frozenset({T + "Sensor"})) == ["urn:x:a2"]
    assert await ids(store, types=frozenset({T + "Sensor", T + "Car"})) == [
        "urn:x:a2",
        "urn:x:b1",
        "urn:x:b2",
    ]
    assert await ids(store, attrs=frozenset({A + "speed", A + "fill"})) == [
        "urn:x:a1",
        "urn:x:a2",
        "urn:x:b1",
    ]
    seoul_area = GeoPrefilter(LOCATION, (126.5, 35.5, 127.2, 36.2))
    assert await ids(store, geo=seoul_area) == ["urn:x:a1"]
    area = GeoPrefilter(A + "area", (127.05, 36.05, 127.06, 36.06))
    assert await ids(store, geo=area) == ["urn:x:b2"]
    combined = await ids(store, types=frozenset({T + "Bin"}), geo=seoul_area, id_pattern="a")
    assert combined == ["urn:x:a1"]
    assert await ids(store, after_id="urn:x:a2") == ["urn:x:b1", "urn:x:b2"]
    assert await store.count_entities("", Candidates(types=frozenset({T + "Bin"}))) == 2
    with pytest.raises(BadRequestData):
        await ids(store, id_pattern="(unclosed")


async def test_many_entities_stream_in_order_without_gaps(store: Store) -> None:
    many = [entity(f"urn:x:{i:05d}", n=i) for i in range(1234)]
    await store.transact("", [e["id"] for e in many], put(*many))
    streamed = await ids(store)
    assert streamed == sorted(e["id"] for e in many)
    page: list[str] = []
    after = None
    while True:
        chunk = []
        async for e in store.iter_entities("", Candidates(after_id=after)):
            chunk.append(e["id"])
            if len(chunk) == 100:
                break
        if not chunk:
            break
        page += chunk
        after = chunk[-1]
    assert page == streamed


async def test_type_stats(store: Store) -> None:
    entities = [
        entity("urn:x:1", "Bin", fill=1, location=point(1, 1)),
        entity("urn:x:2", "Bin", fill=2),
        entity("urn:x:3", "Bin", "Sensor", owner={"type": "Relationship", "object": "urn:y:1"}),
    ]
    await store.transact("", [e["id"] for e in entities], put(*entities))
    stats = {s.type: s for s in await store.type_stats("")}
    assert stats[T + "Bin"].entity_count == 3
    assert stats[T + "Sensor"].entity_count == 1
    assert stats[T + "Bin"].attributes[A + "fill"].count == 2
    assert stats[T + "Bin"].attributes[LOCATION].kinds == {"GeoProperty"}
    assert stats[T + "Sensor"].attributes[A + "owner"].kinds == {"Relationship"}


async def test_concurrent_read_modify_write_loses_nothing(store: Store) -> None:
    await store.transact("", ["urn:x:c"], put(entity("urn:x:c", n=0)))

    def increment(current: dict[str, dict[str, object]]) -> Writes:
        doc = current["urn:x:c"]
        instance = doc["attrs"][A + "n"][0]  # type: ignore[index]
        updated = {**doc, "attrs": {A + "n": [{**instance, "value": instance["value"] + 1}]}}
        return Writes(upserts=[updated])

    await asyncio.gather(*(store.transact("", ["urn:x:c"], increment) for _ in range(50)))
    final = await store.get_entity("", "urn:x:c")
    assert final is not None and final["attrs"][A + "n"][0]["value"] == 50


async def test_concurrent_creates_of_one_id_see_each_other(store: Store) -> None:
    created: list[int] = []

    def create_once(n: int):  # type: ignore[no-untyped-def]
        def plan(current: dict[str, object]) -> Writes:
            if "urn:x:once" in current:
                raise AlreadyExists("exists")
            created.append(n)
            return Writes(upserts=[entity("urn:x:once", n=n)])

        return plan

    results = await asyncio.gather(
        *(store.transact("", ["urn:x:once"], create_once(n)) for n in range(10)),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, Writes)) == 1
    assert sum(1 for r in results if isinstance(r, AlreadyExists)) == 9


async def test_delete_many_documents(store: Store) -> None:
    for key in ("a", "b", "c"):
        await store.put_document("t", "outbox", key, {"k": key})
    assert await store.delete_documents("t", "outbox", ["a", "c", "zz"]) == 2
    assert [k for k, _ in await store.list_documents("t", "outbox")] == ["b"]
