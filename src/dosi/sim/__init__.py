"""The city simulator: a plausible Sejong or Shenzhen whose devices publish Smart Data
Models readings to the device agent (``dosi simulate``, and the living city of ``dosi demo``)."""

from __future__ import annotations

from dosi.sim.city import CITIES, CityLayout, CitySpec, build_city
from dosi.sim.environment import SCENARIOS, Environment
from dosi.sim.fleet import DEFAULT_COUNTS, FAMILIES
from dosi.sim.runner import Counters, run_simulation
from dosi.sim.simulator import CitySimulator, Reading, SimConfig

__all__ = [
    "CITIES",
    "DEFAULT_COUNTS",
    "FAMILIES",
    "SCENARIOS",
    "CityLayout",
    "CitySimulator",
    "CitySpec",
    "Counters",
    "Environment",
    "Reading",
    "SimConfig",
    "build_city",
    "run_simulation",
]
