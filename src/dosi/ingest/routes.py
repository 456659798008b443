"""HTTP routes of the device agent, mounted at ``/iot``: provisioning (service groups and
their API keys, devices), the HTTP northbound (``/iot/json``, ``/iot/d``), dead letters and
counters.

Tenancy is the ``NGSILD-Tenant`` header, as for the NGSI-LD API. Bad bodies answer with
ProblemDetails; refused device messages answer with the error of their reason (and are
dead-lettered like MQTT messages).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi import __version__
from dosi.api.media import JSON
from dosi.api.requests import read_json, read_limited, tenant_of
from dosi.api.responses import json_response, no_content
from dosi.errors import BadRequestData, InvalidRequest, ResourceNotFound
from dosi.ingest.agent import IngestAgent
from dosi.ingest.apikeys import KeyRequest
from dosi.ingest.const import MAX_PAYLOAD
from dosi.ingest.errors import AgentUnavailable, Refused
from dosi.ingest.model import DeviceIn, ServiceGroupIn
from dosi.ingest.openapi import openapi_document
from dosi.ingest.registry import parse_device, parse_group, parse_model
from dosi.ingest.timestamps import parse_timestamp
from dosi.ingest.topics import Protocol

PREFIX: Final = "/iot"
DEFAULT_PAGE: Final = 100
MAX_PAGE: Final = 1_000


def agent_of(request: Request) -> IngestAgent:
    agent: IngestAgent | None = getattr(request.app.state, "ingest", None)
    if agent is None or not agent.accepting:
        raise AgentUnavailable("the device agent is not running")
    return agent


def _page(request: Request) -> tuple[int, str | None]:
    raw = request.query_params.get("limit")
    try:
        limit = DEFAULT_PAGE if raw is None else int(raw)
    except ValueError:
        raise BadRequestData(f"limit must be an integer, not {raw!r}") from None
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequestData(f"limit must be between 1 and {MAX_PAGE}")
    return limit, request.query_params.get("after") or None


def _next_link(
    request: Request, items: list[dict[str, Any]], key: str, limit: int
) -> dict[str, str]:
    if len(items) < limit:
        return {}
    params = {k: v for k, v in request.query_params.items() if k != "after"}
    params["after"] = str(items[-1][key])
    return {"Link": f'<{request.url.path}?{urlencode(params)}>; rel="next"'}


async def _body(request: Request, agent: IngestAgent) -> Any:
    return await read_json(request, agent.settings, (JSON,))


def _created(ids: list[str], collection: str) -> Response:
    headers = {"Location": f"{PREFIX}/{collection}/{ids[0]}"} if len(ids) == 1 else None
    return json_response({"ids": ids}, status=201, headers=headers)


# -- service groups ------------------------------------------------------------------------
async def create_groups(request: Request) -> Response:
    agent = agent_of(request)
    body = await _body(request, agent)
    items = body["services"] if isinstance(body, dict) and "services" in body else [body]
    if not isinstance(items, list) or not items or len(items) > 1_000:
        raise BadRequestData("services must be a list of 1 to 1000 service groups")
    groups = [parse_group(item) for item in items]
    ids = await agent.registry.add_groups(tenant_of(request), groups)
    return _created(ids, "services")


async def list_groups(request: Request) -> Response:
    agent = agent_of(request)
    tenant = tenant_of(request)
    apikey = request.query_params.get("apikey")
    if apikey is not None:
        found = agent.registry.find_group(tenant, apikey)
        groups = [found] if found is not None else []
    else:
        groups = agent.registry.groups(tenant)
    return json_response({"count": len(groups), "services": groups})


async def get_group(request: Request) -> Response:
    agent = agent_of(request)
    return json_response(agent.registry.group(tenant_of(request), request.path_params["id"]))


async def replace_group(request: Request) -> Response:
    agent = agent_of(request)
    group: ServiceGroupIn = parse_group(await _body(request, agent))
    await agent.registry.replace_group(tenant_of(request), request.path_params["id"], group)
    return no_content()


async def delete_group(request: Request) -> Response:
    agent = agent_of(request)
    await agent.registry.delete_group(tenant_of(request), request.path_params["id"])
    return no_content()


async def list_keys(request: Request) -> Response:
    agent = agent_of(request)
    keys = agent.registry.keys(tenant_of(request), request.path_params["id"])
    return json_response({"count": len(keys), "keys": keys})


async def issue_key(request: Request) -> Response:
    """A new API key (the raw key is returned this once); ``grace`` makes it a rotation."""
    agent = agent_of(request)
    body = await _body(request, agent) if "content-type" in request.headers else {}
    key_request = parse_model(KeyRequest, body, "key request")
    group_id = request.path_params["id"]
    issued = await agent.registry.issue_key(tenant_of(request), group_id, key_request)
    location = f"{PREFIX}/services/{group_id}/keys/{issued['id']}"
    return json_response(issued, status=201, headers={"Location": location})


async def revoke_key(request: Request) -> Response:
    agent = agent_of(request)
    params = request.path_params
    await agent.registry.revoke_key(tenant_of(request), params["id"], params["key"])
    return no_content()


# -- devices -------------------------------------------------------------------------------
async def create_devices(request: Request) -> Response:
    agent = agent_of(request)
    body = await _body(request, agent)
    items = body["devices"] if isinstance(body, dict) and "devices" in body else [body]
    if not isinstance(items, list) or not items or len(items) > 10_000:
        raise BadRequestData("devices must be a list of 1 to 10000 devices")
    devices = [parse_device(item) for item in items]
    upsert = request.query_params.get("upsert", "false")
    if upsert not in ("true", "false"):
        raise BadRequestData("upsert must be true or false")
    ids = await agent.registry.add_devices(tenant_of(request), devices, upsert=upsert == "true")
    return _created(ids, "devices")


async def list_devices(request: Request) -> Response:
    agent = agent_of(request)
    limit, after = _page(request)
    devices = await agent.registry.devices(tenant_of(request), limit=limit, after=after)
    headers = _next_link(request, devices, "device_id", limit)
    return json_response({"count": len(devices), "devices": devices}, headers=headers)


async def get_device(request: Request) -> Response:
    agent = agent_of(request)
    return json_response(await agent.registry.device(tenant_of(request), request.path_params["id"]))


async def replace_device(request: Request) -> Response:
    agent = agent_of(request)
    device: DeviceIn = parse_device(await _body(request, agent))
    await agent.registry.replace_device(tenant_of(request), request.path_params["id"], device)
    return no_content()


async def delete_device(request: Request) -> Response:
    agent = agent_of(request)
    await agent.registry.delete_device(tenant_of(request), request.path_params["id"])
    return no_content()


# -- northbound HTTP -----------------------------------------------------------------------
async def _raw(request: Request) -> bytes:
    return await read_limited(
        request, MAX_PAYLOAD, too_large=f"a device payload may have at most {MAX_PAYLOAD} bytes"
    )


async def _measure(request: Request, protocol: Protocol, payload: bytes) -> Response:
    agent = agent_of(request)
    apikey = request.query_params.get("k")
    device_id = request.query_params.get("i")
    if not apikey or not device_id:
        raise InvalidRequest("the query parameters k (API key) and i (device id) are required")
    raw_time = request.query_params.get("t")
    try:
        timestamp = parse_timestamp(raw_time) if raw_time else None
    except Refused as exc:
        raise BadRequestData(f"t: {exc.detail}") from None
    try:
        await agent.receive(
            apikey,
            device_id,
            payload,
            protocol=protocol,
            endpoint=f"{request.url.path}?i={device_id}",
            timestamp=timestamp,
        )
    except Refused as exc:
        raise exc.to_http() from None
    return Response(status_code=200)


async def json_measure(request: Request) -> Response:
    return await _measure(request, "JSON", await _raw(request))


async def ul_measure(request: Request) -> Response:
    if request.method == "GET":
        data = request.query_params.get("d")
        if data is None:
            raise InvalidRequest("GET /iot/d needs the UltraLight payload in the d parameter")
        return await _measure(request, "UL", data.encode())
    return await _measure(request, "UL", await _raw(request))


# -- dead letters and counters -------------------------------------------------------------
async def list_dead_letters(request: Request) -> Response:
    agent = agent_of(request)
    limit, after = _page(request)
    letters = await agent.dead_letters.list(
        tenant_of(request),
        limit=limit,
        after=after,
        reason=request.query_params.get("reason"),
        device_id=request.query_params.get("device_id"),
    )
    headers = _next_link(request, letters, "id", limit)
    return json_response({"count": len(letters), "deadLetters": letters}, headers=headers)


async def get_dead_letter(request: Request) -> Response:
    agent = agent_of(request)
    letter = await agent.dead_letters.get(tenant_of(request), request.path_params["id"])
    if letter is None:
        raise ResourceNotFound(f"dead letter {request.path_params['id']!r} not found")
    return json_response(letter)


async def purge_dead_letters(request: Request) -> Response:
    agent = agent_of(request)
    removed = await agent.dead_letters.purge(tenant_of(request))
    return json_response({"deleted": removed})


async def stats(request: Request) -> Response:
    return json_response(agent_of(request).stats_json())


async def about(request: Request) -> Response:
    agent: IngestAgent | None = getattr(request.app.state, "ingest", None)
    running = agent is not None and agent.accepting
    body = {"version": __version__, "running": running}
    if agent is not None:
        body["mqtt"] = agent.stats_json()["mqtt"]
    return json_response(body)


async def openapi(request: Request) -> Response:
    return Response(orjson.dumps(openapi_document()), media_type=JSON)


routes = [
    Route("/about", about, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/services", create_groups, methods=["POST"]),
    Route("/services", list_groups, methods=["GET"]),
    Route("/services/{id}", get_group, methods=["GET"]),
    Route("/services/{id}", replace_group, methods=["PUT"]),
    Route("/services/{id}", delete_group, methods=["DELETE"]),
    Route("/services/{id}/keys", list_keys, methods=["GET"]),
    Route("/services/{id}/keys", issue_key, methods=["POST"]),
    Route("/services/{id}/keys/{key}", revoke_key, methods=["DELETE"]),
    Route("/devices", create_devices, methods=["POST"]),
    Route("/devices", list_devices, methods=["GET"]),
    Route("/devices/{id}", get_device, methods=["GET"]),
    Route("/devices/{id}", replace_device, methods=["PUT"]),
    Route("/devices/{id}", delete_device, methods=["DELETE"]),
    Route("/json", json_measure, methods=["POST"]),
    Route("/d", ul_measure, methods=["GET", "POST"]),
    Route("/deadletters", list_dead_letters, methods=["GET"]),
    Route("/deadletters", purge_dead_letters, methods=["DELETE"]),
    Route("/deadletters/{id}", get_dead_letter, methods=["GET"]),
    Route("/stats", stats, methods=["GET"]),
]

__all__ = ["PREFIX", "routes"]
