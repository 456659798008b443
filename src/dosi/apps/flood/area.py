"""The area a gauge's warning concerns: a buffer in metres around its location.

Buffering happens in a local tangent plane around the geometry's centroid (equirectangular,
spherical Earth), exact enough for the few kilometres a river reach warning covers, and
free of a projection library.
"""

from __future__ import annotations

import math
from typing import Any

from shapely.affinity import affine_transform
from shapely.geometry import mapping, shape

#: Metres per degree of latitude on the mean Earth sphere (R = 6 371 008.8 m).
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180


def buffer_area(geometry: dict[str, Any], metres: float) -> dict[str, Any]:
    """A GeoJSON Polygon ``metres`` around a GeoJSON geometry in WGS 84 (lon, lat)."""
    source = shape(geometry)
    centre = source.centroid
    lon0, lat0 = centre.x, centre.y
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))
    ky = METRES_PER_DEGREE

    local = affine_transform(source, [kx, 0, 0, ky, -lon0 * kx, -lat0 * ky])
    ring = local.buffer(metres, quad_segs=16)
    back = affine_transform(ring, [1 / kx, 0, 0, 1 / ky, lon0, lat0])
    polygon: dict[str, Any] = _lists(mapping(back))
    return polygon


def _lists(value: Any) -> Any:
    """Shapely's mapping uses tuples; GeoJSON in entities and signals uses lists, with
    coordinates rounded to 7 decimals (about 1 cm)."""
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 7)
    return value
