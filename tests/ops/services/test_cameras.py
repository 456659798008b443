"""Nearest cameras: a geo-query within a radius, nearest first, only those that see the spot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ContextResolver
from dosi.core.representation import parse_entity
from dosi.ops.incidents.const import DEVICE_CONTEXT
from dosi.ops.services.cameras import bearing, cameras_for, covers, is_camera
from dosi.settings import Settings
from dosi.store import Store

SPOT = (127.2890, 36.4800)
LAT_M = 1 / 111_195  # degrees of latitude per metre
LON_M = 1 / 89_420  # degrees of longitude per metre at 36.48° N


def at(east: float, north: float) -> tuple[float, float]:
    return SPOT[0] + east * LON_M, SPOT[1] + north * LAT_M


def view_cone(east: float, north: float, ahead_north: float) -> dict[str, Any]:
    """A triangle from the camera 60 m ahead (north if ahead_north > 0, else south)."""
    origin = at(east, north)
    tip = north + ahead_north
    ring = [origin, at(east - 30, tip), at(east + 30, tip), origin]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def device(name: str, east: float, north: float, **attrs: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"urn:ngsi-ld:Device:{name}",
        "type": "Device",
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": list(at(east, north))},
        },
    }
    for key, value in attrs.items():
        kind = "GeoProperty" if key == "observationSpace" else "Property"
        body[key] = {"type": kind, "value": value}
    return body


def configuration(heading: float, fov: float, reach: float) -> list[dict[str, str]]:
    return [
        {"parameter": "heading", "value": f"{heading}"},
        {"parameter": "fieldOfView", "value": f"{fov}"},
        {"parameter": "range", "value": f"{reach}"},
    ]


CITY = [
    # 30 m south, looking north over the spot: seen
    device("south", 0, -30, category=["camera"], observationSpace=view_cone(0, -30, 60)),
    # 20 m north, looking further north: nearer, but it does not see the spot
    device("north", 0, 20, deviceCategory=["cctv"], observationSpace=view_cone(0, 20, 60)),
    # 80 m east, turned west (sector from its configuration): seen
    device("east", 80, 0, deviceCategory=["multimedia"], configuration=configuration(270, 60, 100)),
    # 60 m west, turned west too: looking away
    device("west", -60, 0, category=["camera"], configuration=configuration(270, 60, 100)),
    # 10 m away but a sensor, not a camera
    device("gauge", 10, 0, category=["sensor"]),
    # a camera without a known field of view
    device("blind", 5, 5, category=["camera"]),
    # sees the spot but 1 km away: outside the radius
    device("far", 0, -1000, category=["camera"], configuration=configuration(0, 20, 2000)),
]


@pytest.fixture
async def town(store: Store, tmp_path: Path) -> tuple[EntityService, Any]:
    entities = EntityService(store)
    ctx = await ContextResolver(Settings(data_dir=tmp_path), store).resolve(DEVICE_CONTEXT)
    now = utc_now()
    outcome = await entities.batch_create("", [parse_entity(d, ctx, now=now) for d in CITY])
    assert not outcome.errors
    return entities, ctx


async def test_nearest_cameras_that_see_the_spot(town: tuple[EntityService, Any]) -> None:
    entities, ctx = town
    found = await cameras_for(
        entities,
        ctx,
        "",
        SPOT,
        radius=300,
        video_url="rtsp://video/{camera}",
        snapshot_url="https://video/{camera}.jpg",
    )
    assert [c.id for c in found] == ["urn:ngsi-ld:Device:south", "urn:ngsi-ld:Device:east"]
    assert 29 < found[0].distance < 31 and 79 < found[1].distance < 81
    assert found[0].live == "rtsp://video/urn:ngsi-ld:Device:south"
    assert found[1].to_dict()["snapshot"] == "https://video/urn:ngsi-ld:Device:east.jpg"
    limited = await cameras_for(
        entities, ctx, "", SPOT, radius=300, video_url="{camera}", snapshot_url="{camera}", limit=1
    )
    assert [c.id for c in limited] == ["urn:ngsi-ld:Device:south"]
    wide = await cameras_for(
        entities, ctx, "", SPOT, radius=1500, video_url="{camera}", snapshot_url="{camera}"
    )
    assert wide[-1].id == "urn:ngsi-ld:Device:far"


def test_field_of_view_rules() -> None:
    assert round(bearing(SPOT, at(0, 100))) == 0
    assert round(bearing(SPOT, at(100, 0))) == 90
    assert is_camera({"deviceCategory": "CCTV"}) and not is_camera({"category": ["sensor"]})
    east = {
        "location": {"type": "Point", "coordinates": list(at(80, 0))},
        "configuration": configuration(270, 60, 100),
    }
    assert covers(east, SPOT)
    assert not covers({**east, "configuration": configuration(90, 60, 100)}, SPOT)
    assert not covers({**east, "configuration": configuration(270, 60, 50)}, SPOT)
    assert not covers({"location": east["location"]}, SPOT)
