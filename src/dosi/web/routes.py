"""The control room's HTTP routes: the page at ``/``, its assets and translations, its
configuration, the generated basemap, the incident procedures and the live change stream."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dosi import __version__
from dosi.api.requests import TENANT_HEADER
from dosi.api.services import services
from dosi.demo.sample_city import SEJONG
from dosi.web.basemap import basemap
from dosi.web.catalogue import THRESHOLDS, incident_config, layer_config
from dosi.web.events import LayerContexts, Streams, change_stream
from dosi.web.headers import WithHeaders, ui_headers
from dosi.web.settings import web_settings

HERE: Final = Path(__file__).parent
STATIC: Final = HERE / "static"
TRANSLATIONS: Final = HERE / "translations"
LANGUAGES: Final = ("ko", "zh", "en")
API_PREFIX: Final = "/ngsi-ld/v1"
GEOJSON: Final = "application/geo+json"
#: Where the page finds the operations centre, the caller's permissions and the KPI app.
OPS_PREFIX: Final = "/ops"
AUTH_ME: Final = "/auth/me"
KPI_REPORT: Final = "/apps/kpi/report?format=json"


def _headers(request: Request) -> dict[str, str]:
    return ui_headers(web_settings(request.app))


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=_headers(request))


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on any page (JSON views too): answer, don't 404."""
    path = STATIC / "favicon.svg"
    return FileResponse(path, media_type="image/svg+xml", headers=_headers(request))


async def translations(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang not in LANGUAGES:
        return JSONResponse({"detail": f"no translation {lang!r}"}, 404, _headers(request))
    path = TRANSLATIONS / f"{lang}.json"
    return FileResponse(path, media_type="application/json", headers=_headers(request))


async def config(request: Request) -> Response:
    """What the page needs to know about this server (GET /ui/config.json)."""
    ws = web_settings(request.app)
    settings = services(request).settings
    tiles: dict[str, Any] | None = None
    if ws.tile_url:
        tiles = {"url": ws.tile_url, "kind": ws.tile_kind, "attribution": ws.tile_attribution}
    body = {
        "version": __version__,
        "api": API_PREFIX,
        "maxLimit": settings.max_limit,
        "languages": list(LANGUAGES),
        "layers": layer_config(),
        "thresholds": THRESHOLDS,
        "tiles": tiles,
        "basemap": "/ui/basemap.geojson",
        "events": "/ui/events",
        "center": [SEJONG.lon, SEJONG.lat],
        "incidents": incident_config(),
        "ops": OPS_PREFIX,
        "procedures": "/ui/procedures.json",
        "kpi": KPI_REPORT,
        # With authentication off every action is allowed; with it on the page asks
        # ``me`` for the caller's permissions.
        "auth": {"enabled": settings.auth_enabled, "me": AUTH_ME},
    }
    return JSONResponse(body, headers=_headers(request))


async def procedures(request: Request) -> Response:
    """The steps of each incident category's procedure, in ko/zh/en (GET
    /ui/procedures.json): incidents carry only the step ids in ``sopChecklist``."""
    from dosi.ops.incidents import sop  # the operations centre is optional for the page
    from dosi.ops.lifecycle import CATEGORIES

    body = {category: list(sop.procedure(category)) for category in CATEGORIES}
    return JSONResponse(body, headers=_headers(request))


async def basemap_geojson(request: Request) -> Response:
    """The generated basemap (GET /ui/basemap.geojson), built once per app."""
    state = request.app.state
    body: bytes | None = getattr(state, "web_basemap", None)
    if body is None:
        body = orjson.dumps(await asyncio.to_thread(basemap, SEJONG))
        state.web_basemap = body
    return Response(body, media_type=GEOJSON, headers=_headers(request))


async def events(request: Request) -> Response:
    """Live entity changes of a tenant as Server-Sent Events (GET /ui/events?tenant=)."""
    app = request.app
    ws = web_settings(app)
    streams: Streams | None = getattr(app.state, "web_streams", None)
    if streams is None:
        streams = app.state.web_streams = Streams(ws.max_streams)
    if streams.open >= streams.limit:
        return JSONResponse(
            {"detail": "too many live streams"}, 503, {**_headers(request), "Retry-After": "5"}
        )
    layers: LayerContexts | None = getattr(app.state, "web_layers", None)
    svc = services(request)
    if layers is None:
        layers = app.state.web_layers = await LayerContexts.resolve(svc.resolver)
    tenant = request.query_params.get("tenant", request.headers.get(TENANT_HEADER, "")).strip()
    streams.hook_exit_signals()
    body = change_stream(
        svc.feed, tenant, layers, streams, heartbeat=ws.heartbeat, buffer=ws.stream_buffer
    )
    headers = {**_headers(request), "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


routes: list[BaseRoute] = [
    Route("/", index, methods=["GET", "HEAD"]),
    Route("/index.html", index, methods=["GET", "HEAD"]),
    Route("/favicon.ico", favicon, methods=["GET", "HEAD"]),
    Mount(
        "/ui/assets",
        routes=[
            Route("/i18n/{lang}.json", translations, methods=["GET", "HEAD"]),
            Mount("/", app=WithHeaders(StaticFiles(directory=STATIC))),
        ],
    ),
    Route("/ui/config.json", config, methods=["GET", "HEAD"]),
    Route("/ui/basemap.geojson", basemap_geojson, methods=["GET", "HEAD"]),
    Route("/ui/procedures.json", procedures, methods=["GET", "HEAD"]),
    Route("/ui/events", events, methods=["GET"]),
]
