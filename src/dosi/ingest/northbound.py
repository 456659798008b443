"""Decoding one device message into entity updates (the agent's hot path).

Topic → device profile (API key and device checked) → payload decoded per protocol
(JSON or UltraLight 2.0) → measures mapped to attributes. Command results
(``cmdexe``) become ``<command>_status`` = OK and ``<command>_info`` = the result.
Everything a device can get wrong raises a ``Refused`` subclass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from dosi.core.model import Entity, Instance
from dosi.ingest import jsonpayload, ultralight
from dosi.ingest.const import INFO_SUFFIX, MAX_PAYLOAD, OK, STATUS_SUFFIX
from dosi.ingest.errors import MalformedPayload, UnknownDevice
from dosi.ingest.inbox import Inbound
from dosi.ingest.mapping import build_attrs
from dosi.ingest.registry import DeviceProfile, Registry
from dosi.ingest.timestamps import epoch_to_datetime, next_instant
from dosi.ingest.topics import Topic, parse_topic
from dosi.ingest.ultralight import MeasureGroup

ResultHook = Callable[[DeviceProfile, str, Any], None]
#: Parsed topics remembered (devices publish on the same topics again and again).
TOPIC_CACHE: Final = 50_000


class Decoder:
    def __init__(self, registry: Registry, on_result: ResultHook | None = None) -> None:
        self.registry = registry
        self.on_result = on_result
        self._topics: dict[str, Topic] = {}

    async def decode(self, message: Inbound) -> tuple[DeviceProfile, list[Entity]]:
        """The device and the entity updates of ``message`` (one per measure group)."""
        topic = message.topic
        if topic is None:
            topic = self._topics.get(message.raw_topic)
            if topic is None:
                topic = parse_topic(message.raw_topic)
                if len(self._topics) >= TOPIC_CACHE:
                    self._topics.clear()
                self._topics[message.raw_topic] = topic
            message.topic = topic
        if len(message.payload) > MAX_PAYLOAD:
            raise MalformedPayload(f"the payload exceeds {MAX_PAYLOAD} bytes")
        profile = await self.registry.profile(topic.apikey, topic.device_id)
        protocol = message.protocol or topic.protocol or profile.protocol
        now = next_instant()
        if topic.kind == "cmdexe":
            return profile, [self._results(profile, message.payload, protocol, now)]
        text = protocol == "UL"
        if topic.kind == "attr":
            assert topic.attr is not None
            decode_value = ultralight.decode_value if text else jsonpayload.decode_value
            groups = [MeasureGroup({topic.attr: decode_value(message.payload)})]
        elif text:
            groups = ultralight.decode_measures(message.payload)
        else:
            groups = jsonpayload.decode_measures(message.payload)
        received = message.timestamp or epoch_to_datetime(message.received)
        entities = []
        for group in groups:
            attrs = build_attrs(profile, group.values, group.timestamp or received, now, text=text)
            if attrs:
                entities.append(_entity(profile, attrs, now))
        return profile, entities

    def _results(self, profile: DeviceProfile, payload: bytes, protocol: str, now: str) -> Entity:
        if protocol == "UL":
            device_id, command, result = ultralight.decode_command_result(payload)
            if device_id != profile.device_id:
                raise MalformedPayload(
                    f"the result names device {device_id!r}, not {profile.device_id!r}"
                )
            results: dict[str, Any] = {command: result}
        else:
            results = jsonpayload.decode_command_results(payload)
        attrs: dict[str, list[Instance]] = {}
        for command, result in results.items():
            if command not in profile.commands:
                raise UnknownDevice(
                    f"device {profile.device_id!r} has no command {command!r}",
                    tenant=profile.tenant,
                )
            attrs.update(status_attrs(profile, command, OK, result, now))
            if self.on_result is not None:
                self.on_result(profile, command, result)
        return _entity(profile, attrs, now)


def status_attrs(
    profile: DeviceProfile, command: str, status: str, info: Any, now: str
) -> dict[str, list[Instance]]:
    """``<command>_status`` and ``<command>_info`` (info omitted when None)."""
    expand = profile.ctx.expand
    attrs = {expand(command + STATUS_SUFFIX): [_property(status, now)]}
    if info is not None:
        attrs[expand(command + INFO_SUFFIX)] = [_property(info, now)]
    return attrs


def _property(value: Any, now: str) -> Instance:
    return {
        "type": "Property",
        "value": value if value not in (None, "") else "-",
        "observedAt": now,
        "createdAt": now,
        "modifiedAt": now,
    }


def _entity(profile: DeviceProfile, attrs: dict[str, list[Instance]], now: str) -> Entity:
    return {
        "id": profile.entity_id,
        "type": [profile.entity_type],
        "createdAt": now,
        "modifiedAt": now,
        "attrs": attrs,
    }


__all__ = ["Decoder", "status_attrs"]
