"""JSON device payloads (FIWARE IoT Agent JSON conventions).

A measure message is a JSON object of measure → value (or an array of such objects, one
measure group each); ``TimeInstant`` (or ``observedAt``) carries the observation time. A
single-attribute message is a bare JSON value, or plain text when it is not JSON.
Commands are ``{"<command>": <params>}`` and results ``{"<command>": <result>}``. Every
malformed input raises ``MalformedPayload`` and nothing else.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from dosi.ingest.errors import MalformedPayload
from dosi.ingest.timestamps import parse_timestamp
from dosi.ingest.ultralight import MeasureGroup, check_key

TIMESTAMP_KEYS: Final = ("TimeInstant", "observedAt")
MAX_DEPTH: Final = 16
MAX_GROUPS: Final = 64


def _load(payload: bytes) -> Any:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise MalformedPayload(f"the payload is not valid JSON: {exc}") from None


def _check_depth(value: Any) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedPayload(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def decode_measures(payload: bytes) -> list[MeasureGroup]:
    """Measure groups of a JSON payload: one per object."""
    data = _load(payload)
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_GROUPS:
        raise MalformedPayload(f"a JSON measure payload holds 1 to {MAX_GROUPS} objects")
    groups = [_group(item) for item in items]
    if any(isinstance(v, dict | list) for g in groups for v in g.values.values()):
        _check_depth(data)
    return groups


def _group(item: Any) -> MeasureGroup:
    if not isinstance(item, dict):
        raise MalformedPayload("a JSON measure payload must be an object of measure → value")
    values = dict(item)
    timestamp = None
    for key in TIMESTAMP_KEYS:
        if key in values:
            timestamp = parse_timestamp(values.pop(key))
    if not values:
        raise MalformedPayload("the JSON measure payload has no measures")
    for key in values:
        check_key(key)
    return MeasureGroup(values, timestamp)


def decode_value(payload: bytes) -> Any:
    """The value of a single-attribute message: JSON if it parses, else the UTF-8 text."""
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        try:
            return payload.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise MalformedPayload("the payload is neither JSON nor UTF-8 text") from None
    _check_depth(value)
    return value


def encode_command(command: str, value: Any) -> bytes:
    return orjson.dumps({command: value})


def decode_command_results(payload: bytes) -> dict[str, Any]:
    """Command → result of a ``cmdexe`` message."""
    data = _load(payload)
    if not isinstance(data, dict) or not data:
        raise MalformedPayload("a JSON command result must be an object of command → result")
    _check_depth(data)
    for key in data:
        check_key(key)
    return data


__all__ = ["decode_command_results", "decode_measures", "decode_value", "encode_command"]
