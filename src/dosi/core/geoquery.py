"""Geo-queries (§4.10): georel, geometry, coordinates, geoproperty; exact tests with shapely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dosi.core.model import Entity, TermResolver
from dosi.store.base import GeoPrefilter


@dataclass(frozen=True)
class GeoQuery:
    georel: str
    geometry: str
    coordinates: Any
    geoproperty: str  # expanded IRI

    def matches(self, entity: Entity) -> bool:
        """True if any instance of ``geoproperty`` satisfies the relation."""
        raise NotImplementedError

    def prefilter(self) -> GeoPrefilter | None:
        """A bounding-box filter no matching entity falls outside of (None for disjoint)."""
        raise NotImplementedError


def parse_geo_query(
    georel: str | None,
    geometry: str | None,
    coordinates: str | Any | None,
    geoproperty: str | None,
    resolver: TermResolver,
) -> GeoQuery | None:
    """Validate the geo parameters; None if none is given, ``BadRequestData`` if partial or wrong."""
    raise NotImplementedError
