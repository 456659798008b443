"""The OpenAPI 3.1 description of dosi's HTTP API: the NGSI-LD endpoints as implemented
(``/ngsi-ld/v1``, ETSI GS CIM 009) merged with the device agent's (``/iot``), one document.

Schemas describe what dosi accepts and answers, loosely where NGSI-LD is open (an entity
may carry any attribute; ``pick`` may even drop ``id`` and ``type``). Every operation
documents its errors as ProblemDetails (RFC 9457) under ``default``. A schema-based test
(tests/api/test_openapi.py) keeps this document and the code in step.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi import __version__
from dosi.api.problems import PROBLEM_SCHEMA
from dosi.ingest.openapi import openapi_document as iot_document

API: Final = "/ngsi-ld/v1"
REF: Final = "#/components/schemas/{name}"
JSON: Final = "application/json"
JSONLD: Final = "application/ld+json"
GEOJSON: Final = "application/geo+json"
MERGE_PATCH: Final = "application/merge-patch+json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def param(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def body(schema: dict[str, Any], *media: str, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {m: {"schema": schema} for m in (media or (JSON, JSONLD))},
    }


def answer(description: str, schema: dict[str, Any] | None = None, *media: str) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {
        "description": description,
        "content": {m: {"schema": schema} for m in media or (JSON,)},
    }


def op(
    summary: str,
    responses: dict[str, Any],
    *,
    parameters: list[dict[str, Any]] | None = None,
    request: dict[str, Any] | None = None,
    tag: str,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "parameters": [param("Tenant"), *(parameters or [])],
        "responses": {
            **responses,
            "default": answer("An error (ProblemDetails)", ref("ProblemDetails")),
        },
    }
    if request is not None:
        operation["requestBody"] = request
    return operation


def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1},
    }


# -- parameters ----------------------------------------------------------------------------
PARAMETERS: Final[dict[str, dict[str, Any]]] = {
    "Tenant": {
        "name": "NGSILD-Tenant",
        "in": "header",
        "required": False,
        "description": "Tenant (absent: the default tenant). Unknown tenants answer 404 "
        "NonexistentTenant on reads.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{0,64}$"},
    },
    "entityId": path("entityId", "Entity id (a URI)."),
    "attrId": path("attrId", "Attribute name (expanded with the @context)."),
    "instanceId": path("instanceId", "Instance id of a temporal attribute value (a URI)."),
    "subscriptionId": path("subscriptionId", "Subscription id (a URI)."),
    "contextId": path("contextId", "Id of a hosted @context."),
    "type": query("type", "Entity type selection, e.g. Vehicle or (Bus|Car);Electric."),
    "id": query("id", "Comma-separated entity ids."),
    "idPattern": query("idPattern", "Regular expression over entity ids."),
    "attrs": query("attrs", "Comma-separated attribute names."),
    "pick": query("pick", "Comma-separated members to keep (attributes, id, type)."),
    "omit": query("omit", "Comma-separated members to drop."),
    "q": query("q", 'Query over attribute values (§4.9), e.g. speed>50;brandName=="X".'),
    "scopeQ": query("scopeQ", "Scope query (§4.19)."),
    "csf": query("csf", "Context source filter."),
    "georel": query("georel", "near;maxDistance==2000, within, intersects, ..."),
    "geometry": query("geometry", "Point, Polygon, LineString, ..."),
    "coordinates": query("coordinates", "GeoJSON coordinates, e.g. [127.29,36.48]."),
    "geoproperty": query("geoproperty", "The GeoProperty the query applies to."),
    "geometryProperty": query("geometryProperty", "GeoJSON output: the geometry used."),
    "datasetId": query("datasetId", "Dataset id of a multi-attribute instance."),
    "deleteAll": query("deleteAll", "Delete every instance.", type="boolean"),
    "options": query(
        "options", "keyValues, concise, sysAttrs, noOverwrite, temporalValues, aggregatedValues."
    ),
    "format": query("format", "normalized, concise, keyValues (simplified)."),
    "lang": query("lang", "Language for LanguageProperty values."),
    "local": query("local", "Only local entities (no federation).", type="boolean"),
    "limit": query("limit", "Page size.", type="integer", minimum=0),
    "offset": query("offset", "Page start.", type="integer", minimum=0),
    "count": query("count", "Add NGSILD-Results-Count.", type="boolean"),
    "details": query("details", "Full objects instead of a list of names.", type="boolean"),
    "timerel": query("timerel", "before, after, between.", enum=["before", "after", "between"]),
    "timeAt": query("timeAt", "Instant (DateTime).", type="string", format="date-time"),
    "endTimeAt": query("endTimeAt", "End instant for between.", type="string", format="date-time"),
    "timeproperty": query("timeproperty", "observedAt (default), createdAt, modifiedAt."),
    "lastN": query("lastN", "Only the last N instances.", type="integer", minimum=1),
    "aggrMethods": query("aggrMethods", "totalCount, distinctCount, sum, avg, min, max, ..."),
    "aggrPeriodDuration": query("aggrPeriodDuration", "ISO 8601 duration, e.g. PT1H."),
}

SELECTION: Final = [
    param(n) for n in ("id", "type", "idPattern", "attrs", "pick", "omit", "q", "scopeQ", "csf")
]
GEO: Final = [param(n) for n in ("georel", "geometry", "coordinates", "geoproperty")]
PAGE: Final = [param(n) for n in ("limit", "offset", "count")]
RENDER: Final = [param(n) for n in ("options", "format", "lang", "geometryProperty", "local")]
TEMPORAL: Final = [
    param(n)
    for n in (
        "timerel",
        "timeAt",
        "endTimeAt",
        "timeproperty",
        "lastN",
        "aggrMethods",
        "aggrPeriodDuration",
    )
]

# -- schemas -------------------------------------------------------------------------------
NAME: Final = {"type": "string", "minLength": 1}
TYPES: Final = {"oneOf": [NAME, {"type": "array", "items": NAME, "minItems": 1}]}
CONTEXT: Final = {
    "description": "JSON-LD @context: a URL, an object or a list of both.",
    "oneOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}],
}

SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "ProblemDetails": PROBLEM_SCHEMA,
    "Entity": {
        "description": "An entity in the requested format (normalized, concise or "
        "keyValues); `pick`/`omit` may drop any member, id and type included.",
        "type": "object",
        "properties": {"id": NAME, "type": TYPES, "@context": CONTEXT},
        "additionalProperties": True,
    },
    "EntityIn": {
        "description": "An entity to create or replace; attributes in normalized or concise form.",
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "type": TYPES,
            "@context": CONTEXT,
        },
        "additionalProperties": True,
    },
    "Fragment": {
        "description": "Attributes (normalized or concise) to append, update or merge.",
        "type": "object",
        "additionalProperties": True,
    },
    "EntityList": {"type": "array", "items": ref("Entity")},
    "FeatureCollection": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}},
    },
    "Feature": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"const": "Feature"}, "geometry": {}, "properties": {}},
    },
    "BatchEntities": {"type": "array", "items": ref("EntityIn"), "minItems": 1},
    "BatchIds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "CreatedIds": {"type": "array", "items": {"type": "string"}},
    "BatchOperationResult": {
        "type": "object",
        "required": ["success", "errors"],
        "properties": {
            "success": {"type": "array", "items": {"type": "string"}},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["entityId", "error"],
                    "properties": {
                        "entityId": {"type": "string"},
                        "error": ref("ProblemDetails"),
                    },
                },
            },
        },
    },
    "UpdateResult": {
        "type": "object",
        "properties": {
            "updated": {"type": "array", "items": {"type": "string"}},
            "notUpdated": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"attributeName": NAME, "reason": {"type": "string"}},
                },
            },
        },
    },
    "EntitySelector": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "idPattern": {"type": "string"},
            "type": {"type": "string"},
        },
    },
    "Query": {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"const": "Query"},
            "entities": {"type": "array", "items": ref("EntitySelector")},
            "attrs": {"type": "array", "items": NAME},
            "q": {"type": "string"},
            "geoQ": {"type": "object"},
            "temporalQ": {"type": "object"},
            "scopeQ": {"type": "string"},
            "lang": {"type": "string"},
            "@context": CONTEXT,
        },
    },
    "Subscription": {
        "type": "object",
        "required": ["id", "type", "notification"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "Subscription"},
            "entities": {"type": "array", "items": ref("EntitySelector")},
            "watchedAttributes": {"type": "array", "items": NAME},
            "q": {"type": "string"},
            "notification": {"type": "object"},
            "isActive": {"type": "boolean"},
            "status": {"type": "string"},
        },
    },
    "SubscriptionIn": {
        "type": "object",
        "required": ["type", "notification"],
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "type": {"const": "Subscription"},
            "entities": {"type": "array", "items": ref("EntitySelector")},
            "watchedAttributes": {"type": "array", "items": NAME},
            "q": {"type": "string"},
            "throttling": {"type": "number", "minimum": 0},
            "expiresAt": {"type": "string", "format": "date-time"},
            "notification": {
                "type": "object",
                "required": ["endpoint"],
                "properties": {
                    "attributes": {"type": "array", "items": NAME},
                    "format": {"type": "string"},
                    "endpoint": {
                        "type": "object",
                        "required": ["uri"],
                        "properties": {
                            "uri": {"type": "string", "format": "uri"},
                            "accept": {"type": "string"},
                        },
                    },
                },
            },
            "@context": CONTEXT,
        },
    },
    "SubscriptionPatch": {"type": "object", "additionalProperties": True},
    "EntityTypeList": {
        "type": "object",
        "required": ["id", "type", "typeList"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "EntityTypeList"},
            "typeList": {"type": "array", "items": NAME},
        },
    },
    "EntityType": {
        "type": "object",
        "required": ["id", "type", "typeName"],
        "properties": {
            "id": {"type": "string"},
            "type": {"enum": ["EntityType", "EntityTypeInfo"]},
            "typeName": NAME,
            "attributeNames": {"type": "array", "items": NAME},
            "entityCount": {"type": "integer", "minimum": 0},
            "attributeDetails": {"type": "array", "items": ref("Attribute")},
        },
    },
    "AttributeList": {
        "type": "object",
        "required": ["id", "type", "attributeList"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "AttributeList"},
            "attributeList": {"type": "array", "items": NAME},
        },
    },
    "Attribute": {
        "type": "object",
        "required": ["id", "type", "attributeName"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "Attribute"},
            "attributeName": NAME,
            "attributeCount": {"type": "integer", "minimum": 0},
            "attributeTypes": {"type": "array", "items": {"type": "string"}},
            "typeNames": {"type": "array", "items": NAME},
        },
    },
    "TemporalEntity": {
        "description": "An entity with every attribute as an array of instances (or, "
        "with temporalValues/aggregatedValues, the simplified temporal form).",
        "type": "object",
        "properties": {"id": NAME, "type": TYPES, "@context": CONTEXT},
        "additionalProperties": True,
    },
    "TemporalEntityIn": {
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "format": "uri"},
            "type": TYPES,
            "@context": CONTEXT,
        },
        "additionalProperties": True,
    },
    "ContextIn": {
        "type": "object",
        "required": ["@context"],
        "properties": {"@context": CONTEXT},
    },
    "ContextList": {
        "type": "array",
        "items": {"oneOf": [{"type": "string"}, {"type": "object"}]},
    },
}

# -- paths ---------------------------------------------------------------------------------
ENTITY_MEDIA: Final = (JSON, JSONLD, GEOJSON)
MULTI_STATUS: Final = answer("Partly done", ref("UpdateResult"))
NO_CONTENT: Final = answer("Done")


def entity_paths() -> dict[str, Any]:
    one = [param("entityId")]
    attr = [param("entityId"), param("attrId")]
    tag = "Entities"
    found = {"oneOf": [ref("Entity"), ref("Feature")]}
    listed = {"oneOf": [ref("EntityList"), ref("FeatureCollection")]}
    return {
        "/entities": {
            "get": op(
                "Query entities (§6.4.3.2)",
                {"200": answer("Entities", listed, *ENTITY_MEDIA)},
                parameters=[*SELECTION, *GEO, *PAGE, *RENDER],
                tag=tag,
            ),
            "post": op(
                "Create an entity (§6.4.3.1)",
                {"201": answer("Created (Location names it)")},
                request=body(ref("EntityIn")),
                tag=tag,
            ),
        },
        "/entities/{entityId}": {
            "get": op(
                "Retrieve an entity (§6.5.3.1)",
                {"200": answer("The entity", found, *ENTITY_MEDIA)},
                parameters=[
                    *one,
                    param("type"),
                    param("attrs"),
                    param("pick"),
                    param("omit"),
                    *RENDER,
                ],
                tag=tag,
            ),
            "put": op(
                "Replace an entity (§6.5.3.4)",
                {"204": NO_CONTENT},
                parameters=one,
                request=body(ref("Fragment")),
                tag=tag,
            ),
            "patch": op(
                "Merge into an entity (§6.5.3.3)",
                {"204": NO_CONTENT},
                parameters=[*one, param("options")],
                request=body(ref("Fragment"), JSON, JSONLD, MERGE_PATCH),
                tag=tag,
            ),
            "delete": op(
                "Delete an entity (§6.5.3.2)",
                {"204": NO_CONTENT},
                parameters=[*one, param("type")],
                tag=tag,
            ),
        },
        "/entities/{entityId}/attrs": {
            "post": op(
                "Append attributes (§6.6.3.1)",
                {"204": NO_CONTENT, "207": MULTI_STATUS},
                parameters=[*one, param("options")],
                request=body(ref("Fragment")),
                tag=tag,
            ),
            "patch": op(
                "Update attributes (§6.6.3.2)",
                {"204": NO_CONTENT, "207": MULTI_STATUS},
                parameters=one,
                request=body(ref("Fragment")),
                tag=tag,
            ),
        },
        "/entities/{entityId}/attrs/{attrId}": {
            "patch": op(
                "Partially update an attribute (§6.7.3.1)",
                {"204": NO_CONTENT},
                parameters=attr,
                request=body(ref("Fragment")),
                tag=tag,
            ),
            "put": op(
                "Replace an attribute (§6.7.3.3)",
                {"204": NO_CONTENT},
                parameters=attr,
                request=body(ref("Fragment")),
                tag=tag,
            ),
            "delete": op(
                "Delete an attribute (§6.7.3.2)",
                {"204": NO_CONTENT},
                parameters=[*attr, param("datasetId"), param("deleteAll")],
                tag=tag,
            ),
        },
    }


def batch_paths() -> dict[str, Any]:
    tag = "Batch"
    result = answer("Some failed", ref("BatchOperationResult"))
    entities = body(ref("BatchEntities"))
    return {
        "/entityOperations/create": {
            "post": op(
                "Create entities (§6.14)",
                {"201": answer("Created ids", ref("CreatedIds")), "207": result},
                request=entities,
                tag=tag,
            )
        },
        "/entityOperations/upsert": {
            "post": op(
                "Upsert entities (§6.15)",
                {"201": answer("Created ids", ref("CreatedIds")), "204": NO_CONTENT, "207": result},
                parameters=[param("options")],
                request=entities,
                tag=tag,
            )
        },
        "/entityOperations/update": {
            "post": op(
                "Update entities (§6.16)",
                {"204": NO_CONTENT, "207": result},
                parameters=[param("options")],
                request=entities,
                tag=tag,
            )
        },
        "/entityOperations/merge": {
            "post": op(
                "Merge entities (§6.31)",
                {"204": NO_CONTENT, "207": result},
                request=entities,
                tag=tag,
            )
        },
        "/entityOperations/delete": {
            "post": op(
                "Delete entities (§6.17)",
                {"204": NO_CONTENT, "207": result},
                request=body(ref("BatchIds"), JSON),
                tag=tag,
            )
        },
        "/entityOperations/query": {
            "post": op(
                "Query entities with a body (§6.23)",
                {"200": answer("Entities", ref("EntityList"), JSON, JSONLD)},
                parameters=[*PAGE, *RENDER],
                request=body(ref("Query")),
                tag=tag,
            )
        },
    }


def temporal_paths() -> dict[str, Any]:
    tag = "Temporal"
    one = [param("entityId")]
    attr = [param("entityId"), param("attrId")]
    listed = {"type": "array", "items": ref("TemporalEntity")}
    return {
        "/temporal/entities": {
            "get": op(
                "Query temporal evolution (§6.18.3.2)",
                {"200": answer("Temporal entities", listed, JSON, JSONLD)},
                parameters=[
                    *SELECTION,
                    *GEO,
                    *TEMPORAL,
                    *PAGE,
                    param("options"),
                    param("format"),
                    param("lang"),
                ],
                tag=tag,
            ),
            "post": op(
                "Create or add to a temporal entity (§6.18.3.1)",
                {"201": answer("Created"), "204": NO_CONTENT},
                request=body(ref("TemporalEntityIn")),
                tag=tag,
            ),
        },
        "/temporal/entityOperations/query": {
            "post": op(
                "Query temporal evolution with a body (§6.24)",
                {"200": answer("Temporal entities", listed, JSON, JSONLD)},
                parameters=[*PAGE, param("options"), param("format")],
                request=body(ref("Query")),
                tag=tag,
            )
        },
        "/temporal/entities/{entityId}": {
            "get": op(
                "Retrieve the temporal evolution of an entity (§6.19.3.1)",
                {"200": answer("Temporal entity", ref("TemporalEntity"), JSON, JSONLD)},
                parameters=[
                    *one,
                    param("attrs"),
                    *TEMPORAL,
                    param("options"),
                    param("format"),
                    param("lang"),
                ],
                tag=tag,
            ),
            "delete": op(
                "Delete the temporal evolution of an entity (§6.19.3.2)",
                {"204": NO_CONTENT},
                parameters=one,
                tag=tag,
            ),
        },
        "/temporal/entities/{entityId}/attrs": {
            "post": op(
                "Add attribute instances (§6.20.3.1)",
                {"204": NO_CONTENT, "207": MULTI_STATUS},
                parameters=one,
                request=body(ref("Fragment")),
                tag=tag,
            )
        },
        "/temporal/entities/{entityId}/attrs/{attrId}": {
            "delete": op(
                "Delete an attribute's history (§6.21.3.1)",
                {"204": NO_CONTENT},
                parameters=[*attr, param("datasetId"), param("deleteAll")],
                tag=tag,
            )
        },
        "/temporal/entities/{entityId}/attrs/{attrId}/{instanceId}": {
            "patch": op(
                "Modify an attribute instance (§6.22.3.1)",
                {"204": NO_CONTENT},
                parameters=[*attr, param("instanceId")],
                request=body(ref("Fragment")),
                tag=tag,
            ),
            "delete": op(
                "Delete an attribute instance (§6.22.3.2)",
                {"204": NO_CONTENT},
                parameters=[*attr, param("instanceId")],
                tag=tag,
            ),
        },
    }


def subscription_paths() -> dict[str, Any]:
    tag = "Subscriptions"
    one = [param("subscriptionId")]
    return {
        "/subscriptions": {
            "post": op(
                "Create a subscription (§6.10.3.1)",
                {"201": answer("Created (Location names it)")},
                request=body(ref("SubscriptionIn")),
                tag=tag,
            ),
            "get": op(
                "List subscriptions (§6.10.3.2)",
                {
                    "200": answer(
                        "Subscriptions",
                        {"type": "array", "items": ref("Subscription")},
                        JSON,
                        JSONLD,
                    )
                },
                parameters=PAGE,
                tag=tag,
            ),
        },
        "/subscriptions/{subscriptionId}": {
            "get": op(
                "Retrieve a subscription (§6.11.3.1)",
                {"200": answer("The subscription", ref("Subscription"), JSON, JSONLD)},
                parameters=one,
                tag=tag,
            ),
            "patch": op(
                "Update a subscription (§6.11.3.2)",
                {"204": NO_CONTENT},
                parameters=one,
                request=body(ref("SubscriptionPatch")),
                tag=tag,
            ),
            "delete": op(
                "Delete a subscription (§6.11.3.3)", {"204": NO_CONTENT}, parameters=one, tag=tag
            ),
        },
    }


def discovery_paths() -> dict[str, Any]:
    tag = "Discovery"
    types = {"oneOf": [ref("EntityTypeList"), {"type": "array", "items": ref("EntityType")}]}
    attrs = {"oneOf": [ref("AttributeList"), {"type": "array", "items": ref("Attribute")}]}
    return {
        "/types": {
            "get": op(
                "Available entity types (§6.25)",
                {"200": answer("Types", types, JSON, JSONLD)},
                parameters=[param("details")],
                tag=tag,
            )
        },
        "/types/{type}": {
            "get": op(
                "Details of an entity type (§6.26)",
                {"200": answer("The type", ref("EntityType"), JSON, JSONLD)},
                parameters=[path("type", "Entity type name.")],
                tag=tag,
            )
        },
        "/attributes": {
            "get": op(
                "Available attributes (§6.27)",
                {"200": answer("Attributes", attrs, JSON, JSONLD)},
                parameters=[param("details")],
                tag=tag,
            )
        },
        "/attributes/{attrId}": {
            "get": op(
                "Details of an attribute (§6.28)",
                {"200": answer("The attribute", ref("Attribute"), JSON, JSONLD)},
                parameters=[param("attrId")],
                tag=tag,
            )
        },
    }


def context_paths() -> dict[str, Any]:
    tag = "@context"
    one = [param("contextId")]
    return {
        "/jsonldContexts": {
            "post": op(
                "Host a @context (§6.29.3.1)",
                {"201": answer("Hosted (Location is its URL)")},
                request=body(ref("ContextIn"), JSON, JSONLD),
                tag=tag,
            ),
            "get": op(
                "List hosted and cached @contexts (§6.29.3.2)",
                {"200": answer("URLs, or details", ref("ContextList"))},
                parameters=[
                    param("details"),
                    query("kind", "Hosted, Cached or ImplicitlyCreated."),
                ],
                tag=tag,
            ),
        },
        "/jsonldContexts/{contextId}": {
            "get": op(
                "Serve a @context (§6.30.3.1)",
                {"200": answer("The @context", {"type": "object"}, JSON, JSONLD)},
                parameters=[*one, param("details")],
                tag=tag,
            ),
            "delete": op(
                "Delete a hosted @context (§6.30.3.2)",
                {"204": NO_CONTENT},
                parameters=[*one, query("reload", "Reload a cached @context.", type="boolean")],
                tag=tag,
            ),
        },
    }


def ngsi_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for part in (
        entity_paths(),
        batch_paths(),
        temporal_paths(),
        subscription_paths(),
        discovery_paths(),
        context_paths(),
    ):
        paths.update({API + route: item for route, item in part.items()})
    return paths


def document_paths() -> dict[str, Any]:
    document = {"type": "object", "required": ["openapi", "paths"]}
    return {
        "/openapi.json": {
            "get": op("This document", {"200": answer("OpenAPI 3.1", document)}, tag="Meta")
        },
        "/iot/openapi.json": {
            "get": op(
                "The device agent's part alone",
                {"200": answer("OpenAPI 3.1", document)},
                tag="Meta",
            )
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole HTTP API: NGSI-LD and the device agent (GET /openapi.json)."""
    iot = iot_document()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dosi",
            "version": __version__,
            "description": "NGSI-LD context broker (ETSI GS CIM 009) and device agent. With "
            "authentication on, send Authorization: Bearer <token> (POST /auth/token); "
            "each operation needs the permission docs/security.md lists.",
        },
        "paths": {**ngsi_paths(), **iot["paths"], **document_paths()},
        "components": {
            "schemas": {**iot["components"]["schemas"], **SCHEMAS},
            "parameters": PARAMETERS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    return Response(orjson.dumps(openapi_document()), media_type=JSON)


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]

__all__ = ["openapi_document", "routes"]
