"""The OpenAPI 3.1 description of the ``/iot`` routes, schemas taken from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from pydantic.json_schema import models_json_schema

from dosi import __version__
from dosi.api.problems import PROBLEM_SCHEMA
from dosi.ingest.apikeys import KeyRequest
from dosi.ingest.errors import REASONS
from dosi.ingest.model import DeviceIn, DeviceList, ServiceGroupIn, ServiceGroupList

REF: Final = "#/components/schemas/{model}"
TENANT: Final = {
    "name": "NGSILD-Tenant",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "Tenant (the default tenant when absent).",
}
PAGE: Final = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {
        "name": "after",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Cursor: the last key of the previous page (see the Link header).",
    },
]
DEVICE_QUERY: Final = [
    {
        "name": "k",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
        "description": "API key of the device's service group.",
    },
    {
        "name": "i",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
        "description": "Device id.",
    },
    {
        "name": "t",
        "in": "query",
        "schema": {"type": "string", "format": "date-time"},
        "description": "Observation time (else the payload's, else the time of receipt).",
    },
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, **_json(_ref("ProblemDetails"))}


ERRORS: Final = {
    "400": _problem("Invalid request or body (ProblemDetails)"),
    "404": _problem("Not found"),
    "409": _problem("Already exists"),
    "503": _problem("The device agent is not running"),
}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    parameters = [TENANT, *extra.pop("parameters", [])]
    return {
        "summary": summary,
        "parameters": parameters,
        "responses": {**responses, **ERRORS},
        **extra,
    }


def _paths() -> dict[str, Any]:
    ids = _json(
        {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "string"}}}}
    )
    path_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    measured = {
        "200": {"description": "Stored"},
        "401": _problem("Wrong, revoked or expired API key"),
        "429": _problem("The API key is over its group's rate limit"),
    }
    key_path = [
        *path_id,
        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
    ]
    return {
        "/iot/services": {
            "post": _op(
                "Create service groups (one, or a list under 'services')",
                {"201": {"description": "Created", **ids}},
                requestBody={
                    "required": True,
                    **_json({"oneOf": [_ref("ServiceGroupIn"), _ref("ServiceGroupList")]}),
                },
            ),
            "get": _op(
                "List service groups (optionally the one with an apikey)",
                {"200": {"description": "Service groups"}},
                parameters=[{"name": "apikey", "in": "query", "schema": {"type": "string"}}],
            ),
        },
        "/iot/services/{id}": {
            "get": _op(
                "Read a service group", {"200": {"description": "The group"}}, parameters=path_id
            ),
            "put": _op(
                "Replace a service group",
                {"204": {"description": "Replaced"}},
                parameters=path_id,
                requestBody={"required": True, **_json(_ref("ServiceGroupIn"))},
            ),
            "delete": _op(
                "Delete a service group (its devices are then refused)",
                {"204": {"description": "Deleted"}},
                parameters=path_id,
            ),
        },
        "/iot/services/{id}/keys": {
            "get": _op(
                "The group's API keys (never the keys themselves)",
                {
                    "200": {
                        "description": "Keys",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "count": {"type": "integer"},
                                    "keys": {"type": "array", "items": _ref("ApiKey")},
                                },
                            }
                        ),
                    }
                },
                parameters=path_id,
            ),
            "post": _op(
                "Issue an API key; with grace, rotate (the other keys expire after grace s)",
                {"201": {"description": "The key, shown this once", **_json(_ref("IssuedKey"))}},
                parameters=path_id,
                requestBody={"required": False, **_json(_ref("KeyRequest"))},
            ),
        },
        "/iot/services/{id}/keys/{key}": {
            "delete": _op(
                "Revoke an API key (its messages are refused from now on)",
                {"204": {"description": "Revoked"}},
                parameters=key_path,
            ),
        },
        "/iot/devices": {
            "post": _op(
                "Provision devices (one, or up to 10,000 under 'devices') and their entities",
                {"201": {"description": "Created", **ids}},
                requestBody={
                    "required": True,
                    **_json({"oneOf": [_ref("DeviceIn"), _ref("DeviceList")]}),
                },
            ),
            "get": _op(
                "List devices (by device id)", {"200": {"description": "Devices"}}, parameters=PAGE
            ),
        },
        "/iot/devices/{id}": {
            "get": _op("Read a device", {"200": {"description": "The device"}}, parameters=path_id),
            "put": _op(
                "Replace a device",
                {"204": {"description": "Replaced"}},
                parameters=path_id,
                requestBody={"required": True, **_json(_ref("DeviceIn"))},
            ),
            "delete": _op(
                "Delete a device (its entity stays)",
                {"204": {"description": "Deleted"}},
                parameters=path_id,
            ),
        },
        "/iot/json": {
            "post": _op(
                "Measures of an HTTP device, JSON object of measure → value",
                measured,
                parameters=DEVICE_QUERY,
                requestBody={"required": True, **_json({"type": "object"})},
            ),
        },
        "/iot/d": {
            "post": _op(
                "Measures of an HTTP device, UltraLight 2.0 (t|23.1|h|40)",
                measured,
                parameters=DEVICE_QUERY,
                requestBody={
                    "required": True,
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
            ),
            "get": _op(
                "Measures of an HTTP device, UltraLight 2.0 in the d parameter",
                measured,
                parameters=[
                    *DEVICE_QUERY,
                    {"name": "d", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
            ),
        },
        "/iot/deadletters": {
            "get": _op(
                "Refused device messages, newest first",
                {
                    "200": {
                        "description": "Dead letters",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "deadLetters": {"type": "array", "items": _ref("DeadLetter")}
                                },
                            }
                        ),
                    }
                },
                parameters=[
                    *PAGE,
                    {
                        "name": "reason",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(REASONS)},
                    },
                    {"name": "device_id", "in": "query", "schema": {"type": "string"}},
                ],
            ),
            "delete": _op(
                "Delete every dead letter of the tenant",
                {"200": {"description": "How many were deleted"}},
            ),
        },
        "/iot/deadletters/{id}": {
            "get": _op(
                "Read one dead letter",
                {"200": {"description": "The letter", **_json(_ref("DeadLetter"))}},
                parameters=path_id,
            ),
        },
        "/iot/stats": {
            "get": _op(
                "Counters: received, accepted, rejected by reason, commands, overflow",
                {"200": {"description": "Counters"}},
            ),
        },
        "/iot/about": {
            "get": _op("Agent version and MQTT connection", {"200": {"description": "About"}})
        },
    }


EXTRA_SCHEMAS: Final = {
    "ProblemDetails": PROBLEM_SCHEMA,
    "ApiKey": {
        "type": "object",
        "required": ["id", "created_at", "status"],
        "properties": {
            "id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "revoked_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
        },
    },
    "IssuedKey": {
        "allOf": [
            {"$ref": REF.format(model="ApiKey")},
            {
                "type": "object",
                "required": ["apikey"],
                "properties": {"apikey": {"type": "string", "description": "Shown once."}},
            },
        ]
    },
    "DeadLetter": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "transport": {"type": "string", "enum": ["mqtt", "http", "memory"]},
            "endpoint": {"type": "string", "description": "Topic or path, API key redacted"},
            "device_id": {"type": ["string", "null"]},
            "reason": {"type": "string", "enum": list(REASONS)},
            "detail": {"type": "string"},
            "payload_base64": {"type": "string", "contentEncoding": "base64"},
            "size": {"type": "integer"},
        },
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (m, "validation")
            for m in (ServiceGroupIn, ServiceGroupList, DeviceIn, DeviceList, KeyRequest)
        ],
        ref_template=REF,
    )
    schemas = {**definitions.get("$defs", {}), **EXTRA_SCHEMAS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dosi device agent (IoT agent)",
            "version": __version__,
            "description": "Provisioning of service groups and devices, HTTP device "
            "ingestion (JSON and UltraLight 2.0), dead letters and counters. MQTT devices "
            "publish to /{apikey}/{device_id}/attrs[/{attr}] and answer commands on "
            "/{apikey}/{device_id}/cmdexe.",
        },
        "paths": _paths(),
        "components": {"schemas": schemas},
    }


__all__ = ["openapi_document"]
