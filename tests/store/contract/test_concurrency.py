"""Store contract: concurrent transactions are serializable and lose no update."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from dosi.errors import AlreadyExists
from dosi.store import Candidates, Entity, Store, Writes
from tests.store.contract.builders import SDM, PlanFn, ids_of, put, save, thing, value_of

COUNTER = "urn:ngsi-ld:Counter:1"
N = SDM + "n"
#: A lost wake-up must fail fast instead of hanging the suite.
pytestmark = pytest.mark.timeout(60)


def increment(entity_id: str) -> PlanFn:
    def plan(current: dict[str, Entity]) -> Writes:
        doc = current[entity_id]
        doc["attrs"][N][0]["value"] += 1
        return Writes(upserts=[doc])

    return plan


async def test_concurrent_read_modify_write_loses_no_update(store: Store) -> None:
    await save(store, thing(COUNTER, n=0))
    await asyncio.gather(*(store.transact("", [COUNTER], increment(COUNTER)) for _ in range(50)))
    assert value_of(await store.get_entity("", COUNTER), N) == 50


async def test_concurrent_multi_entity_transfers_keep_the_total(store: Store) -> None:
    accounts = [f"urn:x:account:{i}" for i in range(4)]
    await save(store, *(thing(a, n=100) for a in accounts))

    def transfer(source: str, target: str) -> PlanFn:
        def plan(current: dict[str, Entity]) -> Writes:
            current[source]["attrs"][N][0]["value"] -= 1
            current[target]["attrs"][N][0]["value"] += 1
            return Writes(upserts=[current[source], current[target]])

        return plan

    moves = [(accounts[i % 4], accounts[(i * 3 + 1) % 4]) for i in range(40)]
    await asyncio.gather(*(store.transact("", [s, t], transfer(s, t)) for s, t in moves if s != t))
    found = await store.get_entities("", accounts)
    assert sum(value_of(found[a], N) for a in accounts) == 400
    expected = {a: 100 for a in accounts}
    for source, target in moves:
        if source != target:
            expected[source] -= 1
            expected[target] += 1
    assert {a: value_of(found[a], N) for a in accounts} == expected


async def test_concurrent_creates_of_one_id_see_each_other(store: Store) -> None:
    def create_once(n: int) -> PlanFn:
        def plan(current: dict[str, Entity]) -> Writes:
            if "urn:x:once" in current:
                raise AlreadyExists("urn:x:once already exists")
            return Writes(upserts=[thing("urn:x:once", n=n)])

        return plan

    results = await asyncio.gather(
        *(store.transact("", ["urn:x:once"], create_once(n)) for n in range(10)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Writes) for r in results) == 1
    assert sum(isinstance(r, AlreadyExists) for r in results) == 9


async def test_a_failing_plan_does_not_affect_concurrent_ones(store: Store) -> None:
    class Refused(Exception):
        pass

    def refuse(current: dict[str, Entity]) -> Writes:
        raise Refused

    jobs = []
    for i in range(30):
        if i % 3 == 0:
            jobs.append(store.transact("", [f"urn:x:{i:02d}"], refuse))
        else:
            jobs.append(store.transact("", [f"urn:x:{i:02d}"], put(thing(f"urn:x:{i:02d}", n=i))))
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert [isinstance(r, Refused) for r in results] == [i % 3 == 0 for i in range(30)]
    assert await ids_of(store) == [f"urn:x:{i:02d}" for i in range(30) if i % 3]


async def test_reads_proceed_while_writes_run(store: Store) -> None:
    await save(store, *(thing(f"urn:x:{i:04d}", n=i) for i in range(300)))

    async def writer() -> None:
        for i in range(20):
            await save(store, thing(f"urn:y:{i:02d}", n=i))

    async def reader() -> int:
        return len([e async for e in store.iter_entities("", Candidates())])

    readers = [asyncio.ensure_future(reader()) for _ in range(5)]
    await writer()
    counts = [await r for r in readers]
    assert all(300 <= n <= 320 for n in counts)
    assert await store.count_entities("", Candidates()) == 320


async def test_cancelled_transacts_leave_the_store_usable(store: Store) -> None:
    started = threading.Event()

    def slow(current: dict[str, Entity]) -> Writes:
        started.set()
        time.sleep(0.2)  # keep the writer busy while the next transacts queue up
        return Writes(upserts=[thing("urn:x:slow", n=0)])

    first = asyncio.ensure_future(store.transact("", ["urn:x:slow"], slow))
    await asyncio.to_thread(started.wait, 5)
    queued = [
        asyncio.ensure_future(store.transact("", [f"urn:x:{i}"], put(thing(f"urn:x:{i}", n=i))))
        for i in range(20)
    ]
    await asyncio.sleep(0.01)
    for task in queued[::2]:
        task.cancel()
    await asyncio.wait_for(asyncio.gather(first, *queued, return_exceptions=True), 10)
    assert all(isinstance(task.result(), Writes) for task in [first, *queued[1::2]])
    await asyncio.wait_for(save(store, thing(COUNTER, n=0)), 10)
    found = await store.get_entities("", [f"urn:x:{i}" for i in range(20)])
    assert {f"urn:x:{i}" for i in range(1, 20, 2)} <= set(found)


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_many_small_transacts(store: Store, concurrency: int) -> None:
    async def worker(w: int) -> None:
        for i in range(25):
            await save(store, thing(f"urn:x:{w}:{i:03d}", n=i))

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    assert await store.count_entities("", Candidates()) == 25 * concurrency
