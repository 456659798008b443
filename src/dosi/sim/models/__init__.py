"""Device models of the simulated city, one module per domain."""

from __future__ import annotations

from dosi.sim.models.air import AirStation
from dosi.sim.models.cctv import Camera
from dosi.sim.models.lighting import Lamp
from dosi.sim.models.mobility import ParkingBay, TrafficCounter
from dosi.sim.models.waste import WasteBin
from dosi.sim.models.water import FlowStation, RiverGauge

MODELS = (WasteBin, AirStation, RiverGauge, FlowStation, ParkingBay, Lamp, TrafficCounter, Camera)

__all__ = [
    "MODELS",
    "AirStation",
    "Camera",
    "FlowStation",
    "Lamp",
    "ParkingBay",
    "RiverGauge",
    "TrafficCounter",
    "WasteBin",
]
