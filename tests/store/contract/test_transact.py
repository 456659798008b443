"""Store contract: ``transact`` and entity reads (every backend must pass)."""

from __future__ import annotations

import pytest

from dosi.errors import AlreadyExists, StoreError
from dosi.store import Candidates, Entity, Store, Writes
from tests.store.contract.builders import (
    FILLING_LEVEL,
    LATER,
    NO2,
    SDM,
    PlanFn,
    air_quality,
    delete,
    put,
    save,
    thing,
    value_of,
    waste_container,
)


class PlanFailed(Exception):
    """A plan's own exception: it must reach the caller unchanged."""


async def test_transact_creates_and_get_returns_the_document(store: Store) -> None:
    container = waste_container(1, fill=0.7)
    writes = await store.transact("", [container["id"]], put(container))
    assert writes.upserts == [container]
    assert writes.deletes == []
    assert await store.get_entity("", container["id"]) == container
    assert await store.get_entity("", "urn:ngsi-ld:WasteContainer:none") is None


async def test_document_round_trips_exactly(store: Store) -> None:
    entity = air_quality("seoul")
    entity["attrs"][NO2][0]["observedAt"] = LATER
    entity["attrs"][NO2][0]["value"] = 21.25
    entity["attrs"][NO2].append(
        {"type": "Property", "value": None, "datasetId": "urn:ngsi-ld:Dataset:null"}
    )
    entity["attrs"]["https://example.org/unicode"] = [{"type": "Property", "value": "서울 ✓"}]
    entity["attrs"]["https://example.org/big"] = [{"type": "Property", "value": 2**53 + 1}]
    await save(store, entity)
    stored = await store.get_entity("", entity["id"])
    assert stored == entity
    assert list(stored or {}) == list(entity)  # member order is kept


async def test_get_entities_returns_only_existing(store: Store) -> None:
    await save(store, waste_container(1), waste_container(2), air_quality(1))
    wanted = ["urn:ngsi-ld:WasteContainer:2", "urn:ngsi-ld:WasteContainer:9"]
    found = await store.get_entities("", [*wanted, "urn:ngsi-ld:AirQualityObserved:1"])
    assert set(found) == {"urn:ngsi-ld:WasteContainer:2", "urn:ngsi-ld:AirQualityObserved:1"}
    assert found["urn:ngsi-ld:WasteContainer:2"] == waste_container(2)
    assert await store.get_entities("", []) == {}


async def test_get_entities_with_many_ids(store: Store) -> None:
    many = [thing(f"urn:x:{i:05d}", n=i) for i in range(2500)]
    await save(store, *many)
    asked = [e["id"] for e in many[::2]] + [f"urn:x:missing:{i}" for i in range(1000)]
    found = await store.get_entities("", asked)
    assert sorted(found) == sorted(e["id"] for e in many[::2])


async def test_plan_sees_current_documents_only_for_existing_ids(store: Store) -> None:
    await save(store, waste_container(1, fill=0.3))
    seen: dict[str, Entity] = {}

    def plan(current: dict[str, Entity]) -> Writes:
        seen.update(current)
        return Writes()

    ids = ["urn:ngsi-ld:WasteContainer:1", "urn:ngsi-ld:WasteContainer:2"]
    await store.transact("", ids, plan)
    assert list(seen) == ["urn:ngsi-ld:WasteContainer:1"]
    assert value_of(seen["urn:ngsi-ld:WasteContainer:1"], FILLING_LEVEL) == 0.3


async def test_plan_sees_its_own_previous_commit(store: Store) -> None:
    entity_id = "urn:ngsi-ld:WasteContainer:1"
    await save(store, waste_container(1, fill=0.1))

    def raise_fill(current: dict[str, Entity]) -> Writes:
        doc = current[entity_id]
        doc["attrs"][FILLING_LEVEL][0]["value"] += 0.2
        return Writes(upserts=[doc])

    await store.transact("", [entity_id], raise_fill)
    await store.transact("", [entity_id], raise_fill)
    assert value_of(await store.get_entity("", entity_id), FILLING_LEVEL) == pytest.approx(0.5)


async def test_transact_returns_the_plan_writes(store: Store) -> None:
    writes = Writes(upserts=[thing("urn:x:1", n=1)], deletes=["urn:x:none"])
    assert await store.transact("", ["urn:x:1", "urn:x:none"], lambda current: writes) is writes


async def test_failing_plan_writes_nothing_and_its_exception_propagates(store: Store) -> None:
    await save(store, thing("urn:x:1", n=1))
    error = PlanFailed("boom")

    def plan(current: dict[str, Entity]) -> Writes:
        raise error

    with pytest.raises(PlanFailed) as caught:
        await store.transact("", ["urn:x:1", "urn:x:2"], plan)
    assert caught.value is error
    with pytest.raises(AlreadyExists):
        await store.transact("", ["urn:x:1"], _raise(AlreadyExists("urn:x:1 exists")))
    assert await store.get_entity("", "urn:x:2") is None
    assert value_of(await store.get_entity("", "urn:x:1"), SDM + "n") == 1


async def test_failing_write_rolls_back_every_write_of_the_plan(store: Store) -> None:
    await save(store, thing("urn:x:1", n=1), thing("urn:x:3", n=3))

    def bad_writes(current: dict[str, Entity]) -> Writes:
        changed = thing("urn:x:1", n=100)
        created = thing("urn:x:2", n=2)
        return Writes(upserts=[changed, created, {"id": "urn:x:broken"}], deletes=["urn:x:3"])

    with pytest.raises(StoreError):
        await store.transact("", ["urn:x:1", "urn:x:2", "urn:x:3"], bad_writes)
    assert await store.get_entity("", "urn:x:2") is None
    assert await store.get_entity("", "urn:x:3") == thing("urn:x:3", n=3)
    assert await store.get_entity("", "urn:x:1") == thing("urn:x:1", n=1)
    assert await store.count_entities("", Candidates()) == 2


async def test_unserializable_document_is_a_store_error(store: Store) -> None:
    broken = thing("urn:x:1", n=object())
    with pytest.raises(StoreError):
        await store.transact("", ["urn:x:1"], put(broken))
    assert await store.get_entity("", "urn:x:1") is None


async def test_update_replaces_the_whole_document(store: Store) -> None:
    await save(store, thing("urn:x:1", a=1, b=2))
    await save(store, thing("urn:x:1", c=3))
    assert await store.get_entity("", "urn:x:1") == thing("urn:x:1", c=3)


async def test_delete_removes_documents_and_ignores_missing_ids(store: Store) -> None:
    await save(store, waste_container(1), waste_container(2))
    ids = ["urn:ngsi-ld:WasteContainer:1", "urn:ngsi-ld:WasteContainer:404"]
    writes = await store.transact("", ids, delete(*ids))
    assert writes.deletes == ids
    assert await store.get_entity("", ids[0]) is None
    assert await store.get_entity("", "urn:ngsi-ld:WasteContainer:2") is not None
    assert await store.count_entities("", Candidates()) == 1


async def test_delete_then_recreate(store: Store) -> None:
    await save(store, waste_container(1, fill=0.9))
    await store.transact(
        "", ["urn:ngsi-ld:WasteContainer:1"], delete("urn:ngsi-ld:WasteContainer:1")
    )
    await save(store, waste_container(1, fill=0.1))
    recreated = await store.get_entity("", "urn:ngsi-ld:WasteContainer:1")
    assert value_of(recreated, FILLING_LEVEL) == 0.1


async def test_one_plan_may_delete_some_and_upsert_others(store: Store) -> None:
    await save(store, thing("urn:x:old", n=1))

    def swap(current: dict[str, Entity]) -> Writes:
        assert "urn:x:old" in current
        return Writes(upserts=[thing("urn:x:new", n=2)], deletes=["urn:x:old"])

    await store.transact("", ["urn:x:old", "urn:x:new"], swap)
    assert await store.get_entity("", "urn:x:old") is None
    assert await store.get_entity("", "urn:x:new") == thing("urn:x:new", n=2)


async def test_plan_may_upsert_ids_it_did_not_load(store: Store) -> None:
    await save(store, thing("urn:x:1", n=1))
    await store.transact("", [], put(thing("urn:x:1", n=5), thing("urn:x:2", n=2)))
    assert value_of(await store.get_entity("", "urn:x:1"), SDM + "n") == 5
    assert await store.count_entities("", Candidates()) == 2


async def test_duplicate_ids_are_loaded_once(store: Store) -> None:
    await save(store, thing("urn:x:1", n=1))
    seen: list[list[str]] = []

    def plan(current: dict[str, Entity]) -> Writes:
        seen.append(list(current))
        return Writes()

    await store.transact("", ["urn:x:1", "urn:x:1"], plan)
    assert seen[-1] == ["urn:x:1"]


def _raise(error: Exception) -> PlanFn:
    def plan(current: dict[str, Entity]) -> Writes:
        raise error

    return plan
