"""Same seed, same city, same readings; another seed, another city."""

from __future__ import annotations

from itertools import islice

import pytest

from dosi.sim.simulator import CitySimulator, SimConfig

START = 1_790_000_000.0


def stream(**config: object) -> list[tuple[str, float, bytes]]:
    simulator = CitySimulator(SimConfig(start=START, **config))  # type: ignore[arg-type]
    return [(r.device.device_id, r.t, r.payload) for r in islice(simulator.readings(), 3_000)]


@pytest.mark.parametrize("city", ["sejong", "shenzhen"])
def test_same_seed_same_readings(city: str) -> None:
    assert stream(city=city, seed=11) == stream(city=city, seed=11)


def test_other_seed_other_readings() -> None:
    assert stream(seed=11) != stream(seed=12)


def test_provisioning_is_deterministic_too() -> None:
    a = CitySimulator(SimConfig(start=START, seed=3))
    b = CitySimulator(SimConfig(start=START, seed=3))
    assert a.device_bodies() == b.device_bodies()
    assert a.groups() == b.groups()


def test_rate_and_speedup_set_the_reporting_period() -> None:
    simulator = CitySimulator(SimConfig(start=START, counts={"waste": 100}, rate=10, speedup=60))
    assert simulator.period == pytest.approx(100 / 10 * 60)
    readings = list(islice(simulator.readings(), 201))
    assert readings[100].t - readings[0].t == pytest.approx(simulator.period)


@pytest.mark.parametrize(
    "config",
    [{"city": "atlantis"}, {"counts": {"unicorns": 1}}, {"rate": 0}, {"counts": {"waste": 0}}],
)
def test_bad_configurations(config: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CitySimulator(SimConfig(start=START, **config))  # type: ignore[arg-type]
