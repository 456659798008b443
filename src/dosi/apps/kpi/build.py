"""Make a report for a period: read through the Platform, compute in the process pool."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dosi.apps.kpi.dataset import gather
from dosi.apps.kpi.period import parse_period
from dosi.apps.kpi.report import Report, compute
from dosi.apps.kpi.settings import KpiSettings
from dosi.platform import Platform


async def make_report(
    platform: Platform,
    settings: KpiSettings,
    period: str | None = None,
    *,
    tenant: str = "",
    now: datetime | None = None,
) -> Report:
    moment = datetime.now(UTC).replace(microsecond=0) if now is None else now
    start, end = parse_period(
        period or settings.period, now=moment, zone=ZoneInfo(settings.timezone)
    )
    data = await gather(platform, start, end, lookback=settings.flood_lookback, tenant=tenant)
    return await platform.run_cpu(compute, data, settings, moment)
