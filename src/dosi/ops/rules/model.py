"""Rule documents: what a rule watches, when it fires and how loud it is (pydantic models).

A rule names an entity type (a short name under ``context``, or an expanded IRI), an
optional attribute selector in the NGSI-LD q style (``waterLevel`` or
``airQuality[pm25.value]`` for a path into a compound value) and one ``condition``, picked
by its ``kind``. Thresholds carry an optional ``clear`` level: the hysteresis band that keeps
a value hovering at the limit from raising an alarm on every reading.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dosi.core.ids import is_uri
from dosi.geojson import GeoJSONError, validate_geometry
from dosi.ops.lifecycle import CATEGORIES, SEVERITIES
from dosi.ops.rules.durations import Duration

#: Rule ids end up in document keys and URLs: no separators, no spaces.
RULE_ID: Final = r"^[A-Za-z0-9_.:\-]{1,128}$"
_SELECTOR: Final = re.compile(r"^([^\s\[\]<>\"'=;()\\]{1,256})(?:\[([^\s\[\]]{1,256})\])?$")
LANGUAGES: Final = ("ko", "zh", "en")

Operator = Literal[">", ">=", "<", "<="]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: Final[tuple[Day, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Severity = Literal["critical", "major", "minor", "warning", "indeterminate"]
Category = Literal[
    "fire",
    "flood",
    "crime",
    "traffic",
    "air",
    "waste",
    "infrastructure",
    "health",
    "person-at-risk",
]
assert set(get_args(Severity)) == set(SEVERITIES)
assert set(get_args(Category)) == set(CATEGORIES)

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Comparison(BaseModel):
    """``value <operator> limit`` fires; with ``clear`` set, the alarm ends only beyond it
    (below ``clear`` for > and >=, above it for < and <=), else when the comparison fails."""

    model_config = _STRICT

    operator: Operator = ">"
    value: float
    clear: float | None = None

    @model_validator(mode="after")
    def _band(self) -> Comparison:
        if self.clear is None:
            return self
        if self.operator in (">", ">=") and self.clear > self.value:
            raise ValueError(f"with {self.operator}, clear must not exceed value")
        if self.operator in ("<", "<=") and self.clear < self.value:
            raise ValueError(f"with {self.operator}, clear must not be below value")
        return self

    def fires(self, reading: float) -> bool:
        match self.operator:
            case ">":
                return reading > self.value
            case ">=":
                return reading >= self.value
            case "<":
                return reading < self.value
            case _:
                return reading <= self.value

    def releases(self, reading: float) -> bool:
        """True when an active alarm may clear (the hysteresis band is left)."""
        if self.clear is None:
            return not self.fires(reading)
        if self.operator in (">", ">="):
            return reading < self.clear
        return reading > self.clear


class Threshold(Comparison):
    """Fire while the attribute compares against ``value`` (with hysteresis)."""

    kind: Literal["threshold"]


class Held(Comparison):
    """Fire once the comparison has held for ``duration``; a failing reading resets it."""

    kind: Literal["held"]
    duration: Duration


class Rate(BaseModel):
    """Fire when the attribute moved by more than ``change`` within ``window``: a rise for a
    positive ``change`` (now minus the window's lowest), a fall for a negative one."""

    model_config = _STRICT

    kind: Literal["rate"]
    change: float
    window: Duration

    @field_validator("change")
    @classmethod
    def _nonzero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("change must be positive (a rise) or negative (a fall), not 0")
        return value


class Heartbeat(BaseModel):
    """Fire when an entity (or its selected attribute) has been silent for ``silence``;
    clear on its next message."""

    model_config = _STRICT

    kind: Literal["heartbeat"]
    silence: Duration


def _area(value: dict[str, Any]) -> dict[str, Any]:
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("area must be a GeoJSON Polygon or MultiPolygon")
    try:
        validate_geometry(value)
    except GeoJSONError as exc:
        raise ValueError(f"area: {exc}") from None
    return value


class Geofence(BaseModel):
    """Fire when an entity's location enters (or leaves) ``area``; clear on the way back."""

    model_config = _STRICT

    kind: Literal["geofence"]
    area: dict[str, Any]
    trigger: Literal["enter", "leave"] = "enter"

    _check_area = field_validator("area")(_area)


class Composite(Comparison):
    """Across the entities located in ``area``: fire when all of them (``match: all``), any
    (``any``) or at least N (``match: N``) satisfy the comparison. One alarm per area."""

    kind: Literal["composite"]
    area_id: str = Field(pattern=r"^[A-Za-z0-9_.:\-]{1,128}$")
    area: dict[str, Any]
    match: Literal["all", "any"] | Annotated[int, Field(ge=1, strict=True)] = "any"

    _check_area = field_validator("area")(_area)


Condition = Annotated[
    Threshold | Held | Rate | Heartbeat | Geofence | Composite, Field(discriminator="kind")
]
KINDS: Final = ("threshold", "held", "rate", "heartbeat", "geofence", "composite")
#: Kinds that read a number from the selected attribute.
NUMERIC_KINDS: Final = frozenset({"threshold", "held", "rate", "composite"})


class TimeWindow(BaseModel):
    """Local times a rule may fire. A window whose end is not after its start crosses
    midnight and belongs to the day it starts on (Fri 22:00-06:00 covers Sat 03:00)."""

    model_config = _STRICT

    days: list[Day] = Field(default_factory=lambda: list(DAYS), min_length=1)
    start: time
    end: time


class Schedule(BaseModel):
    """When the rule is active; outside it the rule still clears but never fires."""

    model_config = _STRICT

    timezone: str = "UTC"
    windows: list[TimeWindow] = Field(min_length=1, max_length=32)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


class Rule(BaseModel):
    """One declarative rule, as clients write it (JSON or YAML)."""

    model_config = _STRICT

    id: str = Field(pattern=RULE_ID)
    name: dict[Literal["ko", "zh", "en"], str] = Field(min_length=1)
    entity_type: str = Field(min_length=1, max_length=512)
    context: str | list[str] | None = None
    attribute: str | None = None
    condition: Condition
    severity: Severity = "warning"
    category: Category
    enabled: bool = True
    tenant: str = ""
    active: Schedule | None = None
    #: While active, a matching reading signals again once this long has passed.
    repeat: Duration | None = None

    @field_validator("context")
    @classmethod
    def _context(cls, value: str | list[str] | None) -> str | list[str] | None:
        for url in [value] if isinstance(value, str) else value or []:
            if not is_uri(url):
                raise ValueError(f"@context entries must be URLs, not {url!r}")
        return value

    @field_validator("attribute")
    @classmethod
    def _attribute(cls, value: str | None) -> str | None:
        if value is not None and not _SELECTOR.match(value):
            raise ValueError(f"{value!r} is not an attribute name or name[path.to.member]")
        return value

    @model_validator(mode="after")
    def _needs_attribute(self) -> Rule:
        if self.condition.kind in NUMERIC_KINDS and self.attribute is None:
            raise ValueError(f"a {self.condition.kind} rule needs an attribute")
        return self

    def selector(self) -> tuple[str, tuple[str, ...]] | None:
        """(attribute name, path into its value) of the attribute selector, if any."""
        if self.attribute is None:
            return None
        match = _SELECTOR.match(self.attribute)
        assert match is not None  # checked by the validator
        path = tuple(match.group(2).split(".")) if match.group(2) else ()
        return match.group(1), path
