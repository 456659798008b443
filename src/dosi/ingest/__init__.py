"""The built-in device agent (IoT agent): MQTT/HTTP devices in, NGSI-LD entities out.

Devices speak JSON or UltraLight 2.0 over MQTT (``/{apikey}/{device_id}/attrs``) or HTTP
(``/iot/json``, ``/iot/d``); provisioned service groups and devices say how measures map
to attributes. Writes are micro-batched through the entity service; command attribute
updates go back to devices; refused messages become dead letters.
"""

from __future__ import annotations

from dosi.ingest.agent import IngestAgent, IngestOptions, running_agent
from dosi.ingest.memory import MemoryBroker
from dosi.ingest.routes import PREFIX, routes

__all__ = ["PREFIX", "IngestAgent", "IngestOptions", "MemoryBroker", "routes", "running_agent"]
