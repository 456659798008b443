"""Batch operations: /entityOperations/create|upsert|update|delete|merge|query (§6.14+)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.entities import OUTPUT_TYPES, geometry_property, page_headers, render_many
from dosi.api.media import negotiate
from dosi.api.params import entity_query, options_of, render_options
from dosi.api.requests import Body, read_body, tenant_of
from dosi.api.responses import json_response, ngsi_response, no_content
from dosi.api.services import Services, services
from dosi.core.clock import utc_now
from dosi.core.entities import BatchOutcome
from dosi.core.ids import check_entity_id
from dosi.core.jsonld import ActiveContext
from dosi.core.model import Entity
from dosi.core.representation import Mode, parse_attributes, parse_entity
from dosi.errors import BadRequestData, NgsiLdError


def _items(body: Body, svc: Services) -> list[Any]:
    if not isinstance(body.data, list):
        raise BadRequestData("a batch operation body must be a JSON array")
    if len(body.data) > svc.settings.max_batch_size:
        raise BadRequestData(f"a batch may hold at most {svc.settings.max_batch_size} operations")
    return body.data


async def _parse_all(
    request: Request, *, full: bool, mode: Mode = "update"
) -> tuple[list[Entity], list[tuple[str, NgsiLdError]]]:
    """Parse each entity with its own @context; invalid ones become per-item errors."""
    svc = services(request)
    body = await read_body(request, svc.settings)
    items = _items(body, svc)
    parsed: list[Entity] = []
    errors: list[tuple[str, NgsiLdError]] = []
    now = utc_now()
    for item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        try:
            context = item.get("@context") if body.media.endswith("ld+json") else body.context
            ctx = await svc.resolver.resolve(context)
            if full:
                parsed.append(parse_entity(item, ctx, now=now))
            else:
                entity_id = check_entity_id(item_id)
                fragment: Entity = {
                    "id": entity_id,
                    "type": [ctx.expand(t) for t in _types(item)],
                    "attrs": parse_attributes(item, ctx, now=now, mode=mode),
                    "createdAt": now,
                    "modifiedAt": now,
                }
                parsed.append(fragment)
        except NgsiLdError as exc:
            errors.append((str(item_id), exc))
    return parsed, errors


def _types(item: dict[str, Any]) -> list[str]:
    raw = item.get("type", [])
    types = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(t, str) for t in types):
        raise BadRequestData("type must be a string or a list of strings")
    return types


def _result(
    outcome: BatchOutcome, early: list[tuple[str, NgsiLdError]], *, ok: Response
) -> Response:
    """``ok`` when everything succeeded, else 207 with a BatchOperationResult (§5.2.16)."""
    errors = early + outcome.errors
    if not errors:
        return ok
    body = {
        "success": outcome.success,
        "errors": [{"entityId": eid, "error": exc.to_problem()} for eid, exc in errors],
    }
    return json_response(body, status=207)


async def batch_create(request: Request) -> Response:
    entities, errors = await _parse_all(request, full=True)
    outcome = await services(request).entities.batch_create(tenant_of(request), entities)
    return _result(outcome, errors, ok=json_response(outcome.success, status=201))


async def batch_upsert(request: Request) -> Response:
    options = options_of(request.query_params)
    update = "update" in options
    entities, errors = await _parse_all(request, full=True)
    outcome = await services(request).entities.batch_upsert(
        tenant_of(request), entities, update=update
    )
    ok = json_response(outcome.created, status=201) if outcome.created else no_content()
    return _result(outcome, errors, ok=ok)


async def batch_update(request: Request) -> Response:
    no_overwrite = "noOverwrite" in options_of(request.query_params)
    entities, errors = await _parse_all(request, full=False)
    outcome = await services(request).entities.batch_update(
        tenant_of(request), entities, no_overwrite=no_overwrite
    )
    return _result(outcome, errors, ok=no_content())


async def batch_merge(request: Request) -> Response:
    entities, errors = await _parse_all(request, full=False, mode="merge")
    outcome = await services(request).entities.batch_merge(tenant_of(request), entities)
    return _result(outcome, errors, ok=no_content())


async def batch_delete(request: Request) -> Response:
    svc = services(request)
    body = await read_body(request, svc.settings)
    items = _items(body, svc)
    ids: list[str] = []
    errors: list[tuple[str, NgsiLdError]] = []
    for item in items:
        try:
            ids.append(check_entity_id(item))
        except NgsiLdError as exc:
            errors.append((str(item), exc))
    outcome = await svc.entities.batch_delete(tenant_of(request), ids)
    return _result(outcome, errors, ok=no_content())


async def read_query(request: Request) -> tuple[ActiveContext, dict[str, str], dict[str, Any]]:
    """A posted Query object (§5.2.23): its @context, the equivalent GET parameters (URL
    parameters included) and the object itself."""
    svc = services(request)
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    data = body.data
    if not isinstance(data, dict) or data.get("type") != "Query":
        raise BadRequestData('the body must be a Query object with "type": "Query"')
    params = dict(request.query_params)
    params.update(query_members(data))
    return ctx, params, data


async def batch_query(request: Request) -> Response:
    """POST /entityOperations/query: a Query object in the body (§5.2.23, §6.23)."""
    svc = services(request)
    media = negotiate(request.headers.get("accept"), OUTPUT_TYPES)
    ctx, params, _ = await read_query(request)
    options = render_options(params, ctx)
    query = entity_query(params, ctx, svc.settings)
    page = await svc.entities.query(tenant_of(request), query)
    out = render_many(page.entities, ctx, options, media, geometry_property(request, ctx))
    return ngsi_response(out, ctx, media, headers=page_headers(request, page))


def query_members(data: dict[str, Any]) -> dict[str, str]:
    """Flatten a Query object into the equivalent GET /entities parameters."""
    params: dict[str, str] = {}
    selectors = data.get("entities")
    if selectors is not None:
        if not isinstance(selectors, list) or not all(isinstance(s, dict) for s in selectors):
            raise BadRequestData("entities must be a list of EntitySelector objects")
        if len(selectors) > 1:
            raise BadRequestData("only one EntitySelector per Query is supported")
        for selector in selectors:
            for member, param in (("id", "id"), ("idPattern", "idPattern"), ("type", "type")):
                if member in selector:
                    params[param] = _text(selector[member], member)
    for member in ("q", "scopeQ", "lang", "csf"):
        if member in data:
            params[member] = _text(data[member], member)
    if "attrs" in data:
        attrs = data["attrs"]
        if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
            raise BadRequestData("attrs must be a list of attribute names")
        params["attrs"] = ",".join(attrs)
    geo = data.get("geoQ")
    if geo is not None:
        if not isinstance(geo, dict):
            raise BadRequestData("geoQ must be an object")
        for member in ("georel", "geometry", "geoproperty"):
            if member in geo:
                params[member] = _text(geo[member], member)
        if "coordinates" in geo:
            coords = geo["coordinates"]
            params["coordinates"] = coords if isinstance(coords, str) else _json(coords)
    return params


def _text(value: Any, member: str) -> str:
    if not isinstance(value, str):
        raise BadRequestData(f"{member} must be a string")
    return value


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()


routes = [
    Route("/entityOperations/create", batch_create, methods=["POST"]),
    Route("/entityOperations/upsert", batch_upsert, methods=["POST"]),
    Route("/entityOperations/update", batch_update, methods=["POST"]),
    Route("/entityOperations/merge", batch_merge, methods=["POST"]),
    Route("/entityOperations/delete", batch_delete, methods=["POST"]),
    Route("/entityOperations/query", batch_query, methods=["POST"]),
]
