"""HTTP routes of /jsonldContexts (@context management, §6.30-§6.31 of v1.8)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.media import JSON, JSONLD
from dosi.api.requests import read_json
from dosi.api.responses import json_response, no_content
from dosi.api.services import services
from dosi.errors import BadRequestData


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name)
    if value not in (None, "true", "false"):
        raise BadRequestData(f"{name} must be true or false")
    return value == "true"


async def add_context(request: Request) -> Response:
    svc = services(request)
    body = await read_json(request, svc.settings, (JSON, JSONLD))
    url = await svc.contexts.add(body)
    return Response(status_code=201, headers={"Location": url})


async def list_contexts(request: Request) -> Response:
    svc = services(request)
    kind = request.query_params.get("kind")
    found = await svc.contexts.list(details=_flag(request, "details"), kind=kind)
    return json_response(found)


async def get_context(request: Request) -> Response:
    svc = services(request)
    body = await svc.contexts.get(
        request.path_params["context_id"], details=_flag(request, "details")
    )
    media = "application/json" if _flag(request, "details") else "application/ld+json"
    return json_response(body, media_type=media)


async def delete_context(request: Request) -> Response:
    svc = services(request)
    await svc.contexts.delete(request.path_params["context_id"], reload=_flag(request, "reload"))
    return no_content()


routes = [
    Route("/jsonldContexts", add_context, methods=["POST"]),
    Route("/jsonldContexts", list_contexts, methods=["GET"]),
    Route("/jsonldContexts/{context_id:path}", get_context, methods=["GET"]),
    Route("/jsonldContexts/{context_id:path}", delete_context, methods=["DELETE"]),
]
