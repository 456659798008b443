"""The entity types the control room draws: their Smart Data Models @context, the
attributes the map and the city overview need, the status thresholds, and the incidents
(Smart Data Models ``Alert``) shown on the incident board."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dosi.demo.sample_city import SDM


@dataclass(frozen=True)
class Layer:
    """One map layer: all entities of ``type`` (a term of ``context``)."""

    type: str
    context: str
    #: Attributes fetched for the map and the overview (besides ``location``).
    attrs: tuple[str, ...]


LAYERS: Final = (
    Layer(
        "WasteContainer",
        SDM.format("WasteManagement"),
        ("fillingLevel", "status", "areaServed", "name"),
    ),
    Layer(
        "AirQualityObserved",
        SDM.format("Environment"),
        ("pm25", "pm10", "airQualityIndex", "airQualityLevel", "areaServed", "name"),
    ),
    Layer("ParkingSpot", SDM.format("Parking"), ("status", "areaServed", "name")),
    Layer(
        "Streetlight", SDM.format("Streetlighting"), ("status", "powerState", "areaServed", "name")
    ),
    Layer("WaterObserved", SDM.format("Environment"), ("height", "flow", "areaServed", "name")),
)

#: Incidents of the operations centre (``dosi.ops.incidents``): their own board and map
#: layer, not a layer of the layers panel. The live stream sends their changes too.
INCIDENTS: Final = Layer(
    "Alert",
    SDM.format("Alert"),
    (
        "category",
        "subCategory",
        "severity",
        "state",
        "title",
        "description",
        "dateIssued",
        "lastSeen",
        "count",
        "areaName",
        "assignee",
        "sopChecklist",
    ),
)
#: Lifecycle states the board lists (the rest are finished).
BOARD_STATES: Final = ("detected", "acknowledged", "dispatched", "resolved")

#: Status bins (upper bounds of levels 0, 1, 2; anything above is level 3).
THRESHOLDS: Final[dict[str, Any]] = {
    #: fillingLevel (0..1): ≥ 0.8 needs collection, ≥ 0.95 is about to overflow.
    "fillingLevel": [0.5, 0.8, 0.95],
    "collectAt": 0.8,
    #: PM2.5 in µg/m³, Korean forecast bands (좋음 / 보통 / 나쁨 / 매우나쁨).
    "pm25": [15, 35, 75],
    #: Air quality index, Korean CAI bands (좋음 0–50 / 보통 51–100 / 나쁨 101–250 / 매우나쁨).
    "airQualityIndex": [51, 101, 251],
    #: River gauge height in metres: watch / warning / alarm.
    "height": [1.5, 2.0, 2.3],
}


def _layer(layer: Layer) -> dict[str, Any]:
    return {"type": layer.type, "context": layer.context, "attrs": list(layer.attrs)}


def layer_config() -> list[dict[str, Any]]:
    """The catalogue as the browser receives it in /ui/config.json."""
    return [_layer(x) for x in LAYERS]


def incident_config() -> dict[str, Any]:
    """The incident board's part of /ui/config.json."""
    return {**_layer(INCIDENTS), "boardStates": list(BOARD_STATES)}
