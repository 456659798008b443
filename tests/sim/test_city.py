"""City layouts: where the cities are, districts as polygons, a connected road graph."""

from __future__ import annotations

import random
from collections import deque

import pytest

from dosi.sim.city import CITIES, SEJONG, SHENZHEN, CitySpec, build_city
from dosi.sim.geo import distance, point_in_polygon, sector


@pytest.mark.parametrize(
    ("spec", "lat", "lon"), [(SEJONG, 36.48, 127.29), (SHENZHEN, 22.54, 114.06)]
)
def test_cities_are_where_they_are(spec: CitySpec, lat: float, lon: float) -> None:
    layout = build_city(spec, seed=1)
    for district in layout.districts:
        c_lon, c_lat = district.centroid
        assert abs(c_lat - lat) < 0.2 and abs(c_lon - lon) < 0.3
    assert distance(spec.center, (lon, lat)) < 2_000


@pytest.mark.parametrize("spec", list(CITIES.values()))
def test_districts_roads_depots(spec: CitySpec) -> None:
    layout = build_city(spec, seed=3)
    assert [d.name for d in layout.districts] == [name for name, _ in spec.districts]
    rng = random.Random(0)
    for district in layout.districts:
        for _ in range(20):
            point = layout.random_point(rng, district)
            assert point_in_polygon(point, district.polygon)
            assert layout.district_of(point).name == district.name
    # one connected road network with plausible segment lengths
    neighbours: dict[int, set[int]] = {}
    for road in layout.roads:
        assert 200 < road.length < 6_000
        neighbours.setdefault(road.start, set()).add(road.end)
        neighbours.setdefault(road.end, set()).add(road.start)
    seen, queue = {0}, deque([0])
    while queue:
        for nxt in neighbours[queue.popleft()] - seen:
            seen.add(nxt)
            queue.append(nxt)
    assert seen == set(range(len(layout.nodes)))
    assert layout.depots
    assert len(layout.river) >= 2


def test_layout_is_deterministic() -> None:
    a, b, c = build_city(SEJONG, 5), build_city(SEJONG, 5), build_city(SEJONG, 6)
    assert a.districts == b.districts and a.roads == b.roads
    assert a.districts != c.districts


def test_camera_sector_contains_what_it_sees() -> None:
    origin = SEJONG.center
    polygon = sector(origin, heading=90.0, fov=60.0, reach=100.0)
    east = (origin[0] + 0.0005, origin[1])  # ~45 m east
    west = (origin[0] - 0.0005, origin[1])
    assert point_in_polygon(east, polygon)
    assert not point_in_polygon(west, polygon)
