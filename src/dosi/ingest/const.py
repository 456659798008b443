"""Names and defaults of the device agent."""

from __future__ import annotations

from typing import Final

#: Document collections (``Store.put_document``), per tenant.
GROUPS: Final = "iot.groups"
DEVICES: Final = "iot.devices"
#: entity id → device id, so a command attribute update finds its device.
ENTITY_INDEX: Final = "iot.entities"
DEAD_LETTERS: Final = "iot.deadletters"
#: Expanded IRIs of command attributes (keys only).
COMMANDS: Final = "iot.commands"

#: Command status values written to ``<command>_status`` (FIWARE conventions).
PENDING: Final = "PENDING"
OK: Final = "OK"
ERROR: Final = "ERROR"
STATUS_SUFFIX: Final = "_status"
INFO_SUFFIX: Final = "_info"

#: Largest accepted device payload.
MAX_PAYLOAD: Final = 64 * 1024
