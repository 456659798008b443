"""Timestamps in the one format dosi writes (ISO 8601, UTC, microseconds, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """Now, as an NGSI-LD DateTime string (sortable as text)."""
    return format_datetime(datetime.now(UTC))


def format_datetime(moment: datetime) -> str:
    """A timezone-aware datetime as ``YYYY-MM-DDThh:mm:ss.ffffffZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
