"""Rules in the store: versions by key prefix, optimistic versions, and the log-only sink."""

from __future__ import annotations

from contextlib import AsyncExitStack
from types import SimpleNamespace
from typing import Any

import pytest

from dosi.core.changes import ChangeFeed
from dosi.core.jsonld import ContextResolver
from dosi.errors import Conflict, ResourceNotFound
from dosi.ops.rules import LogSink, RuleEngine, RuleRepository, start_rules
from dosi.settings import Settings
from dosi.store import Store
from dosi.store.documents import iter_documents, put_documents
from tests.ops.rules.conftest import Clock, Feeder, rule


async def test_versions_of_similar_ids_stay_apart(store: Store, settings: Settings) -> None:
    repository = RuleRepository(store, ContextResolver(settings, store))
    for rule_id in ("a", "a.b", "a-b", "aa", "b"):
        await repository.create(rule("threshold", id=rule_id, condition={"value": 1}))
    await repository.patch("", "a", {"severity": "critical"})
    await repository.patch("", "a", {"severity": "minor"})
    assert [s.version for s in await repository.versions("", "a")] == [1, 2, 3]
    assert [s.version for s in await repository.versions("", "aa")] == [1]
    assert [s.rule.id for s in await repository.list("")] == ["a", "a-b", "a.b", "aa", "b"]
    with pytest.raises(Conflict):
        await repository.replace(rule("threshold", id="a", condition={"value": 2}), expected=2)
    await repository.delete("", "a")
    with pytest.raises(ResourceNotFound):
        await repository.versions("", "a")
    assert [s.version for s in await repository.versions("", "a.b")] == [1]


async def test_iter_documents_pages_through_a_prefix(store: Store) -> None:
    docs: list[tuple[str, str, dict[str, Any]]] = [
        ("c", f"p/{n:04d}", {"n": n}) for n in range(1_200)
    ]
    docs += [("c", "o", {}), ("c", "q", {})]
    await put_documents(store, "t", docs)
    found = [doc["n"] async for _, doc in iter_documents(store, "t", "c", prefix="p/")]
    assert found == list(range(1_200))


async def test_a_failing_sink_does_not_stop_evaluation(
    store: Store, settings: Settings, clock: Clock
) -> None:
    class Broken:
        calls = 0

        async def signal(self, signal: object) -> None:
            Broken.calls += 1
            raise RuntimeError("incident service down")

    engine = RuleEngine(
        store, ChangeFeed(), ContextResolver(settings, store), Broken(), clock=clock
    )
    await engine.create(rule("threshold", condition={"value": 3.0}))
    feed = Feeder(engine)
    await feed("urn:x:a", level=4.0)
    await feed("urn:x:b", level=4.0)
    assert Broken.calls == 2
    assert [s["active"] for s in engine.states("", "r-threshold")] == [True, True]
    await engine.stop()


async def test_start_rules_without_a_sink_logs(store: Store, settings: Settings) -> None:
    services: Any = SimpleNamespace(
        store=store, feed=ChangeFeed(), resolver=ContextResolver(settings, store)
    )
    async with AsyncExitStack() as stack:
        engine = await start_rules(services, None, stack)
        assert isinstance(engine.sink, LogSink)
        await engine.create(rule("threshold", condition={"value": 3.0}))
        await Feeder(engine)("urn:x:a", level=4.0)
    assert await store.get_document("", "ops.rule-state", "r-threshold/urn:x:a") is not None
