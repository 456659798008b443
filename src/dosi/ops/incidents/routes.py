"""HTTP API of the incident service, mounted at ``/ops/incidents``.

``collection`` serves ``/ops/incidents`` itself; ``routes`` go under the Mount.
Tenancy is the ``NGSILD-Tenant`` header, the actor is the authenticated principal
(``dosi.core.audit.ACTOR``), and errors are ProblemDetails: a refused lifecycle step is a
409 naming the allowed next states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.media import JSON
from dosi.api.requests import read_json, tenant_of
from dosi.api.responses import json_response
from dosi.errors import BadRequestData, InternalError
from dosi.ops.incidents import sop
from dosi.ops.incidents.alerts import CAP_MEDIA
from dosi.ops.incidents.service import IncidentService
from dosi.ops.lifecycle import State
from dosi.ops.signals import Signal

#: URL action → lifecycle state.
ACTIONS: Final = {
    "acknowledge": State.ACKNOWLEDGED,
    "dispatch": State.DISPATCHED,
    "resolve": State.RESOLVED,
    "close": State.CLOSED,
    "false-alarm": State.FALSE_ALARM,
}


def service_of(request: Request) -> IncidentService:
    found: IncidentService | None = getattr(request.app.state, "incidents", None)
    if found is None:
        raise InternalError("the incident service is not running")
    return found


async def _body(request: Request, *, optional: bool = False) -> Any:
    if optional and not (await request.body()).strip():
        return {}
    data = await read_json(request, request.app.state.services.settings, (JSON,))
    if not isinstance(data, dict):
        raise BadRequestData("the body must be a JSON object")
    return data


def _with_progress(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "sopProgress": sop.progress(view.get("sopChecklist") or [])}


async def list_incidents(request: Request) -> Response:
    params = request.query_params
    views = await service_of(request).find(
        tenant_of(request),
        state=params.get("state"),
        category=params.get("category"),
        severity=params.get("severity"),
    )
    return json_response([_with_progress(v) for v in views])


async def create_incident(request: Request) -> Response:
    view = await service_of(request).create(tenant_of(request), await _body(request))
    location = f"/ops/incidents/{view['id']}"
    return json_response(_with_progress(view), status=201, headers={"Location": location})


async def post_signal(request: Request) -> Response:
    """A signal from an external detector, in the ``dosi.ops.signals.Signal`` shape."""
    body = await _body(request)
    try:
        signal = Signal(
            source=str(body["source"]),
            key=str(body["key"]),
            category=str(body["category"]),
            severity=str(body["severity"]),
            title=dict(body["title"]),
            observed_at=datetime.fromisoformat(str(body["observedAt"])),
            tenant=tenant_of(request),
            entity_ids=tuple(body.get("entityIds") or ()),
            location=body.get("location"),
            area=body.get("area"),
            readings=dict(body.get("readings") or {}),
            clear=bool(body.get("clear", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequestData(f"not a signal: {exc!r}") from None
    incident_id = await service_of(request).receive(signal)
    return json_response({"incident": incident_id}, status=202)


async def get_incident(request: Request) -> Response:
    view = await service_of(request).get(tenant_of(request), request.path_params["id"])
    return json_response(_with_progress(view))


async def act(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise BadRequestData(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    body = await _body(request, optional=True)
    services = body.get("services")
    if services is not None and not (
        isinstance(services, list) and all(isinstance(s, str) for s in services)
    ):
        raise BadRequestData("services must be a list of linked-service names")
    view = await service_of(request).transition(
        tenant_of(request), request.path_params["id"], ACTIONS[action], services=services
    )
    return json_response(_with_progress(view))


async def assign(request: Request) -> Response:
    body = await _body(request)
    assignee = body.get("assignee")
    if not isinstance(assignee, str):
        raise BadRequestData("assignee must be a text")
    view = await service_of(request).assign(tenant_of(request), request.path_params["id"], assignee)
    return json_response(_with_progress(view))


async def add_comment(request: Request) -> Response:
    text = (await _body(request)).get("text")
    if not isinstance(text, str):
        raise BadRequestData("text must be a text")
    note = await service_of(request).comment(tenant_of(request), request.path_params["id"], text)
    return json_response(note, status=201)


async def list_comments(request: Request) -> Response:
    notes = await service_of(request).comments(tenant_of(request), request.path_params["id"])
    return json_response(notes)


async def check_step(request: Request) -> Response:
    done = (await _body(request)).get("done")
    if not isinstance(done, bool):
        raise BadRequestData("done must be true or false")
    result = await service_of(request).check_step(
        tenant_of(request), request.path_params["id"], request.path_params["item"], done
    )
    return json_response(result)


async def get_sop(request: Request) -> Response:
    view = await service_of(request).get(tenant_of(request), request.path_params["id"])
    items = view.get("sopChecklist") or []
    return json_response(
        {"steps": sop.steps(view["category"], items), "progress": sop.progress(items)}
    )


async def audit(request: Request) -> Response:
    entries = await service_of(request).audit(tenant_of(request), request.path_params["id"])
    return json_response(entries)


async def cap_preview(request: Request) -> Response:
    xml = await service_of(request).cap_preview(tenant_of(request), request.path_params["id"])
    return Response(xml, media_type=CAP_MEDIA)


async def collection(request: Request) -> Response:
    """``/ops/incidents`` itself (a Mount only serves paths below it)."""
    if request.method == "POST":
        return await create_incident(request)
    return await list_incidents(request)


routes = [
    Route("/signals", post_signal, methods=["POST"]),
    Route("/{id}", get_incident, methods=["GET"]),
    Route("/{id}/assign", assign, methods=["POST"]),
    Route("/{id}/comments", add_comment, methods=["POST"]),
    Route("/{id}/comments", list_comments, methods=["GET"]),
    Route("/{id}/sop", get_sop, methods=["GET"]),
    Route("/{id}/sop/{item}", check_step, methods=["PATCH"]),
    Route("/{id}/audit", audit, methods=["GET"]),
    Route("/{id}/cap", cap_preview, methods=["GET"]),
    Route("/{id}/{action}", act, methods=["POST"]),
]
