"""Every emitted entity validates against its Smart Data Models JSON Schema, offline; and
the validation is real (the known-invalid reference examples fail)."""

from __future__ import annotations

import json
from itertools import islice

import pytest

from dosi.sim.schemas import SCHEMA_URLS, errors
from dosi.sim.simulator import CitySimulator, SimConfig
from tests.conftest import reference

START = 1_790_000_000.0


@pytest.mark.parametrize("city", ["sejong", "shenzhen"])
def test_every_emitted_entity_is_valid(city: str) -> None:
    simulator = CitySimulator(
        SimConfig(
            city=city,
            start=START,
            speedup=300,
            scenarios=frozenset({"flood", "fire", "air-episode"}),
        )
    )
    seen: set[str] = set()
    for reading in islice(simulator.readings(), len(simulator.devices) * 6):
        entity = reading.entity()
        seen.add(entity["type"])
        assert errors(entity) == [], (reading.device.device_id, entity)
    assert seen == set(SCHEMA_URLS)


@pytest.mark.parametrize("entity_type", sorted(SCHEMA_URLS))
def test_reference_keyvalues_examples(entity_type: str) -> None:
    example = json.loads(reference("smart-data-models", entity_type, "example.jsonld").read_text())
    example.pop("@context", None)
    problems = errors(example)
    if entity_type == "AirQualityObserved":  # its dateObserved has no time zone
        assert any("dateObserved" in p and "date-time" in p for p in problems)
    else:
        assert problems == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"fillingLevel": 1.5}, "fillingLevel"),
        ({"status": "exploded"}, "status"),
        ({"dateLastEmptying": "yesterday"}, "dateLastEmptying"),
        ({"location": {"type": "Point"}}, "location"),
    ],
)
def test_invalid_entities_are_caught(change: dict[str, object], where: str) -> None:
    simulator = CitySimulator(SimConfig(start=START, counts={"waste": 1}))
    reading = next(simulator.readings())
    entity = {**reading.entity(), **change}
    assert any(p.startswith(where) for p in errors(entity))
