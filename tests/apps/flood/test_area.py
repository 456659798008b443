"""The affected area: a buffer in metres around a gauge."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, shape

from dosi.apps.flood.area import buffer_area


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("lat", [0.0, 36.48, 60.0])
def test_buffer_is_metres_wide_in_every_direction(lat: float) -> None:
    centre = (127.26, lat)
    area = buffer_area({"type": "Point", "coordinates": list(centre)}, 500)
    assert area["type"] == "Polygon"
    ring = area["coordinates"][0]
    assert isinstance(ring[0], list)
    for vertex in ring:
        assert haversine(centre, (vertex[0], vertex[1])) == pytest.approx(500, rel=0.01)
    assert shape(area).contains(Point(centre))


def test_buffer_around_a_river_reach() -> None:
    reach = {"type": "LineString", "coordinates": [[127.25, 36.48], [127.27, 36.49]]}
    area = shape(buffer_area(reach, 200))
    assert area.contains(Point(127.26, 36.485))
    assert not area.contains(Point(127.26, 36.50))
