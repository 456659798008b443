"""Small planar geometry on WGS 84 degrees, good enough for one city (tens of km)."""

from __future__ import annotations

import math
from typing import Final

Coord = tuple[float, float]  # (lon, lat)
EARTH_RADIUS: Final = 6_371_000.0


def offset(origin: Coord, east_m: float, north_m: float) -> Coord:
    """The point ``east_m``/``north_m`` metres from ``origin``."""
    lon, lat = origin
    dlat = math.degrees(north_m / EARTH_RADIUS)
    dlon = math.degrees(east_m / (EARTH_RADIUS * math.cos(math.radians(lat))))
    return (lon + dlon, lat + dlat)


def polar(origin: Coord, bearing_deg: float, distance_m: float) -> Coord:
    """The point at ``bearing_deg`` (0 = north, clockwise) and ``distance_m`` from ``origin``."""
    rad = math.radians(bearing_deg)
    return offset(origin, distance_m * math.sin(rad), distance_m * math.cos(rad))


def distance(a: Coord, b: Coord) -> float:
    """Equirectangular distance in metres."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(mean_lat)
    dy = math.radians(b[1] - a[1])
    return EARTH_RADIUS * math.hypot(dx, dy)


def lerp(a: Coord, b: Coord, f: float) -> Coord:
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def round_coord(c: Coord, digits: int = 6) -> list[float]:
    return [round(c[0], digits), round(c[1], digits)]


def ring(points: list[Coord]) -> list[list[float]]:
    """A closed GeoJSON linear ring."""
    coords = [round_coord(p) for p in points]
    return [*coords, coords[0]]


def point_in_polygon(point: Coord, polygon: list[Coord]) -> bool:
    """Ray casting (the polygon is open: no repeated first point)."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def sector(origin: Coord, heading: float, fov: float, reach: float, steps: int = 6) -> list[Coord]:
    """A camera's field of view: a circular sector as an open polygon."""
    points = [origin]
    for i in range(steps + 1):
        points.append(polar(origin, heading - fov / 2 + fov * i / steps, reach))
    return points


__all__ = [
    "Coord",
    "distance",
    "lerp",
    "offset",
    "point_in_polygon",
    "polar",
    "ring",
    "round_coord",
    "sector",
]
