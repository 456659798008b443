"""Offline validation of Smart Data Models entities (keyValues) against their JSON Schemas.

The schemas ship in ``schemas/`` (CC BY 4.0, see NOTICE.md) with an index mapping each
URL to its file, so ``$ref`` resolution never touches the network.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from referencing import Registry, Resource

from dosi.core.ids import is_uri

SCHEMAS_DIR: Final = Path(__file__).parent / "schemas"
_BASE: Final = "https://smart-data-models.github.io/"
#: Entity type → its schema URL.
SCHEMA_URLS: Final = {
    "WasteContainer": _BASE + "dataModel.WasteManagement/WasteContainer/schema.json",
    "AirQualityObserved": _BASE + "dataModel.Environment/AirQualityObserved/schema.json",
    "FloodMonitoring": _BASE + "dataModel.Environment/FloodMonitoring/schema.json",
    "WaterObserved": _BASE + "dataModel.Environment/WaterObserved/schema.json",
    "ParkingSpot": _BASE + "dataModel.Parking/ParkingSpot/schema.json",
    "Streetlight": _BASE + "dataModel.Streetlighting/Streetlight/schema.json",
    "TrafficFlowObserved": _BASE + "dataModel.Transportation/TrafficFlowObserved/schema.json",
    "Device": _BASE + "dataModel.Device/Device/schema.json",
}


@cache
def _registry() -> Registry[Any]:
    index = json.loads((SCHEMAS_DIR / "index.json").read_text(encoding="utf-8"))
    resources = [
        (url, Resource.from_contents(json.loads((SCHEMAS_DIR / name).read_text("utf-8"))))
        for url, name in index.items()
    ]
    return Registry().with_resources(resources)


_RFC3339: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


def _date_time(value: object) -> bool:
    """RFC 3339 ``date-time``: a full date, a time and a mandatory offset."""
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _uri(value: object) -> bool:
    return not isinstance(value, str) or is_uri(value)


def format_checker() -> FormatChecker:
    """jsonschema's checks plus ``date-time`` and ``uri``, which jsonschema only checks
    when optional packages are installed; dosi checks them itself."""
    checker = FormatChecker()
    checker.checks("date-time")(_date_time)
    checker.checks("uri")(_uri)
    return checker


@cache
def validator(entity_type: str) -> Draft202012Validator:
    """A validator (with format checks) for one Smart Data Models entity type."""
    url = SCHEMA_URLS[entity_type]
    schema = _registry().contents(url)
    return Draft202012Validator(schema, registry=_registry(), format_checker=format_checker())


def errors(entity: dict[str, Any]) -> list[str]:
    """Why ``entity`` (keyValues) breaks its model's schema; empty when valid."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(entity)'}: {error.message}"
        for error in validator(entity["type"]).iter_errors(entity)
    ]


__all__ = ["SCHEMA_URLS", "errors", "format_checker", "validator"]
