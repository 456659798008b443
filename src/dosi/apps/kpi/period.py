"""Report periods: ``[start, end)`` from the ``period`` parameter.

Accepted forms: an ISO 8601 duration ending now (``P30D``, ``PT12H``); an interval
``start/end`` or ``start/duration``; a calendar year, month or day (``2026``, ``2026-11``,
``2026-11-24``) in the city's time zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from pydantic import TypeAdapter, ValidationError

from dosi.errors import BadRequestData

_DURATION = TypeAdapter(timedelta)
_CALENDAR = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def duration(text: str) -> timedelta:
    """An ISO 8601 duration (a month is 30 days, a year 365)."""
    if not text.startswith("P"):
        raise BadRequestData(f"{text!r} is not an ISO 8601 duration")
    try:
        value = _DURATION.validate_python(text)
    except ValidationError:
        raise BadRequestData(f"{text!r} is not an ISO 8601 duration") from None
    if value <= timedelta(0):
        raise BadRequestData("a report period must be longer than zero")
    return value


def _moment(text: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequestData(f"{text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _calendar(match: re.Match[str], zone: tzinfo) -> tuple[datetime, datetime]:
    year, month, day = match.groups()
    try:
        if day is not None:
            start = datetime(int(year), int(month), int(day), tzinfo=zone)
            return start, start + timedelta(days=1)
        if month is not None:
            start = datetime(int(year), int(month), 1, tzinfo=zone)
            following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            return start, following
        start = datetime(int(year), 1, 1, tzinfo=zone)
        return start, start.replace(year=start.year + 1)
    except ValueError:
        raise BadRequestData(f"{match.group(0)!r} is not a calendar date") from None


def parse_period(text: str, *, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The period ``text`` names, as aware datetimes ``(start, end)``."""
    text = text.strip()
    calendar = _CALENDAR.match(text)
    if calendar:
        return _calendar(calendar, zone)
    if "/" in text:
        first, second = text.split("/", 1)
        start = _moment(first, zone)
        end = start + duration(second) if second.startswith("P") else _moment(second, zone)
    else:
        end = now
        start = end - duration(text)
    if end <= start:
        raise BadRequestData("a report period must end after it starts")
    return start, end
