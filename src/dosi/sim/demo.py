"""``dosi demo``: a living city. The simulator feeds the built-in device agent.

With an MQTT broker (``DOSI_MQTT_URL``) the simulated devices publish over MQTT; without
one the agent listens on the in-process broker and the simulator publishes there, which
is the same agent code path (topics, decoding, mapping, batching) without the network.
"""

from __future__ import annotations

import logging
from typing import Final

from dosi.api.services import Services
from dosi.ingest.agent import IngestAgent, running_agent
from dosi.ingest.memory import MemoryTransport
from dosi.ingest.mqtt import MqttTransport
from dosi.sim.runner import run_simulation
from dosi.sim.simulator import CitySimulator, SimConfig
from dosi.sim.targets import (
    AgentProvisioner,
    AgentPublisher,
    MemoryPublisher,
    MqttPublisher,
    Publisher,
)

logger = logging.getLogger(__name__)

#: Readings per second of the demo city (about 560 devices: one reading each ~14 s).
DEMO_RATE: Final = 40.0


def _publisher(agent: IngestAgent) -> Publisher:
    transport = agent.transport
    if isinstance(transport, MemoryTransport):
        logger.info(
            "demo: no MQTT broker; the simulator feeds the device agent in-process (memory://%s)",
            transport.broker.name,
        )
        return MemoryPublisher(transport.broker.name)
    if isinstance(transport, MqttTransport):
        logger.info(
            "demo: the simulated devices publish over MQTT (%s)", transport.connect_args["hostname"]
        )
        return MqttPublisher(transport.url)
    logger.info("demo: no MQTT broker; the simulator feeds the device agent's inbox directly")
    return AgentPublisher(agent)


async def start_demo_city(
    services: Services, config: SimConfig | None = None
) -> CitySimulator | None:
    """An ``on_ready`` hook: provision the simulated city and keep it running (owned by
    the agent, which cancels it first on shutdown). Returns at once."""
    agent = running_agent(services.entities)
    if agent is None:
        logger.warning("demo: the device agent is not running; no simulated city")
        return None
    sim = CitySimulator(config or SimConfig(city="sejong", seed=7, rate=DEMO_RATE))
    publisher = _publisher(agent)
    agent.run_feeder(
        "demo-city",
        run_simulation(sim, publisher, provisioner=AgentProvisioner(agent)),
    )
    logger.info(
        "demo: simulating %d devices in %s at %.0f readings/s",
        len(sim.devices),
        sim.spec.label,
        sim.config.rate,
    )
    return sim


__all__ = ["DEMO_RATE", "start_demo_city"]
