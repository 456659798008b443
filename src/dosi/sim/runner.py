"""Running a simulation: provision, then send readings at the configured rate.

The runner paces the simulator's deterministic stream against the wall clock, counts
what was sent, refused and failed (one failed send never stops the run), answers
commands through the publisher and reports progress to a callback (the CLI draws it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from dosi.sim.simulator import CitySimulator
from dosi.sim.targets import Provisioner, Publisher, SendRefused, command_responder

logger = logging.getLogger(__name__)

PROGRESS_EVERY: Final = 0.25


@dataclass
class Counters:
    sent: int = 0
    refused: int = 0
    failed: int = 0
    commands: int = 0
    by_family: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    sim_time: float = 0.0
    last_error: str | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0


async def run_simulation(
    sim: CitySimulator,
    publisher: Publisher,
    *,
    provisioner: Provisioner | None = None,
    duration: float | None = None,
    max_messages: int | None = None,
    on_progress: Callable[[Counters], None] | None = None,
) -> Counters:
    """Provision (if a provisioner is given), then send until ``duration`` wall seconds or
    ``max_messages`` readings, whichever comes first (None: run until cancelled)."""
    if provisioner is not None:
        await provisioner.provision(sim.groups(), sim.device_bodies())
        logger.info("simulator: provisioned %d devices", len(sim.devices))
    counters = Counters()
    responder = command_responder(sim, publisher.reply)

    async def on_command(topic: str, payload: bytes) -> None:
        counters.commands += 1
        await responder(topic, payload)

    await publisher.start(on_command)
    loop = asyncio.get_running_loop()
    rate = sim.config.rate
    began = loop.time()
    counters.started = time.monotonic()
    next_report = began
    try:
        for index, reading in enumerate(sim.readings()):
            now = loop.time()
            if (duration is not None and now - began >= duration) or (
                max_messages is not None and index >= max_messages
            ):
                break
            ahead = began + index / rate - now
            if ahead > 0.002:
                await asyncio.sleep(ahead)
            elif index % 256 == 0:
                await asyncio.sleep(0)  # let the loop breathe at full speed
            try:
                await publisher.send(sim.topic(reading), reading)
            except SendRefused as exc:
                counters.refused += 1
                counters.last_error = str(exc)
            except Exception as exc:  # one reading: counted and logged, the run goes on
                counters.failed += 1
                counters.last_error = repr(exc)
                if counters.failed <= 3:
                    logger.warning("simulator: sending failed: %r", exc)
            else:
                counters.sent += 1
                counters.by_family[reading.device.family.key] += 1
            counters.sim_time = reading.t
            if on_progress is not None and now >= next_report:
                next_report = now + PROGRESS_EVERY
                on_progress(counters)
    finally:
        await publisher.close()
    if on_progress is not None:
        on_progress(counters)
    return counters


__all__ = ["Counters", "run_simulation"]
