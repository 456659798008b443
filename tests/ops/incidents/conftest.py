"""An incident service on each store, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.ops.incidents import IncidentService
from dosi.ops.signals import Signal
from dosi.settings import OpsSettings, Settings
from dosi.store import Store

START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
TITLE = {"ko": "금강 수위 경보", "zh": "锦江水位警报", "en": "Geum river level warning"}
GAUGE = {"type": "Point", "coordinates": [127.2890, 36.4800]}


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def signal(**changes: Any) -> Signal:
    base: dict[str, Any] = {
        "source": "rule:river-level@1",
        "key": "rule:river-level:urn:ngsi-ld:WaterObserved:g1",
        "category": "flood",
        "severity": "major",
        "title": TITLE,
        "observed_at": START,
        "entity_ids": ("urn:ngsi-ld:WaterObserved:g1",),
        "location": GAUGE,
        "readings": {"height": 4.2},
    }
    base.update(changes)
    return Signal(**base)


@dataclass
class Ops:
    service: IncidentService
    clock: Clock
    entities: EntityService
    store: Store
    extra: dict[str, Any] = field(default_factory=dict)


def ops_settings(**changes: Any) -> OpsSettings:
    return OpsSettings(**{"cap_sender": "ioc@sejong.go.kr", "city": "Sejong", **changes})


@pytest.fixture
def settings() -> OpsSettings:
    return ops_settings()


@pytest.fixture
async def ops(store: Store, settings: OpsSettings, tmp_path: Path) -> AsyncIterator[Ops]:
    clock = Clock()
    entities = EntityService(store)
    resolver = ContextResolver(Settings(data_dir=tmp_path), store)
    service = IncidentService(entities, resolver, settings, clock=clock)
    await service.start(timer=False)
    try:
        yield Ops(service, clock, entities, store)
    finally:
        await service.stop()
