"""Placing devices in the city: bins and parking where people are, lights and counters
along roads, cameras at junctions, gauges along the river."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, Final

from dosi.sim.city import CityLayout, District
from dosi.sim.devices import Placement, SimDevice
from dosi.sim.environment import Environment
from dosi.sim.geo import Coord, lerp, offset
from dosi.sim.models import MODELS

FAMILIES: Final = {model.family.key: model for model in MODELS}
#: Devices per family at scale 1 (about 560 devices).
DEFAULT_COUNTS: Final = {
    "waste": 120,
    "air": 12,
    "flood": 6,
    "water": 4,
    "parking": 150,
    "lighting": 200,
    "traffic": 40,
    "cctv": 30,
}
_WEIGHTS: Final = {
    "waste": {
        "residential": 3.0,
        "commercial": 2.0,
        "government": 1.0,
        "industrial": 0.7,
        "park": 0.3,
    },
    "parking": {
        "residential": 2.0,
        "commercial": 3.0,
        "government": 1.5,
        "industrial": 0.5,
        "park": 0.3,
    },
}


def build_fleet(
    layout: CityLayout, env: Environment, seed: int, counts: Mapping[str, int]
) -> list[SimDevice]:
    """The devices of every family, in a stable order."""
    rng = random.Random(f"{seed}:fleet:{layout.spec.name}")
    devices: list[SimDevice] = []
    for key, model in FAMILIES.items():
        for index in range(counts.get(key, 0)):
            device_id = f"{layout.spec.name}-{key}-{index:05d}"
            extra: dict[str, Any] = {}
            location, district = _place(key, index, layout, rng, extra)
            device = model(
                index=index,
                device_id=device_id,
                entity_id=f"urn:ngsi-ld:{model.family.entity_type}:{device_id}",
                placement=Placement(location, district),
                env=env,
                rng=random.Random(f"{seed}:{device_id}"),
                layout=layout,
                **extra,
            )
            devices.append(device)
    return devices


def _weighted(rng: random.Random, layout: CityLayout, key: str) -> District:
    weights = [_WEIGHTS[key].get(d.kind, 1.0) for d in layout.districts]
    return rng.choices(layout.districts, weights=weights)[0]


def _place(
    key: str, index: int, layout: CityLayout, rng: random.Random, extra: dict[str, Any]
) -> tuple[Coord, District]:
    if key in ("waste", "parking"):
        district = _weighted(rng, layout, key)
        return layout.random_point(rng, district), district
    if key == "air":
        district = layout.districts[index % len(layout.districts)]
        return layout.random_point(rng, district), district
    if key in ("flood", "water"):
        fraction = (index % 6 + 0.5) / 6 if key == "flood" else rng.uniform(0.05, 0.95)
        point = layout.river_point(fraction)
        if key == "water":
            point = offset(point, 0, rng.uniform(-30, 30))
        return point, layout.district_of(point)
    if key in ("lighting", "traffic"):
        road = layout.roads[index % len(layout.roads)]
        fraction = 0.5 if key == "traffic" else rng.uniform(0.05, 0.95)
        point = offset(lerp(*road.coords, fraction), rng.uniform(-12, 12), rng.uniform(-12, 12))
        extra["road" if key == "traffic" else "road_id"] = road if key == "traffic" else road.id
        return point, layout.district_of(point)
    # cctv: at a junction, looking along one of its roads
    node_index = index % len(layout.nodes)
    node = layout.nodes[node_index]
    roads = [r for r in layout.roads if node_index in (r.start, r.end)]
    road = roads[index % len(roads)] if roads else layout.roads[0]
    far = road.coords[1] if road.start == node_index else road.coords[0]
    heading = math.degrees(math.atan2(far[0] - node[0], far[1] - node[1])) % 360
    extra["heading"] = round(heading + rng.uniform(-10, 10), 1) % 360
    point = offset(node, rng.uniform(-8, 8), rng.uniform(-8, 8))
    return point, layout.district_of(point)


__all__ = ["DEFAULT_COUNTS", "FAMILIES", "build_fleet"]
