"""Active time windows: is a rule allowed to fire at this moment, in its own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dosi.ops.rules.model import DAYS, Schedule, TimeWindow


def _inside(window: TimeWindow, local: datetime) -> bool:
    day = DAYS[local.weekday()]
    moment = local.time().replace(tzinfo=None)
    if window.start < window.end:
        return day in window.days and window.start <= moment < window.end
    if window.start == window.end:  # the whole day
        return day in window.days
    # crosses midnight: the evening of a listed day, or the morning after one
    yesterday = DAYS[(local - timedelta(days=1)).weekday()]
    return (day in window.days and moment >= window.start) or (
        yesterday in window.days and moment < window.end
    )


def is_active(schedule: Schedule | None, zone: ZoneInfo | None, now: float) -> bool:
    """True when ``now`` (epoch seconds) falls in one of the schedule's windows; a rule
    without a schedule is always active."""
    if schedule is None:
        return True
    local = datetime.fromtimestamp(now, zone or ZoneInfo(schedule.timezone))
    return any(_inside(window, local) for window in schedule.windows)
