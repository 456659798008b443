"""HTTP routes of /types and /attributes (§6.25-§6.28)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.entities import read_context, tenant_headers
from dosi.api.media import JSON, JSONLD, negotiate
from dosi.api.requests import tenant_of
from dosi.api.responses import ngsi_response
from dosi.api.services import services
from dosi.core.discovery import DiscoveryService
from dosi.core.jsonld import ActiveContext

Answer = Callable[[DiscoveryService, str, ActiveContext, Request], Awaitable[Any]]


def _endpoint(answer: Answer) -> Callable[[Request], Awaitable[Response]]:
    """A discovery endpoint: negotiate, resolve the context, check the tenant, answer."""

    async def endpoint(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), (JSON, JSONLD))
        ctx = await read_context(request)
        svc = services(request)
        tenant = tenant_of(request)
        await svc.entities.check_tenant(tenant)
        body = await answer(DiscoveryService(svc.store), tenant, ctx, request)
        return ngsi_response(body, ctx, media, headers=tenant_headers(request))

    return endpoint


def _details(request: Request) -> bool:
    return request.query_params.get("details") == "true"


routes = [
    Route(
        "/types",
        _endpoint(lambda d, t, c, r: d.types(t, c, details=_details(r))),
        methods=["GET"],
    ),
    Route(
        "/types/{type:path}",
        _endpoint(lambda d, t, c, r: d.type_info(t, c, r.path_params["type"])),
        methods=["GET"],
    ),
    Route(
        "/attributes",
        _endpoint(lambda d, t, c, r: d.attributes(t, c, details=_details(r))),
        methods=["GET"],
    ),
    Route(
        "/attributes/{attr:path}",
        _endpoint(lambda d, t, c, r: d.attribute_info(t, c, r.path_params["attr"])),
        methods=["GET"],
    ),
]
