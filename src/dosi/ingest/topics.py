"""MQTT topics of the device agent (FIWARE IoT Agent layout).

Northbound ``/{apikey}/{device_id}/attrs`` (JSON object or UltraLight payload),
``/{apikey}/{device_id}/attrs/{attr}`` (one value) and ``/{apikey}/{device_id}/cmdexe``
(command results); southbound ``/{apikey}/{device_id}/cmd``. A ``/ul`` or ``/json``
prefix forces the payload protocol; the leading ``/`` is optional, as in older agents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dosi.ingest.errors import MalformedPayload

Kind = Literal["attrs", "attr", "cmdexe"]
Protocol = Literal["JSON", "UL"]

PREFIXES: Final[dict[str, Protocol]] = {"ul": "UL", "json": "JSON"}
#: What the agent subscribes to.
SUBSCRIPTIONS: Final = tuple(
    f"{root}{prefix}+/+/{tail}"
    for root in ("/", "")
    for prefix in ("", "ul/", "json/")
    for tail in ("attrs", "attrs/+", "cmdexe")
    if root or not prefix
)


@dataclass(frozen=True, slots=True)
class Topic:
    apikey: str
    device_id: str
    kind: Kind
    attr: str | None = None
    protocol: Protocol | None = None


def parse_topic(topic: str) -> Topic:
    """Split a northbound topic; raises MalformedPayload for any other shape."""
    levels = topic.split("/")
    if levels and levels[0] == "":
        levels = levels[1:]
    protocol: Protocol | None = None
    if len(levels) in (4, 5) and levels[0] in PREFIXES and levels[3] in ("attrs", "cmdexe"):
        protocol = PREFIXES[levels[0]]
        levels = levels[1:]
    if len(levels) == 3 and levels[2] in ("attrs", "cmdexe"):
        kind: Kind = "attrs" if levels[2] == "attrs" else "cmdexe"
        topic_parts = Topic(levels[0], levels[1], kind, None, protocol)
    elif len(levels) == 4 and levels[2] == "attrs" and levels[3]:
        topic_parts = Topic(levels[0], levels[1], "attr", levels[3], protocol)
    else:
        raise MalformedPayload("not a device topic (/{apikey}/{device_id}/attrs[/{attr}])")
    if not topic_parts.apikey or not topic_parts.device_id:
        raise MalformedPayload("the topic has an empty API key or device id")
    return topic_parts


def command_topic(apikey: str, device_id: str) -> str:
    return f"/{apikey}/{device_id}/cmd"


def redact(topic: str, apikey: str | None) -> str:
    """The topic with the API key replaced, for dead letters and logs."""
    if not apikey:
        return topic
    return "/".join("{apikey}" if level == apikey else level for level in topic.split("/"))


__all__ = ["SUBSCRIPTIONS", "Kind", "Protocol", "Topic", "command_topic", "parse_topic", "redact"]
