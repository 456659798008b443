"""GeoJSON geometry checks and bounding boxes (RFC 7946), shared by core and stores.

No NGSI-LD semantics here, so the store layer may import it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

GEOMETRY_TYPES: Final = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
BBox = tuple[float, float, float, float]


class GeoJSONError(ValueError):
    """The value is not a valid GeoJSON geometry; the message says why."""


def _position(value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) not in (2, 3)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in value)
    ):
        raise GeoJSONError(f"a position is [longitude, latitude(, altitude)], not {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise GeoJSONError(f"position {value!r} is outside longitude/latitude ranges")
    return lon, lat


def _positions(value: Any, minimum: int) -> list[tuple[float, float]]:
    if not isinstance(value, list) or len(value) < minimum:
        raise GeoJSONError(f"expected a list of at least {minimum} positions")
    return [_position(p) for p in value]


def _ring(value: Any) -> list[tuple[float, float]]:
    ring = _positions(value, 4)
    if ring[0] != ring[-1]:
        raise GeoJSONError("a polygon ring must be closed (first position == last)")
    return ring


def _polygon(value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list) or not value:
        raise GeoJSONError("a polygon is a non-empty list of linear rings")
    points: list[tuple[float, float]] = []
    for ring in value:
        points.extend(_ring(ring))
    return points


def _multi(value: Any, part: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list) or not value:
        raise GeoJSONError("a multi-geometry needs at least one member")
    points: list[tuple[float, float]] = []
    for member in value:
        points.extend(part(member))
    return points


def geometry_points(geometry: Any) -> list[tuple[float, float]]:
    """Every position of a validated geometry; raises GeoJSONError if invalid."""
    if not isinstance(geometry, dict):
        raise GeoJSONError("a geometry must be a JSON object")
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise GeoJSONError(f"unsupported geometry type {kind!r}")
    coords = geometry.get("coordinates")
    if kind == "Point":
        return [_position(coords)]
    if kind == "MultiPoint":
        return _positions(coords, 1)
    if kind == "LineString":
        return _positions(coords, 2)
    if kind == "MultiLineString":
        return _multi(coords, lambda line: _positions(line, 2))
    if kind == "Polygon":
        return _polygon(coords)
    return _multi(coords, _polygon)


def validate_geometry(geometry: Any) -> None:
    """Raise GeoJSONError unless ``geometry`` is a valid GeoJSON geometry object."""
    geometry_points(geometry)


def bbox(geometry: Any) -> BBox:
    """(min_lon, min_lat, max_lon, max_lat) of a geometry; raises GeoJSONError if invalid."""
    points = geometry_points(geometry)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def iter_geo_values(attrs: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, Any]]:
    """(attribute IRI, geometry) of every GeoProperty instance of an internal entity."""
    for name, instances in attrs.items():
        for instance in instances:
            if instance.get("type") == "GeoProperty" and isinstance(instance.get("value"), dict):
                yield name, instance["value"]
