"""HTTP under /apps/kpi: the indicator definitions and reports in JSON, CSV or HTML."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dosi.apps.kpi.build import make_report
from dosi.apps.kpi.definitions import INDICATORS, LANGUAGES
from dosi.apps.kpi.export import FORMATS, MEDIA_TYPES, render
from dosi.apps.kpi.settings import KpiSettings
from dosi.errors import BadRequestData
from dosi.platform import Platform


def routes(platform: Platform, settings: KpiSettings) -> list[BaseRoute]:
    async def indicators(request: Request) -> Response:
        """GET /apps/kpi/indicators: what each indicator means and how it is computed."""
        return JSONResponse([i.describe() for i in INDICATORS])

    async def report(request: Request) -> Response:
        """GET /apps/kpi/report?period=P30D&format=json|csv|html&lang=ko|zh|en"""
        params = request.query_params
        fmt = params.get("format", "json")
        lang = params.get("lang", "en")
        if fmt not in FORMATS:
            raise BadRequestData(f"format must be one of {', '.join(FORMATS)}")
        if lang not in LANGUAGES:
            raise BadRequestData(f"lang must be one of {', '.join(LANGUAGES)}")
        tenant = request.headers.get("NGSILD-Tenant", "").strip()
        made = await make_report(platform, settings, params.get("period"), tenant=tenant)
        headers = {}
        if fmt == "csv":
            headers["Content-Disposition"] = 'attachment; filename="dosi-indicators.csv"'
        return Response(render(made, fmt, lang), media_type=MEDIA_TYPES[fmt], headers=headers)

    return [
        Route("/indicators", indicators, methods=["GET"]),
        Route("/report", report, methods=["GET"]),
    ]
