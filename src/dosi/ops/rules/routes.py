"""HTTP routes of the rules engine under ``/ops/rules`` (add ``*routes`` to the app).

Bodies are JSON or YAML (``Content-Type: application/yaml``); the tenant is the
``NGSILD-Tenant`` header. Every write makes a new version, listed under
``/{id}/versions``. Mistakes answer with ProblemDetails, never with a 500.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from dosi.api.media import MERGE_PATCH, media_type
from dosi.api.requests import read_limited, tenant_of
from dosi.api.responses import json_response, no_content
from dosi.errors import DOSI_ERRORS_BASE, BadRequestData, NgsiLdError
from dosi.ops.rules.const import PREFIX
from dosi.ops.rules.engine import RuleEngine
from dosi.ops.rules.parse import load_document, parse_rule

#: Rules are small; a larger body is a mistake or an attack.
MAX_BODY: Final = 256 * 1024


class RulesUnavailable(NgsiLdError):
    """The rules engine is not running (starting or shutting down) (503)."""

    type_uri = DOSI_ERRORS_BASE + "ServiceUnavailable"
    title_default = "Service unavailable"
    status = 503


def engine_of(request: Request) -> RuleEngine:
    engine: RuleEngine | None = getattr(request.app.state, "rules", None)
    if engine is None:
        raise RulesUnavailable("the rules engine is not running")
    return engine


async def _document(request: Request) -> Any:
    media = media_type(request.headers.get("content-type"))
    if media == MERGE_PATCH:
        media = "application/json"
    raw = await read_limited(
        request, MAX_BODY, too_large=f"a rule document may have at most {MAX_BODY} bytes"
    )
    if not raw.strip():
        raise BadRequestData("the request body is empty")
    return load_document(raw, media)


async def create_rule(request: Request) -> Response:
    engine = engine_of(request)
    rule, _ = parse_rule(await _document(request), tenant=tenant_of(request))
    stored = await engine.create(rule)
    headers = {"Location": f"{PREFIX}/{rule.id}"}
    return json_response(stored.to_api(), status=201, headers=headers)


async def list_rules(request: Request) -> Response:
    rules = await engine_of(request).repository.list(tenant_of(request))
    return json_response([stored.to_api() for stored in rules])


async def get_rule(request: Request) -> Response:
    engine = engine_of(request)
    stored = await engine.repository.get(tenant_of(request), request.path_params["id"])
    return json_response(stored.to_api())


async def replace_rule(request: Request) -> Response:
    engine = engine_of(request)
    rule_id = request.path_params["id"]
    data = await _document(request)
    if isinstance(data, dict) and data.setdefault("id", rule_id) != rule_id:
        raise BadRequestData(f"the body is rule {data['id']!r}, the URL names {rule_id!r}")
    rule, version = parse_rule(data, tenant=tenant_of(request))
    return json_response((await engine.replace(rule, version)).to_api())


async def patch_rule(request: Request) -> Response:
    engine = engine_of(request)
    changes = await _document(request)
    if not isinstance(changes, dict) or not changes:
        raise BadRequestData("a patch is a non-empty object of the fields to change")
    stored = await engine.patch(tenant_of(request), request.path_params["id"], changes)
    return json_response(stored.to_api())


async def delete_rule(request: Request) -> Response:
    await engine_of(request).delete(tenant_of(request), request.path_params["id"])
    return no_content()


async def rule_versions(request: Request) -> Response:
    engine = engine_of(request)
    versions = await engine.repository.versions(tenant_of(request), request.path_params["id"])
    return json_response([stored.to_api() for stored in versions])


async def rule_state(request: Request) -> Response:
    engine = engine_of(request)
    tenant, rule_id = tenant_of(request), request.path_params["id"]
    stored = await engine.repository.get(tenant, rule_id)
    return json_response(
        {"rule": rule_id, "version": stored.version, "states": engine.states(tenant, rule_id)}
    )


async def validate_rule(request: Request) -> Response:
    """Dry run: the normalized rule and the IRIs it would watch, or the problems."""
    engine = engine_of(request)
    rule, _ = parse_rule(await _document(request), tenant=tenant_of(request))
    type_iri, attr_iri = await engine.repository.expand(rule)
    return json_response(
        {
            "valid": True,
            "rule": rule.model_dump(mode="json", exclude_none=True),
            "expanded": {"type": type_iri, "attribute": attr_iri},
        }
    )


#: The collection itself is routed by full path: a Mount matches only what lies below it.
routes: list[BaseRoute] = [
    Route(PREFIX, list_rules, methods=["GET"]),
    Route(PREFIX, create_rule, methods=["POST"]),
    Mount(
        PREFIX,
        routes=[
            Route("/validate", validate_rule, methods=["POST"]),
            Route("/{id}", get_rule, methods=["GET"]),
            Route("/{id}", replace_rule, methods=["PUT"]),
            Route("/{id}", patch_rule, methods=["PATCH"]),
            Route("/{id}", delete_rule, methods=["DELETE"]),
            Route("/{id}/versions", rule_versions, methods=["GET"]),
            Route("/{id}/state", rule_state, methods=["GET"]),
        ],
    ),
]
