"""HTTP routes of /subscriptions (ETSI GS CIM 009 §6.10-§6.11)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.entities import tenant_headers
from dosi.api.media import JSON, JSONLD, link_header, negotiate
from dosi.api.params import page_params
from dosi.api.requests import link_context, read_body, tenant_of
from dosi.api.responses import json_response, no_content
from dosi.api.services import services
from dosi.core.ids import check_entity_id
from dosi.core.subscriptions.model import render

COUNT_HEADER = "NGSILD-Results-Count"


async def create_subscription(request: Request) -> Response:
    svc = services(request)
    body = await read_body(request, svc.settings)
    sub_id = await svc.subscriptions.create(tenant_of(request), body.data, body.context)
    headers = tenant_headers(request)
    headers["Location"] = f"/ngsi-ld/v1/subscriptions/{sub_id}"
    return Response(status_code=201, headers=headers)


async def list_subscriptions(request: Request) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), (JSON, JSONLD))
    limit, offset, count = page_params(request.query_params, svc.settings)
    subs, total = await svc.subscriptions.page(tenant_of(request), limit, offset)
    headers = tenant_headers(request)
    if count:
        headers[COUNT_HEADER] = str(total)
    if media == JSONLD:
        for sub in subs:
            sub["@context"] = (
                svc.subscriptions.get(tenant_of(request), sub["id"]).get("context")
                or svc.resolver.core().url
            )
    return json_response(subs, media_type=media, headers=headers)


async def get_subscription(request: Request) -> Response:
    svc = services(request)
    media = negotiate(request.headers.get("accept"), (JSON, JSONLD))
    sub_id = check_entity_id(request.path_params["sub_id"])
    doc = svc.subscriptions.get(tenant_of(request), sub_id)
    body = render(doc, with_context=media == JSONLD)
    headers = tenant_headers(request)
    if media == JSONLD:
        body["@context"] = body.get("@context") or svc.resolver.core().url
    else:
        headers["Link"] = link_header(svc.subscriptions.context_of(tenant_of(request), sub_id).url)
    return json_response(body, media_type=media, headers=headers)


async def update_subscription(request: Request) -> Response:
    svc = services(request)
    sub_id = check_entity_id(request.path_params["sub_id"])
    body = await read_body(request, svc.settings, merge_patch=True)
    context = body.context if body.context is not None else link_context(request)
    await svc.subscriptions.update(tenant_of(request), sub_id, body.data, context)
    return no_content(tenant_headers(request))


async def delete_subscription(request: Request) -> Response:
    svc = services(request)
    sub_id = check_entity_id(request.path_params["sub_id"])
    await svc.subscriptions.delete(tenant_of(request), sub_id)
    return no_content(tenant_headers(request))


routes = [
    Route("/subscriptions", create_subscription, methods=["POST"]),
    Route("/subscriptions", list_subscriptions, methods=["GET"]),
    Route("/subscriptions/{sub_id:path}", get_subscription, methods=["GET"]),
    Route("/subscriptions/{sub_id:path}", update_subscription, methods=["PATCH"]),
    Route("/subscriptions/{sub_id:path}", delete_subscription, methods=["DELETE"]),
]
