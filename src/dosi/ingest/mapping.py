"""Device measures → NGSI-LD attribute instances (internal form of ``dosi.core.model``).

Each measure goes through its mapping: the value is read as its ``value_type``, the
expression converts units, ``min``/``max`` bound it, and it becomes a Property,
GeoProperty or Relationship named by the expanded attribute IRI, with ``observedAt``
(the payload timestamp, else the time of receipt) and ``unitCode``. A message is
atomic: one bad measure refuses the whole message.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

import orjson

from dosi.core.ids import is_uri
from dosi.core.model import Instance
from dosi.geojson import GeoJSONError, validate_geometry
from dosi.ingest.errors import ConversionFailed, ExpressionError, MalformedPayload, OutOfRange
from dosi.ingest.registry import DeviceProfile, Mapping
from dosi.ingest.timestamps import parse_timestamp

_NUMBER: Final = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_INTEGER: Final = re.compile(r"^[+-]?\d+$")
TRUE: Final = frozenset({"true", "1", "on", "yes"})
FALSE: Final = frozenset({"false", "0", "off", "no"})

Attrs = dict[str, list[Instance]]


def build_attrs(
    profile: DeviceProfile, values: dict[str, Any], observed: str, now: str, *, text: bool
) -> Attrs:
    """Attribute instances for one measure group. ``text``: values came as UltraLight
    text (numbers are recognised); otherwise they are JSON values."""
    variables: dict[str, float] | None = None
    attrs: Attrs = {}
    for key, raw in values.items():
        if key in profile.commands:
            continue  # a device never sets its own command attributes
        mapping = profile.mappings.get(key)
        if mapping is None:
            if profile.explicit_attrs:
                continue
            iri = profile.ctx.expand(key)
            value = _infer(raw, text)
            instance: Instance = {"type": "Property", "value": value}
        else:
            if mapping.expression is not None and variables is None:
                variables = _numeric(values, text)
            instance = _convert(mapping, raw, text, variables)
            iri = mapping.iri
        instance["observedAt"] = observed
        instance["createdAt"] = now
        instance["modifiedAt"] = now
        attrs[iri] = [instance]
    return attrs


def _infer(raw: Any, text: bool) -> Any:
    if text and isinstance(raw, str):
        if _INTEGER.match(raw):
            return int(raw)
        if _NUMBER.match(raw):
            return float(raw)
    return raw


def _numeric(values: dict[str, Any], text: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, raw in values.items():
        try:
            out[key] = _as_number(raw, key)
        except ConversionFailed:
            continue
    return out


def _as_number(raw: Any, name: str) -> float:
    if isinstance(raw, bool):
        raise ConversionFailed(f"{name}: a boolean is not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and _NUMBER.match(raw.strip()):
        value = float(raw.strip())
    else:
        raise ConversionFailed(f"{name}: {str(raw)[:64]!r} is not a number")
    if not math.isfinite(value):
        raise OutOfRange(f"{name}: {value} is not a finite number")
    return value


def _convert(
    mapping: Mapping, raw: Any, text: bool, variables: dict[str, float] | None
) -> Instance:
    kind = mapping.kind
    if kind == "Relationship":
        if not is_uri(raw):
            raise ConversionFailed(f"{mapping.name}: a Relationship needs a URI, not {raw!r:.64}")
        return {"type": "Relationship", "object": raw}
    if kind == "GeoProperty":
        return {"type": "GeoProperty", "value": _geometry(mapping, raw)}
    value = _value(mapping, raw, text, variables)
    instance: Instance = {"type": "Property", "value": value}
    if mapping.unit_code is not None:
        instance["unitCode"] = mapping.unit_code
    return instance


def _value(mapping: Mapping, raw: Any, text: bool, variables: dict[str, float] | None) -> Any:
    vt = mapping.value_type
    name = mapping.name
    numeric = vt in ("Number", "Integer") or (
        vt is None
        and (
            mapping.expression is not None
            or mapping.minimum is not None
            or mapping.maximum is not None
        )
    )
    if numeric:
        value = _as_number(raw, name)
        if mapping.expression is not None:
            try:
                value = mapping.expression.evaluate({**(variables or {}), "value": value})
            except ExpressionError as exc:
                raise ConversionFailed(f"{name}: {exc}") from None
        if mapping.minimum is not None and value < mapping.minimum:
            raise OutOfRange(f"{name}: {value} is below the minimum {mapping.minimum}")
        if mapping.maximum is not None and value > mapping.maximum:
            raise OutOfRange(f"{name}: {value} is above the maximum {mapping.maximum}")
        if vt == "Integer":
            if not value.is_integer():
                raise ConversionFailed(f"{name}: {value} is not an integer")
            return int(value)
        return int(value) if value.is_integer() and _INTEGER.match(str(raw).strip()) else value
    if vt is None:
        return _infer(raw, text)
    if vt == "Boolean":
        return _boolean(raw, name)
    if vt == "Text":
        if isinstance(raw, dict | list) or raw is None:
            raise ConversionFailed(f"{name}: expected text")
        return raw if isinstance(raw, str) else orjson.dumps(raw).decode()
    if vt == "DateTime":
        try:
            return parse_timestamp(raw)
        except MalformedPayload as exc:
            raise ConversionFailed(f"{name}: {exc}") from None
    # Json
    if text and isinstance(raw, str):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ConversionFailed(f"{name}: the value is not JSON") from None
    if raw is None:
        raise ConversionFailed(f"{name}: null is not a value")
    return raw


def _boolean(raw: Any, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    token = str(raw).strip().lower() if isinstance(raw, str | int) else None
    if token in TRUE:
        return True
    if token in FALSE:
        return False
    raise ConversionFailed(f"{name}: {str(raw)[:64]!r} is not a boolean")


def _geometry(mapping: Mapping, raw: Any) -> dict[str, Any]:
    name = mapping.name
    if mapping.value_type == "geo:point" or (mapping.value_type is None and isinstance(raw, str)):
        parts = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(parts, list) or len(parts) != 2:
            raise ConversionFailed(f"{name}: geo:point is 'latitude,longitude'")
        lat, lon = (_as_number(p, name) for p in parts)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise OutOfRange(f"{name}: {lat},{lon} is not a WGS 84 position")
        return {"type": "Point", "coordinates": [lon, lat]}
    geometry = raw
    if isinstance(raw, str):
        try:
            geometry = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ConversionFailed(f"{name}: the value is not GeoJSON") from None
    try:
        validate_geometry(geometry)
    except GeoJSONError as exc:
        raise ConversionFailed(f"{name}: {exc}") from None
    assert isinstance(geometry, dict)
    return geometry


__all__ = ["Attrs", "build_attrs"]
