"""A vector basemap generated for a city: outline, districts, central park, river, roads.

The control room has no tile server and no internet, so it draws this GeoJSON under the
entity layers. It is plausible, not surveyed: districts are a Voronoi partition around
the centre, roads a ring with radials plus a rotated street grid per district. The same
city and seed always give the same map. (The simulator will later provide real roads.)
"""

from __future__ import annotations

import math
import random
from typing import Any, Final

import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from dosi.demo.sample_city import SEJONG, City

#: Local names of the sample city's districts (data shown on the map, by language).
LOCAL_NAMES: Final[dict[str, dict[str, str]]] = {
    "sejong": {"ko": "세종", "zh": "世宗"},
    "Hansol": {"ko": "한솔동"},
    "Dodam": {"ko": "도담동"},
    "Areum": {"ko": "아름동"},
    "Jongchon": {"ko": "종촌동"},
    "Goun": {"ko": "고운동"},
    "Boram": {"ko": "보람동"},
    "Saerom": {"ko": "새롬동"},
    "Daepyeong": {"ko": "대평동"},
}
METRES_PER_DEGREE: Final = 111_320.0
STREET_SPACING: Final = 550.0
RIVER_WIDTH: Final = 260.0


class _Frame:
    """Local metres (east, north) around the city centre ⇄ WGS 84 degrees."""

    def __init__(self, city: City) -> None:
        self.lon0, self.lat0 = city.lon, city.lat
        self.kx = METRES_PER_DEGREE * math.cos(math.radians(city.lat))
        self.ky = METRES_PER_DEGREE

    def to_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        scale, origin = (self.kx, self.ky), (self.lon0, self.lat0)
        # shapely hands the coordinates over as an (n, 2) array
        converted: BaseGeometry = shapely.transform(geometry, lambda xy: xy / scale + origin)
        return converted


def _ellipse(cx: float, cy: float, rx: float, ry: float, steps: int = 72) -> Polygon:
    angles = (2 * math.pi * i / steps for i in range(steps))
    return Polygon([(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles])


def _outline(rx: float, ry: float, rng: random.Random) -> Polygon:
    """A rounded square (superellipse, n = 4) with a gently irregular edge."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(160):
        a = 2 * math.pi * i / 160
        c, s = math.cos(a), math.sin(a)
        wobble = 1 + 0.04 * math.sin(3 * a + phases[0]) + 0.025 * math.sin(7 * a + phases[1])
        r = wobble / (c**4 + s**4) ** 0.25
        points.append((rx * r * c, ry * r * s))
    return Polygon(points)


def _river(rx: float, ry: float, rng: random.Random) -> LineString:
    """A meandering river across the south, reaching beyond the city on both sides."""
    phase = rng.uniform(0, 2 * math.pi)
    xs = [-1.8 * rx + i * 3.6 * rx / 60 for i in range(61)]
    return LineString([(x, -0.82 * ry + 0.09 * ry * math.sin(x / rx * 2.4 + phase)) for x in xs])


def _street_grid(area: BaseGeometry, angle: float, spacing: float) -> list[BaseGeometry]:
    """Parallel streets in two directions (rotated by ``angle``) clipped to ``area``."""
    if area.is_empty:
        return []
    minx, miny, maxx, maxy = area.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = math.hypot(maxx - minx, maxy - miny) / 2 + spacing
    count = int(2 * half / spacing) + 1
    lines: list[BaseGeometry] = []
    for direction in (angle, angle + math.pi / 2):
        dx, dy = math.cos(direction), math.sin(direction)
        for i in range(count):
            off = -half + i * spacing
            ox, oy = cx - dy * off, cy + dx * off
            line = LineString([(ox - dx * half, oy - dy * half), (ox + dx * half, oy + dy * half)])
            clipped = line.intersection(area)
            if not clipped.is_empty and clipped.length > spacing / 3:
                lines.append(clipped)
    return lines


def _feature(geometry: BaseGeometry, frame: _Frame, **properties: Any) -> dict[str, Any]:
    rounded = shapely.set_precision(frame.to_degrees(geometry), 1e-6)
    return {"type": "Feature", "geometry": mapping(rounded), "properties": properties}


def _names(name: str) -> dict[str, str]:
    return {"name": name, **{f"name:{k}": v for k, v in LOCAL_NAMES.get(name, {}).items()}}


def basemap(city: City = SEJONG, *, seed: int = 11) -> dict[str, Any]:
    """The basemap of ``city`` as a GeoJSON FeatureCollection (with a ``bbox``).

    Every feature has a ``kind`` (outline, district, park, water, river, road, label);
    roads have a ``class`` (arterial, street); districts and labels carry ``name`` and
    ``name:<lang>`` where a local name is known.
    """
    rng = random.Random(f"{city.name}:{seed}")
    frame = _Frame(city)
    rx, ry = city.spread * frame.kx, city.spread * frame.ky
    outline = _outline(1.22 * rx, 1.22 * ry, rng)
    park = _ellipse(0, 0, 0.2 * rx, 0.16 * ry)
    lake = _ellipse(0.02 * rx, -0.01 * ry, 0.09 * rx, 0.06 * ry)
    river_line = _river(rx, ry, rng)
    river = river_line.buffer(RIVER_WIDTH / 2, quad_segs=4)
    land = outline.difference(river)

    n = len(city.districts)
    start = rng.uniform(0, 2 * math.pi)
    seeds = []
    for i in range(n):
        a = start + 2 * math.pi * i / n + rng.uniform(-0.2, 0.2)
        r = rng.uniform(0.5, 0.72)
        seeds.append(Point(r * rx * math.cos(a), r * ry * math.sin(a)))
    cells = shapely.voronoi_polygons(
        MultiPoint(seeds), extend_to=outline.buffer(rx), ordered=True
    ).geoms

    features: list[dict[str, Any]] = [_feature(outline, frame, kind="outline", **_names(city.name))]
    streets: list[BaseGeometry] = []
    labels: list[dict[str, Any]] = []
    for name, cell, seed_point in zip(city.districts, cells, seeds, strict=True):
        district = cell.intersection(land).difference(park)
        if district.is_empty:
            continue
        features.append(_feature(district, frame, kind="district", **_names(name)))
        streets += _street_grid(district.buffer(-80), rng.uniform(0, math.pi / 2), STREET_SPACING)
        where = seed_point if district.contains(seed_point) else district.representative_point()
        labels.append(_feature(where, frame, kind="label", **_names(name)))
    features.append(_feature(park.intersection(outline), frame, kind="park"))
    features.append(_feature(lake, frame, kind="water"))
    features.append(_feature(river, frame, kind="water"))
    features.append(_feature(river_line, frame, kind="river"))
    ring = LineString(_ellipse(0, 0, 0.42 * rx, 0.36 * ry, 96).exterior.coords)
    arterials: list[BaseGeometry] = [ring]
    for i in range(n):
        a = start + 2 * math.pi * (i + 0.5) / n
        arterials.append(
            LineString(
                [
                    (0.42 * rx * math.cos(a), 0.36 * ry * math.sin(a)),
                    (1.5 * rx * math.cos(a), 1.5 * ry * math.sin(a)),
                ]
            ).intersection(outline)
        )
    features += [_feature(s, frame, kind="road", **{"class": "street"}) for s in streets]
    features += [
        _feature(a, frame, kind="road", **{"class": "arterial"})
        for a in arterials
        if not a.is_empty
    ]
    features += labels
    minx, miny, maxx, maxy = frame.to_degrees(outline).bounds
    return {
        "type": "FeatureCollection",
        "bbox": [round(v, 6) for v in (minx, miny, maxx, maxy)],
        "features": features,
    }
