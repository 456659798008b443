"""Reading NGSI-LD requests: tenant, body media type, JSON limits and the @context (§6.3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from dosi.api.media import JSON, JSONLD, MERGE_PATCH, context_links, media_type
from dosi.core._validate import nested_deeper_than
from dosi.errors import BadRequestData, InvalidRequest, UnsupportedMediaType
from dosi.settings import Settings

TENANT_HEADER = "NGSILD-Tenant"


@dataclass(frozen=True)
class Body:
    """A parsed request body and the @context that came with it (header or body)."""

    data: Any
    context: Any | None
    media: str


def tenant_of(request: Request) -> str:
    """The tenant named by ``NGSILD-Tenant`` ('' is the default tenant)."""
    return request.headers.get(TENANT_HEADER, "").strip()


def link_context(request: Request) -> Any | None:
    """The @context given in Link headers: None, one URL, or a list of URLs."""
    urls = context_links(",".join(request.headers.getlist("link")))
    if not urls:
        return None
    return urls[0] if len(urls) == 1 else urls


async def read_json(request: Request, settings: Settings, allowed: tuple[str, ...]) -> Any:
    """Check Content-Type, size and JSON depth; return the parsed body."""
    media = media_type(request.headers.get("content-type"))
    if media not in allowed:
        raise UnsupportedMediaType(
            f"Content-Type must be one of {', '.join(allowed)}, not {media or 'missing'}"
        )
    raw = await read_limited(request, settings.max_body_bytes)
    if not raw.strip():
        raise InvalidRequest("the request body is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the request body is not valid JSON: {exc}") from None
    check_depth(data, settings.max_json_depth)
    return data


async def read_body(request: Request, settings: Settings, *, merge_patch: bool = False) -> Body:
    """Read an NGSI-LD body and find its @context: the body for JSON-LD, else Link."""
    allowed = (JSON, JSONLD, MERGE_PATCH) if merge_patch else (JSON, JSONLD)
    data = await read_json(request, settings, allowed)
    media = media_type(request.headers.get("content-type"))
    header_context = link_context(request)
    if media == JSONLD:
        if header_context is not None:
            raise BadRequestData(
                "with Content-Type application/ld+json the @context must be in the body, "
                "not in a Link header"
            )
        context = _body_context(data, required=True)
    else:
        if _has_body_context(data):
            raise BadRequestData(
                "with Content-Type application/json the @context must be given in a Link "
                "header, not in the body; use application/ld+json for a body @context"
            )
        context = header_context
    return Body(data, context, media)


def check_depth(data: Any, limit: int) -> None:
    """Refuse JSON nested deeper than ``limit`` (a cheap guard against hostile bodies)."""
    if nested_deeper_than(data, limit):
        raise BadRequestData(f"JSON nesting deeper than {limit} levels is not accepted")


async def read_limited(request: Request, limit: int, *, too_large: str | None = None) -> bytes:
    """The request body, refused with BadRequestData (``too_large``) as soon as it is
    declared or streamed beyond ``limit`` bytes: an oversized body is never buffered."""
    message = too_large or f"the request body exceeds {limit} bytes"
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequestData(message)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequestData(message)
        chunks.append(chunk)
    return b"".join(chunks)


def _has_body_context(data: Any) -> bool:
    if isinstance(data, dict):
        return "@context" in data
    if isinstance(data, list):
        return any(isinstance(item, dict) and "@context" in item for item in data)
    return False


def _body_context(data: Any, *, required: bool) -> Any | None:
    """The body @context; for arrays (batch bodies) the first item's (each is checked)."""
    if isinstance(data, dict):
        if "@context" not in data:
            if required:
                raise BadRequestData(
                    "with Content-Type application/ld+json the body must contain @context"
                )
            return None
        return data["@context"]
    if isinstance(data, list):
        contexts = [item.get("@context") for item in data if isinstance(item, dict)]
        if required and (len(contexts) != len(data) or any(c is None for c in contexts)):
            raise BadRequestData(
                "with Content-Type application/ld+json every entity must contain @context"
            )
        return contexts[0] if contexts else None
    return None
