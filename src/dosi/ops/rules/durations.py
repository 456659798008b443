"""Durations in rules: "90s", "30m", "1h30m", "2d", ISO 8601 ("PT30M") or seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, Field, PlainSerializer

_NUMBER: Final = r"(\d+(?:\.\d+)?)"
_SHORT: Final = re.compile(rf"^(?:{_NUMBER}d)?(?:{_NUMBER}h)?(?:{_NUMBER}m)?(?:{_NUMBER}s)?$")
_PLAIN: Final = re.compile(rf"^{_NUMBER}$")
_SECONDS: Final = (86_400.0, 3_600.0, 60.0, 1.0)


def _shorthand(value: Any) -> Any:
    """Turn the "1h30m" shorthand into seconds; anything else is left to pydantic."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a text like 30m, 1h or PT1H")
    if isinstance(value, str):
        value = value.strip()
        if _PLAIN.match(value):
            return float(value)
        match = _SHORT.match(value)
        if match and any(match.groups()):
            return sum(
                float(n) * unit for n, unit in zip(match.groups(), _SECONDS, strict=True) if n
            )
    return value


#: A strictly positive duration of at most 366 days.
Duration = Annotated[
    timedelta,
    BeforeValidator(_shorthand),
    Field(gt=timedelta(0), le=timedelta(days=366)),
    PlainSerializer(lambda value: format_duration(value), return_type=str, when_used="json"),
]


def format_duration(value: timedelta) -> str:
    """The shorthand form, e.g. "1h30m" (used in titles and CLI output)."""
    total = value.total_seconds()
    if total != int(total):
        return f"{total:g}s"
    seconds = int(total)
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
