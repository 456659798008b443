"""Rules engine fixtures: a recording sink, a hand-driven clock and an engine on each store.

The engine fixture is not started: tests feed it changes with ``handle`` and run its
timers with ``tick``, so nothing waits on wall-clock time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dosi.core.changes import ChangeFeed, ChangeKind, EntityChange
from dosi.core.jsonld import ContextResolver
from dosi.ops.rules import Rule, RuleEngine
from dosi.ops.signals import Signal
from dosi.settings import Settings
from dosi.store import Store

VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
LOCATION = "https://uri.etsi.org/ngsi-ld/location"
#: Monday 2026-11-23 12:00 UTC (21:00 in Seoul).
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC).timestamp()
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


class Recorder:
    """A SignalSink that keeps what it receives."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self._arrived = asyncio.Event()

    async def signal(self, signal: Signal) -> None:
        self.signals.append(signal)
        self._arrived.set()

    async def wait_for(self, count: int, within: float = 5.0) -> None:
        """Until ``count`` signals have arrived (the change feed is asynchronous)."""
        async with asyncio.timeout(within):
            while len(self.signals) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def kinds(self) -> list[str]:
        return ["clear" if s.clear else "fire" for s in self.signals]


class Clock:
    def __init__(self, now: float = MONDAY_NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sink() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, public_url="http://dosi.test")


@pytest.fixture
async def engine(
    store: Store, settings: Settings, sink: Recorder, clock: Clock
) -> AsyncIterator[RuleEngine]:
    engine = RuleEngine(
        store, ChangeFeed(), ContextResolver(settings, store), sink, clock=clock, flush_every=3600
    )
    yield engine
    await engine.stop()


def rule(kind: str, *, attribute: str | None = "waterLevel", **extra: Any) -> Rule:
    """A flood rule on WaterLevelObserved entities with the given condition."""
    condition = {"kind": kind, **extra.pop("condition", {})}
    body: dict[str, Any] = {
        "id": extra.pop("id", f"r-{kind}"),
        "name": {"en": "Water", "ko": "수위", "zh": "水位"},
        "entity_type": "WaterLevelObserved",
        "category": "flood",
        "severity": "major",
        "condition": condition,
        **extra,
    }
    if attribute is not None:
        body["attribute"] = attribute
    return Rule.model_validate(body)


def entity(
    entity_id: str,
    *,
    level: float | None = None,
    where: tuple[float, float] | None = None,
    etype: str = "WaterLevelObserved",
    **attrs: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = dict(attrs)
    if level is not None:
        values["waterLevel"] = level
    body: dict[str, Any] = {
        "id": entity_id,
        "type": [VOCAB + etype],
        "createdAt": "2026-11-23T00:00:00.000000Z",
        "modifiedAt": "2026-11-23T00:00:00.000000Z",
        "attrs": {
            VOCAB + name: [{"type": "Property", "value": value, "modifiedAt": ""}]
            for name, value in values.items()
        },
    }
    if where is not None:
        body["attrs"][LOCATION] = [
            {"type": "GeoProperty", "value": {"type": "Point", "coordinates": list(where)}}
        ]
    return body


class Feeder:
    """Sends successive versions of entities to the engine as 'updated' changes."""

    def __init__(self, engine: RuleEngine, tenant: str = "") -> None:
        self.engine = engine
        self.tenant = tenant
        self.last: dict[str, dict[str, Any]] = {}
        self.count = 0

    async def __call__(self, entity_id: str, **kwargs: Any) -> None:
        after = entity(entity_id, **kwargs)
        self.count += 1
        for instances in after["attrs"].values():  # every write is a new instance
            instances[0]["modifiedAt"] = f"n{self.count}"
        before = self.last.get(entity_id)
        self.last[entity_id] = after
        kind: ChangeKind = "created" if before is None else "updated"
        await self.engine.handle(EntityChange(self.tenant, entity_id, kind, before, after, ""))

    async def delete(self, entity_id: str) -> None:
        before = self.last.pop(entity_id)
        await self.engine.handle(EntityChange(self.tenant, entity_id, "deleted", before, None, ""))


@pytest.fixture
def feed(engine: RuleEngine) -> Feeder:
    return Feeder(engine)
