"""Incidents as Smart Data Models ``Alert`` entities, and the plain view the service edits.

The service works on a *view*: the entity in keyValues form under the Alert @context
(``{"id", "type", "state": "detected", "count": 3, ...}``). ``to_entity`` and
``to_attrs`` turn a view back into NGSI-LD so every write goes through the entity service.
"""

from __future__ import annotations

from typing import Any, Final

from dosi.core.jsonld import ActiveContext
from dosi.core.model import Entity, Instance
from dosi.core.representation import RenderOptions, parse_attributes, parse_entity, render_entity
from dosi.errors import BadRequestData
from dosi.ops.incidents.const import ALERT_TYPE, SEVERITY_ORDER
from dosi.ops.lifecycle import SEVERITIES

View = dict[str, Any]
GEO_ATTRS: Final = frozenset({"location", "area"})
_KEYS: Final = frozenset({"id", "type", "@context"})


def _attribute(name: str, value: Any) -> dict[str, Any]:
    if name in GEO_ATTRS:
        return {"type": "GeoProperty", "value": value}
    return {"type": "Property", "value": value}


def normalized(view: View) -> dict[str, Any]:
    """NGSI-LD normalized attributes of a view (``None`` values are left out)."""
    return {
        name: _attribute(name, value)
        for name, value in view.items()
        if name not in _KEYS and value is not None and value != {} and value != []
    }


def to_entity(view: View, ctx: ActiveContext, now: str) -> Entity:
    body = {"id": view["id"], "type": ALERT_TYPE, **normalized(view)}
    return parse_entity(body, ctx, now=now)


def to_attrs(changes: View, ctx: ActiveContext, now: str) -> dict[str, list[Instance]]:
    return parse_attributes(normalized(changes), ctx, now=now)


def from_entity(entity: Entity, ctx: ActiveContext) -> View:
    view = render_entity(entity, ctx, RenderOptions(format="simplified"))
    view.pop("@context", None)
    return view


def is_incident(entity: Entity, ctx: ActiveContext) -> bool:
    return ctx.expand(ALERT_TYPE) in entity["type"]


def check_severity(severity: str) -> str:
    if severity not in SEVERITIES:
        raise BadRequestData(f"severity must be one of {', '.join(SEVERITIES)}")
    return severity


def rank(severity: str) -> int:
    """0 (indeterminate) … 4 (critical)."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 0


def raised(severity: str) -> str:
    """One step more severe (critical stays critical)."""
    return SEVERITY_ORDER[min(rank(severity) + 1, len(SEVERITY_ORDER) - 1)]
