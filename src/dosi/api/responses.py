"""JSON responses serialized with orjson, with @context placed as the client asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from dosi.api.media import GEOJSON, JSON, JSONLD, link_header
from dosi.core.jsonld import ActiveContext


def json_response(
    body: Any,
    *,
    status: int = 200,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def ngsi_response(
    body: Any,
    ctx: ActiveContext,
    media: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Entity-shaped output: ``@context`` in the body for JSON-LD, a Link header otherwise."""
    headers = dict(headers or {})
    if media == JSONLD:
        context = ctx.source if ctx.source is not None else ctx.url
        if isinstance(body, list):
            body = [_with_context(item, context) for item in body]
        elif isinstance(body, dict):
            body = _with_context(body, context)
    else:
        headers["Link"] = link_header(ctx.url)
    return json_response(body, status=status, media_type=media, headers=headers)


def _with_context(item: Any, context: Any) -> Any:
    if not isinstance(item, dict):
        return item
    if item.get("type") == "FeatureCollection" or item.get("type") == "Feature":
        return item
    return {**item, "@context": context}


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=204, headers=headers)


__all__ = ["GEOJSON", "JSON", "JSONLD", "json_response", "ngsi_response", "no_content"]
