"""The public-alert feed, mounted at ``/ops/cap``: an Atom feed of the active alerts and
the CAP 1.2 XML of every message issued (active or not, so references resolve)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.requests import tenant_of
from dosi.core.clock import utc_now
from dosi.errors import ResourceNotFound
from dosi.ops.incidents.alerts import CAP_MEDIA
from dosi.ops.incidents.atom import ATOM_MEDIA, feed
from dosi.ops.incidents.routes import service_of


async def atom_feed(request: Request) -> Response:
    service = service_of(request)
    alerts = await service.alerts.active(tenant_of(request))
    base = f"{str(request.base_url).rstrip('/')}/ops/cap"
    xml = feed(alerts, base=base, city=service.settings.city, updated=utc_now())
    return Response(xml, media_type=ATOM_MEDIA)


async def cap_message(request: Request) -> Response:
    identifier = request.path_params["identifier"]
    doc = await service_of(request).alerts.get(tenant_of(request), identifier)
    if doc is None:
        raise ResourceNotFound(f"no CAP message {identifier}")
    return Response(str(doc["xml"]).encode("utf-8"), media_type=CAP_MEDIA)


routes = [
    Route("/feed.atom", atom_feed, methods=["GET"]),
    Route("/alerts/{identifier}.xml", cap_message, methods=["GET"]),
]
