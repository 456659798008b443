"""Device timestamps → NGSI-LD DateTimes (UTC, the one format dosi writes)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

from dosi.core.clock import format_datetime
from dosi.ingest.errors import MalformedPayload

MAX_LENGTH: Final = 40


def parse_timestamp(text: object) -> str:
    """An ISO 8601 date-time (``2016-06-13T00:35:30Z``; no offset means UTC) as an
    NGSI-LD DateTime; raises MalformedPayload otherwise."""
    if not isinstance(text, str) or "T" not in text or len(text) > MAX_LENGTH:
        raise MalformedPayload(f"{str(text)[:MAX_LENGTH]!r} is not an ISO 8601 date-time")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedPayload(f"{text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return format_datetime(moment)
    except (OverflowError, ValueError):
        raise MalformedPayload(f"{text!r} is out of the representable range") from None


def looks_like_timestamp(text: str) -> bool:
    """Cheap test used by the UltraLight decoder: a leading field that is a date-time."""
    return len(text) >= 10 and text[:4].isdigit() and text[4:5] == "-" and "T" in text


_seconds: dict[int, str] = {}


def epoch_to_datetime(seconds: float) -> str:
    """``seconds`` since 1970 as an NGSI-LD DateTime. Formatted whole seconds are cached:
    messages arrive (and are processed) within a few distinct seconds."""
    whole = int(seconds)
    prefix = _seconds.get(whole)
    if prefix is None:
        if len(_seconds) > 8:
            _seconds.clear()
        prefix = _seconds[whole] = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    micros = min(int((seconds - whole) * 1_000_000), 999_999)
    return f"{prefix}.{micros:06d}Z"


_last: list[float] = [0.0]


def next_instant() -> str:
    """Now, strictly later than the previous call's result (1 µs steps when needed).

    Each update of the same entity needs its own modifiedAt: the temporal history keeps
    one row per instance state and treats an unchanged modifiedAt as no change.
    """
    now = time.time()
    if now <= _last[0]:
        now = _last[0] + 1e-6
    _last[0] = now
    return epoch_to_datetime(now)


__all__ = ["epoch_to_datetime", "looks_like_timestamp", "next_instant", "parse_timestamp"]
