"""Waste collection: predict when each bin fills up and plan the trucks' rounds.

Reads every WasteContainer's fill-level history through the platform, fits a robust fill
rate per bin, selects the bins due before the next round and routes the trucks with
OR-Tools (capacity, shift windows, road distances). Routes are written back as
``CollectionRoute`` entities and served under ``/apps/waste`` as JSON, GeoJSON and a
printable sheet.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from dosi.apps.waste.api import routes
from dosi.apps.waste.const import SERVICE
from dosi.apps.waste.service import Planner, PlanRequest
from dosi.apps.waste.settings import WasteSettings
from dosi.platform import Platform

logger = logging.getLogger(__name__)

__all__ = ["PlanRequest", "Planner", "WasteSettings", "setup"]


async def setup(platform: Platform) -> None:
    settings = platform.settings(WasteSettings)
    planner = Planner(platform, settings)
    platform.provide(SERVICE, planner)
    platform.expose(routes(planner))
    if settings.plan_every_hours:

        async def replan() -> None:
            await planner.plan(PlanRequest())

        platform.every(timedelta(hours=settings.plan_every_hours), replan)
