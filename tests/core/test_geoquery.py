"""Geo-queries (§4.10): relations, metre distances and a sound bounding-box prefilter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core.geoquery import haversine, parse_geo_query
from dosi.errors import BadRequestData
from dosi.geojson import bbox
from tests.core.resolver import DictResolver

R = DictResolver()
LOC = "https://uri.etsi.org/ngsi-ld/location"
SEJONG = (127.29, 36.48)
SQUARE = [[[127.0, 36.0], [128.0, 36.0], [128.0, 37.0], [127.0, 37.0], [127.0, 36.0]]]


def located(geometry: dict[str, Any]) -> dict[str, Any]:
    return {"attrs": {LOC: [{"type": "GeoProperty", "value": geometry}]}}


def at(lon: float, lat: float) -> dict[str, Any]:
    return located({"type": "Point", "coordinates": [lon, lat]})


def test_haversine_known_distance() -> None:
    # Seoul City Hall to Sejong Government Complex is about 120 km.
    assert 115_000 < haversine(126.978, 37.5665, 127.26, 36.504) < 125_000


def test_near_max_and_min_distance() -> None:
    one_km_east = SEJONG[0] + 1000 / (111_195 * 0.8043)
    near = parse_geo_query("near;maxDistance==1500", "Point", json.dumps(SEJONG), None, R)
    assert near is not None and near.matches(at(one_km_east, SEJONG[1]))
    tight = parse_geo_query("near;maxDistance==500", "Point", json.dumps(SEJONG), None, R)
    assert tight is not None and not tight.matches(at(one_km_east, SEJONG[1]))
    far = parse_geo_query("near;minDistance==500", "Point", json.dumps(SEJONG), None, R)
    assert far is not None and far.matches(at(one_km_east, SEJONG[1]))
    assert far.prefilter() is None


@pytest.mark.parametrize(
    ("georel", "geometry", "expected"),
    [
        ("within", {"type": "Point", "coordinates": [127.5, 36.5]}, True),
        ("within", {"type": "Point", "coordinates": [129.0, 36.5]}, False),
        ("intersects", {"type": "LineString", "coordinates": [[126.5, 36.5], [127.5, 36.5]]}, True),
        ("disjoint", {"type": "Point", "coordinates": [129.0, 36.5]}, True),
        ("equals", {"type": "Polygon", "coordinates": SQUARE}, True),
        (
            "overlaps",
            {
                "type": "Polygon",
                "coordinates": [
                    [[127.5, 36.5], [128.5, 36.5], [128.5, 37.5], [127.5, 37.5], [127.5, 36.5]]
                ],
            },
            True,
        ),
        (
            "contains",
            {
                "type": "Polygon",
                "coordinates": [[[126, 35], [129, 35], [129, 38], [126, 38], [126, 35]]],
            },
            True,
        ),
    ],
)
def test_relations(georel: str, geometry: dict[str, Any], expected: bool) -> None:
    query = parse_geo_query(georel, "Polygon", json.dumps(SQUARE), None, R)
    assert query is not None and query.matches(located(geometry)) is expected


def test_custom_geoproperty_and_none() -> None:
    query = parse_geo_query("within", "Polygon", SQUARE, "area", R)
    assert query is not None and query.geoproperty.endswith("area")
    assert not query.matches(at(127.5, 36.5))
    assert parse_geo_query(None, None, None, None, R) is None


@pytest.mark.parametrize(
    "args",
    [
        ("near", "Point", "[1, 2]"),
        ("near;maxDistance==x", "Point", "[1, 2]"),
        ("inside", "Point", "[1, 2]"),
        ("within", "Circle", "[1, 2]"),
        ("within", "Polygon", "[[[0, 0], [1, 0], [1, 1], [0, 1]]]"),
        ("within", "Point", "not json"),
        ("within", "Point", "[1]"),
        ("within", None, "[1, 2]"),
        (None, "Point", "[1, 2]"),
    ],
)
def test_invalid_geo_parameters(args: tuple[Any, ...]) -> None:
    with pytest.raises(BadRequestData):
        parse_geo_query(*args, None, R)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-179, 179),
    st.floats(-80, 80),
    st.floats(-0.05, 0.05),
    st.floats(-0.05, 0.05),
    st.integers(1, 20_000),
)
def test_prefilter_contains_every_match(
    lon: float, lat: float, dlon: float, dlat: float, metres: int
) -> None:
    query = parse_geo_query(f"near;maxDistance=={metres}", "Point", [lon, lat], None, R)
    assert query is not None
    target = at(lon + dlon, lat + dlat)
    if query.matches(target):
        box = query.prefilter()
        assert box is not None
        min_lon, min_lat, max_lon, max_lat = box.bbox
        assert min_lon <= lon + dlon <= max_lon and min_lat <= lat + dlat <= max_lat


def test_bbox_of_polygon() -> None:
    assert bbox({"type": "Polygon", "coordinates": SQUARE}) == (127.0, 36.0, 128.0, 37.0)
