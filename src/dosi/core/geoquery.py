"""Geo-queries (§4.10): georel, geometry, coordinates, geoproperty; exact tests with shapely.

Distances are in metres on WGS 84: point-to-point with the haversine formula, other shapes
in a local equirectangular projection centred on the query geometry (accurate to well
under 1 % over city distances).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from shapely import geometry as shapely_geometry
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform

from dosi.core.model import Entity, TermResolver
from dosi.errors import BadRequestData
from dosi.geojson import GEOMETRY_TYPES, GeoJSONError, bbox, validate_geometry
from dosi.store.base import GeoPrefilter

EARTH_RADIUS: Final = 6_371_008.8
METRES_PER_DEGREE: Final = math.pi * EARTH_RADIUS / 180
RELATIONS: Final = frozenset(
    {"near", "within", "contains", "intersects", "equals", "disjoint", "overlaps"}
)
_NEAR = re.compile(r"^near;(maxDistance|minDistance)==(\d+(?:\.\d+)?)$")


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class GeoQuery:
    georel: str
    geometry: str
    coordinates: Any
    geoproperty: str  # expanded IRI
    relation: str = ""
    distance: float | None = None
    distance_kind: str | None = None  # "maxDistance" | "minDistance"
    _shape: BaseGeometry | None = field(default=None, compare=False, repr=False)

    @property
    def shape(self) -> BaseGeometry:
        assert self._shape is not None
        return self._shape

    def matches(self, entity: Entity) -> bool:
        """True if any GeoProperty instance of ``geoproperty`` satisfies the relation."""
        for instance in entity["attrs"].get(self.geoproperty, ()):
            value = instance.get("value")
            if instance.get("type") != "GeoProperty" or not isinstance(value, dict):
                continue
            try:
                target = shapely_geometry.shape(value)
            except (ValueError, TypeError, AttributeError, IndexError):
                continue
            if self._test(value, target):
                return True
        return False

    def _test(self, value: dict[str, Any], target: BaseGeometry) -> bool:
        query = self.shape
        if self.relation == "near":
            assert self.distance is not None
            metres = self._distance(value, target)
            if self.distance_kind == "maxDistance":
                return metres <= self.distance
            return metres >= self.distance
        if self.relation == "within":
            return bool(target.within(query))
        if self.relation == "contains":
            return bool(target.contains(query))
        if self.relation == "intersects":
            return bool(target.intersects(query))
        if self.relation == "equals":
            return bool(target.equals(query))
        if self.relation == "disjoint":
            return bool(target.disjoint(query))
        return bool(target.overlaps(query))

    def _distance(self, value: dict[str, Any], target: BaseGeometry) -> float:
        query = self.shape
        if value.get("type") == "Point" and self.geometry == "Point":
            return haversine(query.x, query.y, target.x, target.y)
        centre = query.centroid
        scale = math.cos(math.radians(centre.y))

        def project(x: Any, y: Any, z: Any = None) -> tuple[Any, Any]:
            return (
                (x - centre.x) * scale * METRES_PER_DEGREE,
                (y - centre.y) * METRES_PER_DEGREE,
            )

        return float(transform(project, query).distance(transform(project, target)))

    def prefilter(self) -> GeoPrefilter | None:
        """A bounding-box filter no matching entity falls outside of (None for disjoint)."""
        if self.relation == "disjoint" or self.distance_kind == "minDistance":
            return None
        min_lon, min_lat, max_lon, max_lat = bbox(
            {"type": self.geometry, "coordinates": self.coordinates}
        )
        if self.relation == "near" and self.distance is not None:
            dlat = self.distance / METRES_PER_DEGREE * 1.01
            lat_edge = min(89.9, max(abs(min_lat), abs(max_lat)) + dlat)
            dlon = min(360.0, dlat / max(math.cos(math.radians(lat_edge)), 1e-6))
            min_lon, max_lon = max(-180.0, min_lon - dlon), min(180.0, max_lon + dlon)
            min_lat, max_lat = max(-90.0, min_lat - dlat), min(90.0, max_lat + dlat)
        return GeoPrefilter(self.geoproperty, (min_lon, min_lat, max_lon, max_lat))


def parse_geo_query(
    georel: str | None,
    geometry: str | None,
    coordinates: str | Any | None,
    geoproperty: str | None,
    resolver: TermResolver,
) -> GeoQuery | None:
    """Validate the geo parameters: None if none is given, BadRequestData if partial/wrong."""
    if georel is None and geometry is None and coordinates is None:
        if geoproperty is not None:
            raise BadRequestData("geoproperty needs georel, geometry and coordinates")
        return None
    if georel is None or geometry is None or coordinates is None:
        raise BadRequestData("a geo-query needs all of georel, geometry and coordinates")
    relation, distance, kind = _georel(georel)
    if geometry not in GEOMETRY_TYPES:
        raise BadRequestData(f"unsupported geometry {geometry!r}")
    if isinstance(coordinates, str):
        try:
            coords = orjson.loads(coordinates)
        except orjson.JSONDecodeError:
            raise BadRequestData(f"coordinates must be a JSON array: {coordinates!r}") from None
    else:
        coords = coordinates
    value = {"type": geometry, "coordinates": coords}
    try:
        validate_geometry(value)
        shape = shapely_geometry.shape(value)
    except (GeoJSONError, ValueError, TypeError) as exc:
        raise BadRequestData(f"invalid {geometry} coordinates: {exc}") from None
    return GeoQuery(
        georel=georel,
        geometry=geometry,
        coordinates=coords,
        geoproperty=resolver.expand(geoproperty or "location"),
        relation=relation,
        distance=distance,
        distance_kind=kind,
        _shape=shape,
    )


def _georel(georel: str) -> tuple[str, float | None, str | None]:
    if georel.startswith("near"):
        match = _NEAR.match(georel)
        if match is None:
            raise BadRequestData(
                f"invalid georel {georel!r}: use near;maxDistance==<m> or near;minDistance==<m>"
            )
        return "near", float(match.group(2)), match.group(1)
    if georel not in RELATIONS:
        raise BadRequestData(f"invalid georel {georel!r}")
    return georel, None, None
