"""Names the incident service shares with its API, its tests and the linked services."""

from __future__ import annotations

from typing import Final

from dosi.ops.lifecycle import State

ALERT_CONTEXT: Final = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld"
)
DEVICE_CONTEXT: Final = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Device/master/context.jsonld"
)
TRANSPORTATION_CONTEXT: Final = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/"
    "context.jsonld"
)
ALERT_TYPE: Final = "Alert"
ID_PREFIX: Final = "urn:ngsi-ld:Alert:"
LANGUAGES: Final = ("ko", "zh", "en")

#: States in which a repeated signal is correlated into the incident (not a new one).
OPEN_STATES: Final = frozenset({State.DETECTED, State.ACKNOWLEDGED, State.DISPATCHED})
#: States after which a public alert is cancelled.
ENDING_STATES: Final = frozenset({State.RESOLVED, State.CLOSED, State.FALSE_ALARM})
#: Severities from least to most severe (ITU-T X.733 order).
SEVERITY_ORDER: Final = ("indeterminate", "warning", "minor", "major", "critical")

#: dosi category → Smart Data Models Alert ``subCategory`` when none is given.
SUB_CATEGORY: Final = {
    "fire": "buildingFire",
    "flood": "flood",
    "crime": "suspiciousAction",
    "traffic": "carAccident",
    "air": "airPollution",
    "waste": "hazardOnRoad",
    "infrastructure": "hazardOnRoad",
    "health": "heartAttack",
    "person-at-risk": "fallenPatient",
}

#: Document collections (``Store`` documents facility).
TRAIL: Final = "ops.incident.trail/"  # + incident id: the append-only audit trail
COMMENTS: Final = "ops.incident.comments/"  # + incident id
KEYS: Final = "ops.incident.keys"  # signal key → its newest incident
CAP_MESSAGES: Final = "ops.cap"
