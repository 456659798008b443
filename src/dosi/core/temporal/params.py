"""Temporal query parameters (§6.18.3): timerel, timeAt, endTimeAt, timeproperty, lastN,
aggrMethods and ISO 8601 aggregation periods."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from dosi.errors import BadRequestData

AGGREGATIONS: Final = ("totalCount", "distinctCount", "sum", "avg", "min", "max", "stddev", "sumsq")
TIME_PROPERTIES: Final = {"observedAt": "time", "createdAt": "created", "modifiedAt": "modified"}
_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
#: Seconds per duration unit; a year is 365 days and a month 30 days (calendar-free).
UNITS: Final = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: str) -> float:
    """Seconds in an ISO 8601 duration such as PT1H or P1DT12H (P0D is zero)."""
    match = _DURATION.match(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise BadRequestData(f"{text!r} is not an ISO 8601 duration")
    return sum(float(v) * unit for v, unit in zip(match.groups(), UNITS, strict=True) if v)


def parse_time(text: str, name: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequestData(f"{name} must be an ISO 8601 DateTime, not {text!r}") from None
    if moment.tzinfo is None:
        raise BadRequestData(f"{name} must carry a time zone (e.g. Z)")
    return moment.timestamp()


@dataclass(frozen=True)
class TemporalParams:
    time_column: str = "time"
    start: float | None = None
    end: float | None = None
    last_n: int | None = None
    aggr_methods: tuple[str, ...] = ()
    period: float = 0.0
    #: "normalized" | "temporalValues" | "aggregatedValues"
    representation: str = "normalized"


def temporal_params(params: Mapping[str, str], options: set[str]) -> TemporalParams:
    timerel = params.get("timerel")
    start = end = None
    if timerel is not None:
        if "timeAt" not in params:
            raise BadRequestData("timerel needs timeAt")
        at = parse_time(params["timeAt"], "timeAt")
        if timerel == "before":
            end = at
        elif timerel == "after":
            start = at
        elif timerel == "between":
            if "endTimeAt" not in params:
                raise BadRequestData("timerel=between needs endTimeAt")
            start, end = at, parse_time(params["endTimeAt"], "endTimeAt")
            if end <= start:
                raise BadRequestData("endTimeAt must be after timeAt")
        else:
            raise BadRequestData("timerel must be before, after or between")
    elif "timeAt" in params or "endTimeAt" in params:
        raise BadRequestData("timeAt needs timerel")
    prop = params.get("timeproperty", "observedAt")
    if prop not in TIME_PROPERTIES:
        raise BadRequestData("timeproperty must be observedAt, createdAt or modifiedAt")
    last_n = None
    if "lastN" in params:
        try:
            last_n = int(params["lastN"])
        except ValueError:
            raise BadRequestData("lastN must be a positive integer") from None
        if last_n < 1:
            raise BadRequestData("lastN must be a positive integer")
    fmt = params.get("format")
    representation = "normalized"
    if "temporalValues" in options or fmt == "temporalValues":
        representation = "temporalValues"
    if "aggregatedValues" in options or fmt == "aggregatedValues":
        representation = "aggregatedValues"
    methods: tuple[str, ...] = ()
    period = 0.0
    if representation == "aggregatedValues":
        raw = params.get("aggrMethods")
        if not raw:
            raise BadRequestData("aggregatedValues needs aggrMethods")
        methods = tuple(m.strip() for m in raw.split(",") if m.strip())
        unknown = [m for m in methods if m not in AGGREGATIONS]
        if unknown:
            raise BadRequestData(f"unknown aggrMethods: {', '.join(unknown)}")
        period = parse_duration(params.get("aggrPeriodDuration", "P0D"))
    return TemporalParams(
        time_column=TIME_PROPERTIES[prop],
        start=start,
        end=end,
        last_n=last_n,
        aggr_methods=methods,
        period=period,
        representation=representation,
    )
