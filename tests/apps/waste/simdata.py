"""Simulator bins as temporal entities: a few days of hourly fill readings per bin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dosi.sim import CitySimulator, SimConfig
from dosi.sim.devices import iso

WASTE = "https://raw.githubusercontent.com/smart-data-models/dataModel.WasteManagement/master/context.jsonld"
#: A Monday, 00:00 UTC.
START = datetime(2026, 11, 2, tzinfo=UTC).timestamp()


def temporal_bins(bins: int = 12, days: int = 5, seed: int = 7) -> list[dict[str, Any]]:
    """Temporal entities (normalized, WasteManagement vocabulary) of simulated bins."""
    sim = CitySimulator(SimConfig(counts={"waste": bins}, seed=seed, start=START))
    out = []
    for device in sim.devices:
        readings = []
        for hour in range(days * 24 + 1):
            t = START + hour * 3600.0
            values = device.step(t)
            readings.append(
                {"type": "Property", "value": values["fillingLevel"], "observedAt": iso(t)}
            )
        static = device.static()
        out.append(
            {
                "id": device.entity_id,
                "type": "WasteContainer",
                "fillingLevel": readings,
                "location": {"type": "GeoProperty", "value": static["location"]},
                "binCapacity": {"type": "Property", "value": static["binCapacity"]},
                "name": {"type": "Property", "value": static["name"]},
            }
        )
    return out


def end_time(days: int = 5) -> float:
    return START + days * 86_400.0
