"""A stored rule made ready for the hot path: prepared area, time zone, signal building."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from dosi.ops.rules.model import Composite, Geofence, Rule
from dosi.ops.rules.repository import StoredRule
from dosi.ops.rules.schedule import is_active
from dosi.ops.rules.state import RuleState
from dosi.ops.signals import Signal


@dataclass(frozen=True, slots=True)
class CompiledRule:
    stored: StoredRule
    path: tuple[str, ...]
    zone: ZoneInfo | None
    #: The shapely geometry (prepared) of a geofence or composite area.
    area: Any
    #: A point inside the area: where a composite alarm sits on the map.
    anchor: dict[str, Any] | None

    @property
    def rule(self) -> Rule:
        return self.stored.rule

    @property
    def tenant(self) -> str:
        return self.stored.rule.tenant

    @property
    def kind(self) -> str:
        return self.stored.rule.condition.kind

    def may_fire(self, now: float) -> bool:
        return is_active(self.rule.active, self.zone, now)

    def contains(self, geometry: dict[str, Any]) -> bool:
        """Whether a GeoJSON geometry touches the area (an invalid one never does)."""
        try:
            if geometry.get("type") == "Point":  # the common case, without a shape object
                lon, lat = geometry["coordinates"][:2]
                return bool(shapely.intersects_xy(self.area, lon, lat))
            return bool(self.area.intersects(shape(geometry)))
        except (ShapelyError, ValueError, TypeError, AttributeError, KeyError, IndexError):
            return False

    def signal(
        self, state: RuleState, now: float, *, clear: bool, readings: dict[str, Any]
    ) -> Signal:
        rule = self.rule
        condition = rule.condition
        composite = isinstance(condition, Composite)
        area = condition.area if isinstance(condition, Geofence | Composite) else None
        entity_ids = (
            tuple(sorted(e for e, on in state.members.items() if on or clear))
            if composite
            else (state.subject,)
        )
        return Signal(
            source=f"rule:{rule.id}@{self.stored.version}",
            key=f"rule:{rule.id}:{state.subject}",
            category=rule.category,
            severity=rule.severity,
            title={str(lang): text for lang, text in rule.name.items()},
            observed_at=datetime.fromtimestamp(now, UTC),
            tenant=rule.tenant,
            entity_ids=entity_ids,
            location=self.anchor if composite else state.location,
            area=area,
            readings=readings,
            clear=clear,
        )


def compile_rule(stored: StoredRule) -> CompiledRule:
    rule = stored.rule
    selector = rule.selector()
    condition = rule.condition
    area = anchor = None
    if isinstance(condition, Geofence | Composite):
        area = shape(condition.area)
        shapely.prepare(area)
        anchor = dict(mapping(area.representative_point()))
    return CompiledRule(
        stored=stored,
        path=selector[1] if selector else (),
        zone=ZoneInfo(rule.active.timezone) if rule.active else None,
        area=area,
        anchor=anchor,
    )
