"""Provisioning bodies: service groups and devices (pydantic models, documented in OpenAPI).

Field names follow the FIWARE IoT Agent provisioning API (``apikey``, ``entity_type``,
``object_id``, ``static_attributes``...) so existing tooling maps over easily; static
attributes are NGSI-LD attributes (normalized or concise form), validated by the core.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dosi.core.ids import is_uri
from dosi.ingest.errors import ExpressionError
from dosi.ingest.expressions import compile_expression
from dosi.ingest.ratelimit import RateLimit

Transport = Literal["MQTT", "HTTP"]
PayloadProtocol = Literal["JSON", "UL"]
AttributeKind = Literal["Property", "GeoProperty", "Relationship"]
ValueType = Literal[
    "Number", "Integer", "Boolean", "Text", "DateTime", "Json", "geo:point", "geo:json"
]
NUMERIC_TYPES: Final = frozenset({"Number", "Integer"})

#: API keys and device ids end up in MQTT topic levels: no separators or wildcards.
_TOPIC_LEVEL: Final = re.compile(r"^[A-Za-z0-9_.:\-~]{1,256}$")
_NAME: Final = re.compile(r"^[^\s<>\"'=;()\\\x00-\x1f]{1,256}$")


def _check_name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} {value!r} is not a valid NGSI-LD name")
    return value


class AttributeMapping(BaseModel):
    """How one device measure becomes an NGSI-LD attribute."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    object_id: str | None = Field(
        default=None, description="The measure's key in the payload; defaults to name."
    )
    name: str = Field(description="The NGSI-LD attribute name (expanded with the @context).")
    type: AttributeKind = Field(default="Property", description="The NGSI-LD attribute kind.")
    value_type: ValueType | None = Field(
        default=None,
        description="How to read the raw value; unset: JSON as sent, UltraLight numbers as "
        "numbers and anything else as text.",
    )
    expression: str | None = Field(
        default=None,
        description="Unit conversion, arithmetic only, e.g. 'value * 1.8 + 32'; may read "
        "'value' and the other measures of the same message.",
        max_length=256,
    )
    unit_code: str | None = Field(default=None, description="UN/CEFACT unit code, e.g. CEL.")
    min: float | None = Field(default=None, description="Smallest accepted value.")
    max: float | None = Field(default=None, description="Largest accepted value.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "attribute name")

    @field_validator("object_id")
    @classmethod
    def _object_id(cls, value: str | None) -> str | None:
        if value is not None and not _TOPIC_LEVEL.match(value):
            raise ValueError(f"object_id {value!r} must be 1-256 letters, digits or _.:-~")
        return value

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_expression(value)
            except ExpressionError as exc:
                raise ValueError(f"invalid expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AttributeMapping:
        numeric = self.value_type is None or self.value_type in NUMERIC_TYPES
        if self.expression is not None and not numeric:
            raise ValueError("an expression needs a numeric value_type (Number or Integer)")
        if (self.min is not None or self.max is not None) and not numeric:
            raise ValueError("min/max need a numeric value_type (Number or Integer)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.type == "Relationship" and self.value_type not in (None, "Text"):
            raise ValueError("a Relationship carries a URI: value_type must be Text or unset")
        if self.type == "GeoProperty" and self.value_type not in (None, "geo:point", "geo:json"):
            raise ValueError("a GeoProperty needs value_type geo:point or geo:json")
        return self

    @property
    def key(self) -> str:
        return self.object_id or self.name


def _check_commands(value: list[str]) -> list[str]:
    for name in value:
        _check_name(name, "command")
        if not _TOPIC_LEVEL.match(name):
            raise ValueError(f"command {name!r} must be 1-256 letters, digits or _.:-~")
    if len(set(value)) != len(value):
        raise ValueError("commands must be unique")
    return value


def _check_context(value: str | list[str] | None) -> str | list[str] | None:
    urls = [value] if isinstance(value, str) else value or []
    for url in urls:
        if not is_uri(url):
            raise ValueError(f"@context entries must be URLs, not {url!r}")
    return value


def _check_mappings(value: list[AttributeMapping]) -> list[AttributeMapping]:
    keys = [m.key for m in value]
    if len(set(keys)) != len(keys):
        raise ValueError("each object_id (or name) may be mapped once")
    return value


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    context: str | list[str] | None = Field(
        default=None,
        description="JSON-LD @context URL(s) naming the attributes, e.g. a Smart Data Models "
        "context (resolved offline like any API @context).",
    )
    attributes: list[AttributeMapping] = Field(default_factory=list, max_length=512)
    static_attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="NGSI-LD attributes (normalized or concise) set on the entity at "
        "provisioning, e.g. location.",
    )
    commands: list[str] = Field(
        default_factory=list,
        max_length=128,
        description="Command attributes: updating one sends the command to the device.",
    )

    @field_validator("context")
    @classmethod
    def _context(cls, value: str | list[str] | None) -> str | list[str] | None:
        return _check_context(value)

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: list[AttributeMapping]) -> list[AttributeMapping]:
        return _check_mappings(value)

    @field_validator("commands")
    @classmethod
    def _commands(cls, value: list[str]) -> list[str]:
        return _check_commands(value)


class ServiceGroupIn(_Common):
    """A service group: an API key shared by devices, with their defaults."""

    apikey: str = Field(
        description="The secret devices put in their topics / requests (stored hashed).",
        min_length=4,
        max_length=256,
    )
    entity_type: str = Field(description="Entity type of the group's devices.")
    protocol: PayloadProtocol = "JSON"
    transport: Transport = "MQTT"
    explicit_attrs: bool = Field(
        default=False, description="Only mapped measures are stored; others are ignored."
    )
    description: str | None = Field(default=None, max_length=1024)
    rate_limit: RateLimit | None = Field(
        default=None,
        description="Token bucket per API key; messages over it are refused (HTTP 429, "
        "dead letter 'rate-limited'). Unset: no limit.",
    )

    @field_validator("apikey")
    @classmethod
    def _apikey(cls, value: str) -> str:
        if not _TOPIC_LEVEL.match(value):
            raise ValueError("apikey must be letters, digits or _.:-~ (it is an MQTT topic level)")
        return value

    @field_validator("entity_type")
    @classmethod
    def _entity_type(cls, value: str) -> str:
        return _check_name(value, "entity_type")


class DeviceIn(_Common):
    """A device: its id in topics and the entity its measures update."""

    device_id: str = Field(description="The device's id in topics and requests.")
    apikey: str | None = Field(
        default=None, description="API key of its service group (or give group).", max_length=256
    )
    group: str | None = Field(default=None, description="Id of its service group.")
    entity_id: str | None = Field(
        default=None, description="Defaults to urn:ngsi-ld:{entity_type}:{device_id}."
    )
    entity_type: str | None = Field(default=None, description="Defaults to the group's.")
    protocol: PayloadProtocol | None = None
    transport: Transport | None = None
    endpoint: str | None = Field(
        default=None, description="HTTP devices: URL commands are pushed to (POST)."
    )

    @field_validator("device_id")
    @classmethod
    def _device_id(cls, value: str) -> str:
        if not _TOPIC_LEVEL.match(value):
            raise ValueError("device_id must be 1-256 letters, digits or _.:-~")
        return value

    @field_validator("entity_id")
    @classmethod
    def _entity_id(cls, value: str | None) -> str | None:
        if value is not None and not is_uri(value):
            raise ValueError(f"entity_id {value!r} is not a URI")
        return value

    @field_validator("entity_type")
    @classmethod
    def _entity_type(cls, value: str | None) -> str | None:
        return None if value is None else _check_name(value, "entity_type")

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("endpoint must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _one_group_ref(self) -> DeviceIn:
        if (self.apikey is None) == (self.group is None):
            raise ValueError("give exactly one of apikey or group")
        return self


class ServiceGroupList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    services: list[ServiceGroupIn] = Field(min_length=1, max_length=1000)


class DeviceList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    devices: list[DeviceIn] = Field(min_length=1, max_length=10_000)


__all__ = [
    "NUMERIC_TYPES",
    "AttributeKind",
    "AttributeMapping",
    "DeviceIn",
    "DeviceList",
    "PayloadProtocol",
    "ServiceGroupIn",
    "ServiceGroupList",
    "Transport",
    "ValueType",
]
