"""HTTP routes under ``/apps/waste``: plan a round, read the latest plan in three forms."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dosi.apps.waste.output import geojson
from dosi.apps.waste.service import Planner, PlanRequest
from dosi.apps.waste.sheet import render_sheet
from dosi.errors import BadRequestData, ResourceNotFound


def _tenant(request: Request) -> str:
    return request.headers.get("NGSILD-Tenant", "").strip()


def routes(planner: Planner) -> list[BaseRoute]:
    """The app's routes, bound to its planner."""

    def latest(request: Request) -> dict[str, Any]:
        found = planner.latest.get(_tenant(request))
        if found is None:
            raise ResourceNotFound("no collection plan yet: POST /apps/waste/plan")
        return found

    async def plan(request: Request) -> Response:
        raw: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        if body:
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise BadRequestData("the body must be JSON") from None
            if not isinstance(parsed, dict):
                raise BadRequestData("the body must be a JSON object")
            raw.update(parsed)
        document = await planner.plan(PlanRequest.parse(raw), tenant=_tenant(request))
        return JSONResponse(document, status_code=201)

    async def get_latest(request: Request) -> Response:
        return JSONResponse(latest(request))

    async def get_geojson(request: Request) -> Response:
        return JSONResponse(geojson(latest(request)), media_type="application/geo+json")

    async def get_sheet(request: Request) -> Response:
        lang = request.query_params.get("lang", "en")
        offset = planner.facts.calendar.utc_offset
        return HTMLResponse(render_sheet(latest(request), lang, offset))

    return [
        Route("/plan", plan, methods=["POST"]),
        Route("/plan/latest", get_latest, methods=["GET"]),
        Route("/plan/latest/routes.geojson", get_geojson, methods=["GET"]),
        Route("/plan/latest/sheet.html", get_sheet, methods=["GET"]),
    ]


__all__ = ["routes"]
