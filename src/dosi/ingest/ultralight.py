"""UltraLight 2.0: the text protocol of constrained devices (FIWARE IoT Agent UL).

Measures are ``key|value`` pairs separated by ``|`` (``t|23.1|h|40``); several measure
groups may be joined with ``#``, and each group may start with an ISO 8601 timestamp
(``2016-06-13T00:35:30Z|t|23.1``). Values are untyped text; the device's attribute
mappings give them types. Commands are ``<device>@<command>|<param>=<value>|...`` and a
device answers ``<device>@<command>|<result>``. Every malformed input raises
``MalformedPayload`` and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from dosi.ingest.errors import MalformedPayload
from dosi.ingest.timestamps import looks_like_timestamp, parse_timestamp

MAX_GROUPS: Final = 64
MAX_FIELDS: Final = 512
#: A measure name: no separators of either protocol nor characters NGSI-LD forbids.
_KEY: Final = re.compile(r"[^\s<>\"'=;()\\@#|\x00-\x1f]{1,256}")


@dataclass(frozen=True, slots=True)
class MeasureGroup:
    """One group of measures: raw key → raw value, and its timestamp if it had one."""

    values: dict[str, Any]
    timestamp: str | None = None


def _text(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("the UltraLight payload is not UTF-8 text") from None
    if "\x00" in text:
        raise MalformedPayload("the UltraLight payload contains a NUL character")
    return text.strip()


def check_key(key: str) -> str:
    if not isinstance(key, str) or _KEY.fullmatch(key) is None:
        raise MalformedPayload(f"{key[:64]!r} is not a valid UltraLight measure name")
    return key


def decode_measures(payload: bytes) -> list[MeasureGroup]:
    """Measure groups of an UltraLight 2.0 payload, in order."""
    text = _text(payload)
    if not text:
        raise MalformedPayload("the UltraLight payload is empty")
    parts = text.split("#")
    if len(parts) > MAX_GROUPS:
        raise MalformedPayload(f"more than {MAX_GROUPS} measure groups in one payload")
    return [_group(part.strip()) for part in parts]


def _group(text: str) -> MeasureGroup:
    if not text:
        raise MalformedPayload("an UltraLight measure group is empty")
    fields = text.split("|")
    if len(fields) > MAX_FIELDS:
        raise MalformedPayload(f"more than {MAX_FIELDS} fields in one measure group")
    timestamp = None
    if len(fields) % 2 == 1:
        if not looks_like_timestamp(fields[0]):
            raise MalformedPayload(
                "an UltraLight measure group needs key|value pairs (an odd field count "
                "is only allowed with a leading timestamp)"
            )
        timestamp = parse_timestamp(fields[0])
        fields = fields[1:]
        if not fields:
            raise MalformedPayload("an UltraLight measure group has a timestamp but no measures")
    values: dict[str, Any] = {}
    for index in range(0, len(fields), 2):
        values[check_key(fields[index].strip())] = fields[index + 1]
    return MeasureGroup(values, timestamp)


def decode_value(payload: bytes) -> str:
    """The plain value of a single-attribute message (``.../attrs/<name>``)."""
    return _text(payload)


def encode_command(device_id: str, command: str, value: Any) -> bytes:
    """``<device>@<command>|...``: an object becomes ``k=v`` params, a scalar one field."""
    head = f"{device_id}@{command}"
    if value is None or value == "" or value == {}:
        return head.encode()
    if isinstance(value, dict):
        fields = [f"{k}={_scalar(v)}" for k, v in value.items()]
    elif isinstance(value, list):
        fields = [_scalar(v) for v in value]
    else:
        fields = [_scalar(value)]
    return "|".join([head, *fields]).encode()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decode_command_result(payload: bytes) -> tuple[str, str, str]:
    """(device id, command, result) of ``<device>@<command>|<result>``."""
    text = _text(payload)
    head, _, result = text.partition("|")
    device_id, at, command = head.partition("@")
    if not at or not device_id or not command:
        raise MalformedPayload("an UltraLight command result must look like device@command|result")
    return device_id, check_key(command), result


__all__ = [
    "MeasureGroup",
    "decode_command_result",
    "decode_measures",
    "decode_value",
    "encode_command",
]
