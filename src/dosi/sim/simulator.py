"""The city simulator: a deterministic stream of device readings.

Readings come in rounds: in every round each device reports once, in a fixed (seeded)
order, at evenly spread simulated times. A round lasts ``devices / rate`` wall seconds
and ``speedup`` times as many simulated seconds. Given the same configuration (seed,
start time, counts, rate, speedup, scenarios), the stream is identical run after run;
only its pacing against the wall clock is left to the runner.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dosi.sim.city import CITIES, CityLayout, build_city
from dosi.sim.devices import SimDevice, normalized
from dosi.sim.environment import Environment, Scenario
from dosi.sim.fleet import DEFAULT_COUNTS, FAMILIES, build_fleet


@dataclass(frozen=True)
class SimConfig:
    city: str = "sejong"
    seed: int = 7
    counts: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COUNTS))
    #: Messages per wall-clock second, all devices together.
    rate: float = 50.0
    #: Simulated seconds per wall-clock second.
    speedup: float = 1.0
    #: Simulated start (epoch seconds); None: now, to the minute.
    start: float | None = None
    scenarios: frozenset[Scenario] = frozenset()

    def resolved_start(self) -> float:
        return self.start if self.start is not None else float(int(time.time()) // 60 * 60)


@dataclass(frozen=True, slots=True)
class Reading:
    """One device reading: the simulated time, its values and the bytes sent."""

    device: SimDevice
    t: float
    values: dict[str, Any]
    payload: bytes

    def entity(self) -> dict[str, Any]:
        """The Smart Data Models entity (keyValues) this reading makes."""
        return self.device.keyvalues(self.t, self.values)


class CitySimulator:
    def __init__(self, config: SimConfig) -> None:
        if config.city not in CITIES:
            raise ValueError(f"unknown city {config.city!r} (known: {', '.join(CITIES)})")
        unknown = set(config.counts) - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown device families: {', '.join(sorted(unknown))}")
        if config.rate <= 0 or config.speedup <= 0:
            raise ValueError("rate and speedup must be positive")
        self.config = config
        self.spec = CITIES[config.city]
        self.start = config.resolved_start()
        self.layout: CityLayout = build_city(self.spec, config.seed)
        self.env = Environment(self.spec, config.seed, self.start, config.scenarios)
        self.devices = build_fleet(self.layout, self.env, config.seed, config.counts)
        if not self.devices:
            raise ValueError("the simulation has no devices")
        order = list(self.devices)
        random.Random(f"{config.seed}:order").shuffle(order)
        self._order = order
        #: Simulated seconds between two readings of the same device.
        self.period = len(order) / config.rate * config.speedup

    def readings(self) -> Iterator[Reading]:
        """Every reading, forever, in order."""
        count = len(self._order)
        step = self.period / count
        t_round = self.start
        while True:
            for i, device in enumerate(self._order):
                t = t_round + i * step
                values = device.step(t)
                yield Reading(device, t, values, device.payload(t, values))
            t_round += self.period

    # -- provisioning --------------------------------------------------------------------
    def apikey(self, family: str) -> str:
        return f"sim-{self.spec.name}-{family}-{self.config.seed}"

    def groups(self, transport: str = "MQTT") -> list[dict[str, Any]]:
        """Service groups (provisioning bodies), one per device family in use."""
        used = {device.family.key for device in self.devices}
        bodies = []
        for key in sorted(used):
            family = FAMILIES[key].family
            body: dict[str, Any] = {
                "apikey": self.apikey(key),
                "entity_type": family.entity_type,
                "context": family.context,
                "protocol": family.protocol,
                "transport": transport,
                "description": f"simulated {key} devices of {self.spec.label}",
            }
            if family.attributes:
                body["attributes"] = list(family.attributes)
            if family.commands:
                body["commands"] = list(family.commands)
            bodies.append(body)
        return bodies

    def device_bodies(self) -> list[dict[str, Any]]:
        return [
            {
                "device_id": device.device_id,
                "apikey": self.apikey(device.family.key),
                "entity_id": device.entity_id,
                "static_attributes": normalized(device.static()),
            }
            for device in self.devices
        ]

    def topic(self, reading: Reading) -> str:
        return f"/{self.apikey(reading.device.family.key)}/{reading.device.device_id}/attrs"

    def device(self, device_id: str) -> SimDevice | None:
        if not hasattr(self, "_by_id"):
            self._by_id = {d.device_id: d for d in self.devices}
        return self._by_id.get(device_id)


__all__ = ["CitySimulator", "Reading", "SimConfig"]
