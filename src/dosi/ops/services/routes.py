"""The linked services as the operations centre sees them, mounted at ``/ops/services``:
the configured adapters (never their secrets) and the delivery receipts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.requests import tenant_of
from dosi.api.responses import json_response
from dosi.errors import InternalError, ResourceNotFound
from dosi.ops.services.linked import LinkedServices


def linked_of(request: Request) -> LinkedServices:
    incidents = getattr(request.app.state, "incidents", None)
    if incidents is None:
        raise InternalError("the incident service is not running")
    found: LinkedServices = incidents.linked
    return found


async def overview(request: Request) -> Response:
    """``/ops/services`` itself: adapters and the newest receipts."""
    linked = linked_of(request)
    receipts = await linked.receipts(tenant_of(request))
    return json_response({"adapters": linked.describe(), "receipts": receipts})


async def adapter(request: Request) -> Response:
    linked = linked_of(request)
    name = request.path_params["name"]
    found = [a for a in linked.describe() if a["name"] == name]
    if not found:
        raise ResourceNotFound(f"no linked service {name!r}")
    receipts = [r for r in await linked.receipts(tenant_of(request)) if r["service"] == name]
    return json_response({**found[0], "receipts": receipts})


async def receipts(request: Request) -> Response:
    return json_response(await linked_of(request).receipts(tenant_of(request)))


routes = [
    Route("/receipts", receipts, methods=["GET"]),
    Route("/{name}", adapter, methods=["GET"]),
]
