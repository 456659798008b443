"""Plausible city layouts: districts (polygons), a road graph and waste depots.

Two cities are described: Sejong, built as a ring of neighbourhoods around a central
park with the Geum river crossing its south, and Shenzhen, a long strip of districts
along the coast with the Shenzhen river on its southern border. Layouts are generated
from the description and a seed, so the same seed always gives the same city.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from dosi.sim.geo import Coord, distance, lerp, offset, point_in_polygon, polar

RoadClass = Literal["arterial", "collector"]
DistrictKind = Literal["residential", "commercial", "industrial", "government", "park"]


@dataclass(frozen=True)
class CitySpec:
    name: str
    label: str
    center: Coord
    utc_offset: int
    country: str
    region: str
    shape: Literal["ring", "strip"]
    districts: tuple[tuple[str, DistrictKind], ...]
    #: River course as (east, north) metre offsets from the centre, upstream first.
    river: tuple[tuple[float, float], ...]
    #: Public holidays (local dates) that change waste and traffic patterns.
    holidays: frozenset[date]
    #: Background PM2.5 (µg/m³) and the seasonal episode the city knows.
    pm25_background: float
    episode: str


def _days(*spans: tuple[str, int]) -> frozenset[date]:
    out: set[date] = set()
    for start, length in spans:
        first = date.fromisoformat(start)
        out.update(date.fromordinal(first.toordinal() + i) for i in range(length))
    return frozenset(out)


SEJONG: Final = CitySpec(
    name="sejong",
    label="Sejong",
    center=(127.2890, 36.4800),
    utc_offset=9,
    country="KR",
    region="Sejong",
    shape="ring",
    districts=(
        ("Eojin-dong", "government"),
        ("Naseong-dong", "commercial"),
        ("Dajeong-dong", "residential"),
        ("Saerom-dong", "residential"),
        ("Hansol-dong", "residential"),
        ("Sodam-dong", "residential"),
        ("Bangok-dong", "commercial"),
        ("Boram-dong", "residential"),
        ("Daepyeong-dong", "residential"),
        ("Dodam-dong", "residential"),
        ("Areum-dong", "residential"),
        ("Jongchon-dong", "commercial"),
    ),
    river=(
        (-9000, -600),
        (-5000, -1600),
        (-1500, -2300),
        (2000, -2100),
        (5500, -2800),
        (9500, -3600),
    ),
    holidays=_days(
        ("2025-01-28", 3),
        ("2025-03-01", 1),
        ("2025-05-05", 2),
        ("2025-06-06", 1),
        ("2025-08-15", 1),
        ("2025-10-03", 7),
        ("2025-12-25", 1),
        ("2026-01-01", 1),
        ("2026-02-16", 3),
        ("2026-03-01", 1),
        ("2026-05-05", 1),
        ("2026-05-24", 1),
        ("2026-06-06", 1),
        ("2026-08-15", 1),
        ("2026-09-24", 3),
        ("2026-10-03", 1),
        ("2026-10-09", 1),
        ("2026-12-25", 1),
        ("2027-01-01", 1),
        ("2027-02-06", 3),
        ("2027-03-01", 1),
        ("2027-05-05", 1),
        ("2027-09-14", 3),
        ("2027-10-03", 1),
        ("2027-10-09", 1),
        ("2027-12-25", 1),
    ),
    pm25_background=19.0,
    episode="yellow dust",
)

SHENZHEN: Final = CitySpec(
    name="shenzhen",
    label="Shenzhen",
    center=(114.0579, 22.5431),
    utc_offset=8,
    country="CN",
    region="Guangdong",
    shape="strip",
    districts=(
        ("Guangming", "industrial"),
        ("Bao'an", "residential"),
        ("Nanshan", "commercial"),
        ("Longhua", "residential"),
        ("Futian", "commercial"),
        ("Luohu", "commercial"),
        ("Yantian", "industrial"),
        ("Longgang", "residential"),
        ("Pingshan", "industrial"),
        ("Dapeng", "park"),
    ),
    river=((-2000, -3600), (1500, -3300), (5000, -2900), (8500, -3400), (11500, -3000)),
    holidays=_days(
        ("2025-01-01", 1),
        ("2025-01-28", 8),
        ("2025-04-04", 3),
        ("2025-05-01", 5),
        ("2025-05-31", 3),
        ("2025-10-01", 8),
        ("2026-01-01", 3),
        ("2026-02-15", 9),
        ("2026-04-04", 3),
        ("2026-05-01", 5),
        ("2026-06-19", 3),
        ("2026-09-25", 3),
        ("2026-10-01", 7),
        ("2027-01-01", 3),
        ("2027-02-05", 8),
        ("2027-05-01", 5),
        ("2027-10-01", 7),
    ),
    pm25_background=24.0,
    episode="haze",
)

CITIES: Final = {spec.name: spec for spec in (SEJONG, SHENZHEN)}


@dataclass(frozen=True)
class District:
    name: str
    kind: DistrictKind
    polygon: list[Coord]

    @property
    def centroid(self) -> Coord:
        lon = sum(p[0] for p in self.polygon) / len(self.polygon)
        lat = sum(p[1] for p in self.polygon) / len(self.polygon)
        return (lon, lat)


@dataclass(frozen=True)
class Road:
    """A road segment between two graph nodes."""

    id: str
    start: int
    end: int
    coords: tuple[Coord, Coord]
    road_class: RoadClass
    lanes: int
    #: Free-flow speed (km/h) and capacity (vehicles/hour/lane).
    free_speed: float
    capacity: float

    @property
    def length(self) -> float:
        return distance(*self.coords)


@dataclass
class CityLayout:
    spec: CitySpec
    districts: list[District]
    nodes: list[Coord]
    roads: list[Road]
    depots: list[Coord]
    river: list[Coord] = field(default_factory=list)

    def district_of(self, point: Coord) -> District:
        for district in self.districts:
            if point_in_polygon(point, district.polygon):
                return district
        return min(self.districts, key=lambda d: distance(point, d.centroid))

    def random_point(self, rng: random.Random, district: District) -> Coord:
        """A uniformly random point inside a district (rejection sampling)."""
        lons = [p[0] for p in district.polygon]
        lats = [p[1] for p in district.polygon]
        for _ in range(1_000):
            point = (rng.uniform(min(lons), max(lons)), rng.uniform(min(lats), max(lats)))
            if point_in_polygon(point, district.polygon):
                return point
        return district.centroid

    def river_point(self, fraction: float) -> Coord:
        """The point ``fraction`` (0 = upstream end) along the river."""
        lengths = [distance(a, b) for a, b in zip(self.river, self.river[1:], strict=False)]
        target = max(0.0, min(1.0, fraction)) * sum(lengths)
        for (a, b), length in zip(
            zip(self.river, self.river[1:], strict=False), lengths, strict=True
        ):
            if target <= length:
                return lerp(a, b, target / length if length else 0.0)
            target -= length
        return self.river[-1]


def build_city(spec: CitySpec, seed: int) -> CityLayout:
    rng = random.Random(f"{seed}:city:{spec.name}")
    builder = _ring if spec.shape == "ring" else _strip
    layout = builder(spec, rng)
    layout.river = [offset(spec.center, e, n) for e, n in spec.river]
    return layout


def _jitter(rng: random.Random, point: Coord, metres: float) -> Coord:
    return offset(point, rng.uniform(-metres, metres), rng.uniform(-metres, metres))


def _ring(spec: CitySpec, rng: random.Random) -> CityLayout:
    """Neighbourhoods as ring sectors between 1.6 and 5 km around a central park; an inner
    and an outer ring road joined by radials (Sejong's ring-shaped plan)."""
    center = spec.center
    inner, outer = 1_600.0, 5_000.0
    count = len(spec.districts)
    step = 360.0 / count
    districts = []
    for i, (name, kind) in enumerate(spec.districts):
        a0, a1 = i * step, (i + 1) * step
        arc_out = [
            polar(center, a0 + (a1 - a0) * k / 6, outer + rng.uniform(-250, 250)) for k in range(7)
        ]
        arc_in = [polar(center, a1 - (a1 - a0) * k / 6, inner) for k in range(7)]
        districts.append(District(name, kind, arc_out + arc_in))
    nodes: list[Coord] = []
    for radius in (inner - 150, (inner + outer) / 2, outer + 300):
        for i in range(count):
            nodes.append(_jitter(rng, polar(center, i * step, radius), 60))
    roads: list[Road] = []
    classes: tuple[RoadClass, ...] = ("collector", "arterial", "arterial")
    for ring_index, road_class in enumerate(classes):
        base = ring_index * count
        for i in range(count):
            roads.append(_road(nodes, base + i, base + (i + 1) % count, road_class))
    for i in range(count):
        roads.append(_road(nodes, i, count + i, "collector"))
        roads.append(_road(nodes, count + i, 2 * count + i, "arterial"))
    depots = [polar(center, bearing, outer + 1_200) for bearing in (60.0, 180.0, 300.0)]
    return CityLayout(spec, districts, nodes, roads, depots)


def _strip(spec: CitySpec, rng: random.Random) -> CityLayout:
    """Districts side by side west to east (5 km wide, 11 km deep) between the hills in
    the north and the coast; three east-west arterials and north-south connectors."""
    center = spec.center
    count = len(spec.districts)
    width, depth = 5_000.0, 11_000.0
    west = -width * count / 2
    districts = []
    edges = [
        west + i * width + (rng.uniform(-600, 600) if 0 < i < count else 0)
        for i in range(count + 1)
    ]
    for i, (name, kind) in enumerate(spec.districts):
        x0, x1 = edges[i], edges[i + 1]
        polygon = [
            offset(center, x0, -depth / 2),
            offset(center, x1, -depth / 2 + rng.uniform(0, 500)),
            offset(center, x1, depth / 2),
            offset(center, x0, depth / 2 - rng.uniform(0, 500)),
        ]
        districts.append(District(name, kind, polygon))
    columns = count * 2 + 1
    rows = (-3_500.0, 0.0, 3_500.0)
    nodes = [
        _jitter(rng, offset(center, west + c * width / 2, north), 150)
        for north in rows
        for c in range(columns)
    ]
    roads: list[Road] = []
    for r in range(len(rows)):
        for c in range(columns - 1):
            roads.append(_road(nodes, r * columns + c, r * columns + c + 1, "arterial"))
    for r in range(len(rows) - 1):
        for c in range(0, columns, 2):
            roads.append(_road(nodes, r * columns + c, (r + 1) * columns + c, "collector"))
    depots = [
        offset(center, west + (i + 0.5) * width * 3, depth / 2 + 800)
        for i in range(math.ceil(count / 3))
    ]
    return CityLayout(spec, districts, nodes, roads, depots)


def _road(nodes: list[Coord], a: int, b: int, road_class: RoadClass) -> Road:
    lanes = 3 if road_class == "arterial" else 2
    return Road(
        id=f"road-{a:03d}-{b:03d}",
        start=a,
        end=b,
        coords=(nodes[a], nodes[b]),
        road_class=road_class,
        lanes=lanes,
        free_speed=70.0 if road_class == "arterial" else 50.0,
        capacity=1_800.0 if road_class == "arterial" else 1_200.0,
    )


__all__ = [
    "CITIES",
    "SEJONG",
    "SHENZHEN",
    "CityLayout",
    "CitySpec",
    "District",
    "Road",
    "build_city",
]
