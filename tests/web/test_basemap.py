"""The generated basemap: valid GeoJSON that covers the demo city, the same every time."""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point, shape

from dosi.demo.sample_city import SEJONG, sample_city
from dosi.web.basemap import basemap

GEOJSON_TYPES = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}


def test_only_geojson_geometries() -> None:
    for feature in basemap()["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in GEOJSON_TYPES, feature["properties"]
        assert shape(feature["geometry"]).is_valid


def test_has_every_part() -> None:
    features = basemap()["features"]
    kinds = Counter(f["properties"]["kind"] for f in features)
    assert kinds["outline"] == 1
    assert kinds["district"] == len(SEJONG.districts)
    assert kinds["label"] == len(SEJONG.districts)
    assert kinds["road"] > 50
    assert kinds["water"] >= 1 and kinds["river"] == 1 and kinds["park"] == 1
    classes = {f["properties"]["class"] for f in features if f["properties"]["kind"] == "road"}
    assert classes == {"arterial", "street"}
    labels = {f["properties"]["name"]: f for f in features if f["properties"]["kind"] == "label"}
    assert set(labels) == set(SEJONG.districts)
    assert labels["Hansol"]["properties"]["name:ko"] == "한솔동"


def test_outline_covers_the_sample_city() -> None:
    data = basemap()
    kinds = [(f["properties"]["kind"], f["geometry"]) for f in data["features"]]
    [outline] = [shape(geometry) for kind, geometry in kinds if kind == "outline"]
    minx, miny, maxx, maxy = data["bbox"]
    for entity in sample_city():
        lon, lat = entity["location"]["value"]["coordinates"]
        assert outline.contains(Point(lon, lat)), entity["id"]
        assert minx <= lon <= maxx and miny <= lat <= maxy


def test_districts_do_not_overlap() -> None:
    districts = [
        shape(f["geometry"]) for f in basemap()["features"] if f["properties"]["kind"] == "district"
    ]
    for i, a in enumerate(districts):
        for b in districts[i + 1 :]:
            assert a.intersection(b).area < 1e-9


def test_deterministic() -> None:
    assert basemap() == basemap()
    assert basemap(seed=1) != basemap(seed=2)
