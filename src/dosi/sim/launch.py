"""``dosi simulate``: run a simulation against a target (the CLI draws the progress).

* ``inproc``: a whole platform in this process (embedded store, device agent on an
  in-process broker); nothing else needs to run.
* ``mqtt``: a running dosi server (provisioned over its ``/iot`` API) whose agent listens
  on the MQTT broker the simulated devices publish to.
* ``http``: a running dosi server; devices send to ``/iot/json`` and ``/iot/d``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from dosi.settings import Settings
from dosi.sim.runner import Counters, run_simulation
from dosi.sim.simulator import CitySimulator, SimConfig
from dosi.sim.targets import (
    AgentProvisioner,
    HttpProvisioner,
    HttpPublisher,
    MemoryPublisher,
    MqttPublisher,
)

Target = Literal["inproc", "mqtt", "http"]
TARGETS: Final[tuple[Target, ...]] = ("inproc", "mqtt", "http")


@dataclass
class Outcome:
    counters: Counters
    devices: int
    #: The agent's counters (inproc only: other targets report on their server).
    agent: dict[str, Any] | None = None


async def launch(
    config: SimConfig,
    target: Target,
    *,
    settings: Settings,
    url: str,
    mqtt_url: str,
    tenant: str = "",
    duration: float | None,
    on_progress: Callable[[Counters], None] | None = None,
    on_ready: Callable[[CitySimulator], None] | None = None,
) -> Outcome:
    sim = CitySimulator(config)
    if on_ready is not None:
        on_ready(sim)
    if target == "inproc":
        return await _inproc(sim, settings, tenant, duration, on_progress)
    if target == "mqtt":
        counters = await run_simulation(
            sim,
            MqttPublisher(mqtt_url),
            provisioner=HttpProvisioner(url, tenant),
            duration=duration,
            on_progress=on_progress,
        )
    else:
        counters = await run_simulation(
            sim,
            HttpPublisher(url, tenant),
            provisioner=HttpProvisioner(url, tenant, transport="HTTP"),
            duration=duration,
            on_progress=on_progress,
        )
    return Outcome(counters, len(sim.devices))


async def _inproc(
    sim: CitySimulator,
    settings: Settings,
    tenant: str,
    duration: float | None,
    on_progress: Callable[[Counters], None] | None,
) -> Outcome:
    from dosi.api.app import create_app

    broker = f"simulate-{uuid.uuid4().hex[:8]}"
    app = create_app(settings.model_copy(update={"mqtt_url": f"memory://{broker}"}))
    async with app.router.lifespan_context(app):
        agent = app.state.ingest
        counters = await run_simulation(
            sim,
            MemoryPublisher(broker),
            provisioner=AgentProvisioner(agent, tenant),
            duration=duration,
            on_progress=on_progress,
        )
    # the lifespan drained the agent: its counters are final
    return Outcome(counters, len(sim.devices), agent.stats_json())


__all__ = ["TARGETS", "Outcome", "Target", "launch"]
