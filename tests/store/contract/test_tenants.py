"""Store contract: tenants are isolated in every read and write (ETSI GS CIM 009 §4.14)."""

from __future__ import annotations

from dosi.store import Candidates, GeoPrefilter, Store, Writes
from tests.store.contract.builders import (
    FILLING_LEVEL,
    LOCATION,
    SPEED,
    VEHICLE,
    WASTE_CONTAINER,
    delete,
    ids_of,
    save,
    thing,
    vehicle,
    waste_container,
)

SHARED_ID = "urn:ngsi-ld:Thing:shared"


async def two_tenants(store: Store) -> None:
    """The same id in tenants a and b with different types, attributes and places."""
    await save(store, {**waste_container(1, at=(127.0, 36.0)), "id": SHARED_ID}, tenant="a")
    await save(store, {**vehicle(1, at=(10.0, 50.0)), "id": SHARED_ID}, tenant="b")


async def test_same_id_in_two_tenants_are_two_entities(store: Store) -> None:
    await two_tenants(store)
    a = await store.get_entity("a", SHARED_ID)
    b = await store.get_entity("b", SHARED_ID)
    assert a is not None and a["type"] == [WASTE_CONTAINER]
    assert b is not None and b["type"] == [VEHICLE]
    assert await store.get_entity("", SHARED_ID) is None
    assert await store.get_entities("b", [SHARED_ID]) == {SHARED_ID: b}
    assert await store.get_entities("", [SHARED_ID]) == {}


async def test_queries_never_cross_tenants(store: Store) -> None:
    await two_tenants(store)
    await save(store, thing("urn:x:default", n=1))
    assert await ids_of(store, tenant="a") == [SHARED_ID]
    assert await ids_of(store) == ["urn:x:default"]
    assert await ids_of(store, Candidates(types=frozenset({VEHICLE})), "a") == []
    assert await ids_of(store, Candidates(attrs=frozenset({SPEED})), "a") == []
    assert await ids_of(store, Candidates(attrs=frozenset({FILLING_LEVEL})), "a") == [SHARED_ID]
    assert await ids_of(store, Candidates(ids=frozenset({SHARED_ID})), "") == []
    assert await ids_of(store, Candidates(id_pattern="shared"), "c") == []
    near_b = GeoPrefilter(LOCATION, (9.0, 49.0, 11.0, 51.0))
    assert await ids_of(store, Candidates(geo=near_b), "a") == []
    assert await ids_of(store, Candidates(geo=near_b), "b") == [SHARED_ID]
    assert await store.count_entities("a", Candidates()) == 1
    assert await store.count_entities("a", Candidates(types=frozenset({VEHICLE}))) == 0
    assert await store.count_entities("c", Candidates()) == 0


async def test_type_stats_per_tenant(store: Store) -> None:
    await two_tenants(store)
    assert [s.type for s in await store.type_stats("a")] == [WASTE_CONTAINER]
    assert [s.type for s in await store.type_stats("b")] == [VEHICLE]
    assert await store.type_stats("") == []
    assert await store.type_stats("never") == []


async def test_writes_in_one_tenant_leave_the_other_alone(store: Store) -> None:
    await two_tenants(store)
    seen: list[set[str]] = []

    def plan(current: dict[str, dict[str, object]]) -> Writes:
        seen.append(set(current))
        return Writes(deletes=[SHARED_ID])

    await store.transact("c", [SHARED_ID], plan)
    assert seen == [set()]
    await store.transact("a", [SHARED_ID], delete(SHARED_ID))
    assert await store.get_entity("a", SHARED_ID) is None
    assert await store.get_entity("b", SHARED_ID) is not None
    assert await ids_of(store, tenant="b") == [SHARED_ID]


async def test_tenant_exists_once_written(store: Store) -> None:
    assert await store.tenant_exists("")
    assert not await store.tenant_exists("sejong")
    await store.transact("sejong", ["urn:x:1"], lambda current: Writes())
    assert not await store.tenant_exists("sejong"), "a plan that wrote nothing creates nothing"
    await save(store, thing("urn:x:1", n=1), tenant="sejong")
    assert await store.tenant_exists("sejong")
    await store.transact("sejong", ["urn:x:1"], delete("urn:x:1"))
    assert await store.tenant_exists("sejong"), "a tenant outlives its entities"
    assert not await store.tenant_exists("Sejong"), "tenant names are case-sensitive"


async def test_list_tenants(store: Store) -> None:
    for tenant in ("b", "a", "a"):
        await save(store, thing("urn:x:1", n=1), tenant=tenant)
    tenants = await store.list_tenants()
    assert [t for t in tenants if t] == ["a", "b"]
