"""HTTP routes of the temporal API: /temporal/entities and /temporal/entityOperations/query
(ETSI GS CIM 009 §6.18-§6.24)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.batch import read_query
from dosi.api.entities import read_context, tenant_headers
from dosi.api.media import JSON, JSONLD, negotiate
from dosi.api.params import entity_query, options_of, split_list
from dosi.api.requests import read_body, tenant_of
from dosi.api.responses import ngsi_response, no_content
from dosi.api.services import services
from dosi.core.ids import check_entity_id
from dosi.core.jsonld import ActiveContext
from dosi.core.temporal.params import temporal_params
from dosi.errors import BadRequestData

COUNT_HEADER = "NGSILD-Results-Count"
OUTPUT = (JSON, JSONLD)


def _attrs(params: Any, ctx: ActiveContext) -> frozenset[str] | None:
    names = split_list(params.get("attrs"))
    return frozenset(ctx.expand(n) for n in names) if names else None


async def _query(request: Request, params: dict[str, str], ctx: ActiveContext) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), OUTPUT)
    options = options_of(params)
    query = entity_query(params, ctx, svc.settings)
    temporal = temporal_params(params, options)
    body, count = await svc.temporal.query(
        tenant_of(request), query, temporal, ctx, sys_attrs="sysAttrs" in options
    )
    headers = tenant_headers(request)
    if count is not None:
        headers[COUNT_HEADER] = str(count)
    return ngsi_response(body, ctx, media, headers=headers)


async def query_temporal(request: Request) -> Response:
    ctx = await read_context(request)
    return await _query(request, dict(request.query_params), ctx)


async def query_temporal_post(request: Request) -> Response:
    ctx, params, data = await read_query(request)
    temporal_q = data.get("temporalQ")
    if temporal_q is not None:
        if not isinstance(temporal_q, dict):
            raise BadRequestData("temporalQ must be an object")
        for member in ("timerel", "timeAt", "endTimeAt", "timeproperty", "lastN"):
            if member in temporal_q:
                params[member] = str(temporal_q[member])
    return await _query(request, params, ctx)


async def retrieve_temporal(request: Request) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), OUTPUT)
    entity_id = check_entity_id(request.path_params["entity_id"])
    ctx = await read_context(request)
    params = dict(request.query_params)
    options = options_of(params)
    body = await svc.temporal.retrieve(
        tenant_of(request),
        entity_id,
        _attrs(params, ctx),
        temporal_params(params, options),
        ctx,
        sys_attrs="sysAttrs" in options,
    )
    return ngsi_response(body, ctx, media, headers=tenant_headers(request))


async def create_temporal(request: Request) -> Response:
    svc = services(request)
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    created = await svc.temporal.upsert(tenant_of(request), body.data, ctx)
    headers = tenant_headers(request)
    if created:
        headers["Location"] = f"/ngsi-ld/v1/temporal/entities/{body.data['id']}"
        return Response(status_code=201, headers=headers)
    return no_content(headers)


async def delete_temporal(request: Request) -> Response:
    entity_id = check_entity_id(request.path_params["entity_id"])
    await services(request).temporal.delete_entity(tenant_of(request), entity_id)
    return no_content(tenant_headers(request))


async def append_temporal(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    await svc.temporal.append(tenant_of(request), entity_id, body.data, ctx)
    return no_content(tenant_headers(request))


async def delete_temporal_attr(request: Request) -> Response:
    entity_id = check_entity_id(request.path_params["entity_id"])
    ctx = await read_context(request)
    params = request.query_params
    await services(request).temporal.delete_attribute(
        tenant_of(request),
        entity_id,
        ctx.expand(request.path_params["attr"]),
        dataset_id=params.get("datasetId"),
        delete_all=params.get("deleteAll") == "true",
    )
    return no_content(tenant_headers(request))


async def modify_instance(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings, merge_patch=True)
    ctx = await svc.resolver.resolve(body.context)
    await svc.temporal.modify_instance(
        tenant_of(request),
        entity_id,
        ctx.expand(request.path_params["attr"]),
        request.path_params["instance_id"],
        body.data,
        ctx,
    )
    return no_content(tenant_headers(request))


async def delete_instance(request: Request) -> Response:
    entity_id = check_entity_id(request.path_params["entity_id"])
    ctx = await read_context(request)
    await services(request).temporal.delete_instance(
        tenant_of(request),
        entity_id,
        ctx.expand(request.path_params["attr"]),
        request.path_params["instance_id"],
    )
    return no_content(tenant_headers(request))


PREFIX = "/temporal/entities/{entity_id:path}"
routes = [
    Route("/temporal/entities", query_temporal, methods=["GET"]),
    Route("/temporal/entities", create_temporal, methods=["POST"]),
    Route("/temporal/entityOperations/query", query_temporal_post, methods=["POST"]),
    Route(PREFIX + "/attrs/{attr}/{instance_id:path}", modify_instance, methods=["PATCH"]),
    Route(PREFIX + "/attrs/{attr}/{instance_id:path}", delete_instance, methods=["DELETE"]),
    Route(PREFIX + "/attrs/{attr}", delete_temporal_attr, methods=["DELETE"]),
    Route(PREFIX + "/attrs", append_temporal, methods=["POST"]),
    Route(PREFIX, retrieve_temporal, methods=["GET"]),
    Route(PREFIX, delete_temporal, methods=["DELETE"]),
]
