"""City indicators: ISO 37120 / ISO 37122 indicators the platform derives from its data.

Serves the definitions and reports under ``/apps/kpi`` and, every ``publish_every``,
writes the latest values as KeyPerformanceIndicator entities.
"""

from __future__ import annotations

import logging

from dosi.apps.kpi.build import make_report
from dosi.apps.kpi.definitions import INDICATORS, Indicator
from dosi.apps.kpi.export import render
from dosi.apps.kpi.publish import to_entities
from dosi.apps.kpi.report import Report, Result
from dosi.apps.kpi.routes import routes
from dosi.apps.kpi.settings import KpiSettings
from dosi.platform import Platform

__all__ = [
    "INDICATORS",
    "Indicator",
    "KpiSettings",
    "Report",
    "Result",
    "make_report",
    "render",
    "setup",
]

logger = logging.getLogger(__name__)


async def setup(platform: Platform) -> None:
    settings = platform.settings(KpiSettings)
    platform.expose(routes(platform, settings))
    if settings.publish_every is None:
        return

    async def publish() -> None:
        report = await make_report(platform, settings, settings.publish_period)
        entities = to_entities(report)
        if entities:
            await platform.entities.upsert(entities)
        logger.info("kpi: published %d indicators", len(entities))

    platform.every(settings.publish_every, publish)
