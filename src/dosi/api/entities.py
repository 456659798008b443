"""HTTP routes of /entities and its attributes (§6.4-§6.7)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.media import GEOJSON, JSON, JSONLD, negotiate
from dosi.api.params import entity_query, options_of, render_options
from dosi.api.requests import link_context, read_body, tenant_of
from dosi.api.responses import json_response, ngsi_response, no_content
from dosi.api.services import services
from dosi.core.clock import utc_now
from dosi.core.ids import check_entity_id
from dosi.core.jsonld import ActiveContext
from dosi.core.model import Entity
from dosi.core.mutations import UpdateResult
from dosi.core.query import QueryPage
from dosi.core.representation import (
    Mode,
    RenderOptions,
    parse_attributes,
    parse_entity,
    render_entity,
    render_feature,
)
from dosi.errors import BadRequestData, ResourceNotFound

OUTPUT_TYPES = (JSON, JSONLD, GEOJSON)
COUNT_HEADER = "NGSILD-Results-Count"


async def read_context(request: Request) -> ActiveContext:
    """The @context of a request without body (Link header or core)."""
    return await services(request).resolver.resolve(link_context(request))


def tenant_headers(request: Request) -> dict[str, str]:
    tenant = tenant_of(request)
    return {"NGSILD-Tenant": tenant} if tenant else {}


def geometry_property(request: Request, ctx: ActiveContext) -> str:
    return ctx.expand(request.query_params.get("geometryProperty", "location"))


def render_many(
    entities: list[Entity],
    ctx: ActiveContext,
    options: RenderOptions,
    media: str,
    geoproperty: str,
) -> Any:
    if media == GEOJSON:
        return {
            "type": "FeatureCollection",
            "features": [render_feature(e, ctx, options, geoproperty) for e in entities],
        }
    return [render_entity(e, ctx, options) for e in entities]


def render_one(
    entity: Entity, ctx: ActiveContext, options: RenderOptions, media: str, geoproperty: str
) -> Any:
    if media == GEOJSON:
        return render_feature(entity, ctx, options, geoproperty)
    return render_entity(entity, ctx, options)


def page_headers(request: Request, page: QueryPage) -> dict[str, str]:
    headers = tenant_headers(request)
    if page.count is not None:
        headers[COUNT_HEADER] = str(page.count)
    return headers


def update_result_response(result: UpdateResult, ctx: ActiveContext) -> Response:
    """204 when every attribute changed, else 207 with an UpdateResult (§5.2.18)."""
    if not result.not_updated:
        return no_content()
    body = {
        "updated": [ctx.compact(a) for a in result.updated],
        "notUpdated": [
            {"attributeName": ctx.compact(a), "reason": reason} for a, reason in result.not_updated
        ],
    }
    return json_response(body, status=207)


async def create_entity(request: Request) -> Response:
    svc = services(request)
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    entity = parse_entity(body.data, ctx, now=utc_now())
    await svc.entities.create(tenant_of(request), entity)
    headers = tenant_headers(request)
    headers["Location"] = f"/ngsi-ld/v1/entities/{entity['id']}"
    return Response(status_code=201, headers=headers)


async def query_entities(request: Request) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), OUTPUT_TYPES)
    ctx = await read_context(request)
    params = request.query_params
    options = render_options(params, ctx)
    query = entity_query(params, ctx, svc.settings)
    page = await svc.entities.query(tenant_of(request), query)
    body = render_many(page.entities, ctx, options, media, geometry_property(request, ctx))
    return ngsi_response(body, ctx, media, headers=page_headers(request, page))


async def retrieve_entity(request: Request) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), OUTPUT_TYPES)
    entity_id = check_entity_id(request.path_params["entity_id"])
    ctx = await read_context(request)
    options = render_options(request.query_params, ctx)
    entity = await svc.entities.retrieve(tenant_of(request), entity_id)
    type_filter = request.query_params.get("type")
    if type_filter and not set(map(ctx.expand, type_filter.split(","))) & set(entity["type"]):
        raise ResourceNotFound(f"entity {entity_id} not found")
    body = render_one(entity, ctx, options, media, geometry_property(request, ctx))
    return ngsi_response(body, ctx, media, headers=tenant_headers(request))


async def replace_entity(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    data = body.data
    if isinstance(data, dict):
        if "id" in data and data["id"] != entity_id:
            raise BadRequestData("the entity id in the body differs from the one in the URL")
        data = {**data, "id": entity_id}
    entity = parse_entity(data, ctx, now=utc_now())
    await svc.entities.replace(tenant_of(request), entity)
    return no_content(tenant_headers(request))


async def merge_entity(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings, merge_patch=True)
    ctx = await svc.resolver.resolve(body.context)
    patch = _fragment(body.data, ctx, entity_id, mode="merge")
    await svc.entities.merge(tenant_of(request), entity_id, patch)
    return no_content(tenant_headers(request))


def _fragment(data: Any, ctx: ActiveContext, entity_id: str, *, mode: Mode) -> Entity:
    """An entity fragment: attributes plus optional id (must match), type and scope."""
    if not isinstance(data, dict):
        raise BadRequestData("the body must be a JSON object")
    if "id" in data and data["id"] != entity_id:
        raise BadRequestData("the entity id in the body differs from the one in the URL")
    fragment: Entity = {
        "id": entity_id,
        "attrs": parse_attributes(data, ctx, now=utc_now(), mode=mode),
    }
    if "type" in data:
        types = data["type"] if isinstance(data["type"], list) else [data["type"]]
        if not types or not all(isinstance(t, str) and t for t in types):
            raise BadRequestData("type must be a non-empty string or list of strings")
        fragment["type"] = [ctx.expand(t) for t in types]
    if "scope" in data:
        scope = data["scope"]
        if scope == "urn:ngsi-ld:null":
            fragment["scope"] = None
        else:
            scopes = scope if isinstance(scope, list) else [scope]
            if not all(isinstance(s, str) and s.startswith("/") for s in scopes):
                raise BadRequestData("scope must be a scope path or a list of them")
            fragment["scope"] = scopes
    return fragment


async def delete_entity(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    await svc.entities.check_tenant(tenant_of(request))
    await svc.entities.delete(tenant_of(request), entity_id)
    return no_content(tenant_headers(request))


async def append_attrs(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    no_overwrite = "noOverwrite" in options_of(request.query_params)
    attrs = _fragment(body.data, ctx, entity_id, mode="create")["attrs"]
    result = await svc.entities.append_attrs(
        tenant_of(request), entity_id, attrs, no_overwrite=no_overwrite
    )
    return update_result_response(result, ctx)


async def update_attrs(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings)
    ctx = await svc.resolver.resolve(body.context)
    attrs = _fragment(body.data, ctx, entity_id, mode="update")["attrs"]
    if not attrs:
        raise BadRequestData("the body names no attribute to update")
    result = await svc.entities.update_attrs(tenant_of(request), entity_id, attrs)
    return update_result_response(result, ctx)


async def _attr_body(request: Request, mode: Mode) -> tuple[str, str, list[Any]]:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    body = await read_body(request, svc.settings, merge_patch=True)
    ctx = await svc.resolver.resolve(body.context)
    attr_name = request.path_params["attr"]
    attr = ctx.expand(attr_name)
    data = body.data
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "@context"}
    parsed = parse_attributes({attr_name: data}, ctx, now=utc_now(), mode=mode)
    return entity_id, attr, parsed.get(attr, [])


async def partial_update_attr(request: Request) -> Response:
    entity_id, attr, fragment = await _attr_body(request, "patch")
    await services(request).entities.partial_update_attr(
        tenant_of(request), entity_id, attr, fragment
    )
    return no_content(tenant_headers(request))


async def replace_attr(request: Request) -> Response:
    entity_id, attr, instances = await _attr_body(request, "create")
    await services(request).entities.replace_attr(tenant_of(request), entity_id, attr, instances)
    return no_content(tenant_headers(request))


async def delete_attr(request: Request) -> Response:
    svc = services(request)
    entity_id = check_entity_id(request.path_params["entity_id"])
    ctx = await read_context(request)
    attr = ctx.expand(request.path_params["attr"])
    params = request.query_params
    delete_all = params.get("deleteAll") == "true"
    dataset_id = params.get("datasetId")
    await svc.entities.delete_attr(
        tenant_of(request), entity_id, attr, dataset_id=dataset_id, delete_all=delete_all
    )
    return no_content(tenant_headers(request))


routes = [
    Route("/entities", create_entity, methods=["POST"]),
    Route("/entities", query_entities, methods=["GET"]),
    Route("/entities/{entity_id:path}/attrs/{attr}", partial_update_attr, methods=["PATCH"]),
    Route("/entities/{entity_id:path}/attrs/{attr}", replace_attr, methods=["PUT"]),
    Route("/entities/{entity_id:path}/attrs/{attr}", delete_attr, methods=["DELETE"]),
    Route("/entities/{entity_id:path}/attrs", append_attrs, methods=["POST"]),
    Route("/entities/{entity_id:path}/attrs", update_attrs, methods=["PATCH"]),
    Route("/entities/{entity_id:path}", retrieve_entity, methods=["GET"]),
    Route("/entities/{entity_id:path}", replace_entity, methods=["PUT"]),
    Route("/entities/{entity_id:path}", merge_entity, methods=["PATCH"]),
    Route("/entities/{entity_id:path}", delete_entity, methods=["DELETE"]),
]
