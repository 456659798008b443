"""``dosi kpi report``: a report straight from the store, without a running server.

It builds the same Platform the loader gives the app (the KPI manifest's @contexts, the
``kpi`` settings section), on a store the caller opened.
"""

from __future__ import annotations

from dosi.apps.kpi.build import make_report
from dosi.apps.kpi.export import FORMATS, render
from dosi.apps.kpi.settings import KpiSettings
from dosi.apps.loader import discover
from dosi.core.changes import ChangeFeed
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.errors import BadRequestData
from dosi.platform import AppPlatform
from dosi.settings import Settings
from dosi.store import Store


async def report_text(
    store: Store,
    settings: Settings,
    *,
    period: str | None = None,
    fmt: str = "json",
    lang: str = "en",
    tenant: str = "",
) -> str:
    if fmt not in FORMATS:
        raise BadRequestData(f"format must be one of {', '.join(FORMATS)}")
    manifest = discover()["kpi"]
    context = await ContextResolver(settings, store).resolve(list(manifest.context))
    platform = AppPlatform(
        manifest.domain,
        EntityService(store),
        ChangeFeed(),
        context,
        settings.app_settings.get(manifest.domain, {}),
    )
    report = await make_report(platform, platform.settings(KpiSettings), period, tenant=tenant)
    return render(report, fmt, lang)
