"""Builders of entities in the internal representation (``dosi.core.model``) for store tests.

Names are expanded IRIs as the core hands them to a store: Smart Data Models types and
attributes, the NGSI-LD core GeoProperties, normalized attribute instances with system
attributes, sub-attributes and ``datasetId`` instances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dosi.core.model import CORE_IRIS
from dosi.store import Candidates, Entity, Store, Writes

NOW = "2026-11-25T02:00:00.000000Z"
LATER = "2026-11-25T03:00:00.000000Z"

SDM = "https://smartdatamodels.org/"
WASTE = SDM + "dataModel.WasteManagement/"
ENV = SDM + "dataModel.Environment/"
TRANSPORT = SDM + "dataModel.Transportation/"
DEVICE = SDM + "dataModel.Device/"

#: Expanded type IRIs.
WASTE_CONTAINER = WASTE + "WasteContainer"
AIR_QUALITY = ENV + "AirQualityObserved"
VEHICLE = TRANSPORT + "Vehicle"
DEVICE_TYPE = DEVICE + "Device"
#: Expanded attribute IRIs.
FILLING_LEVEL = WASTE + "fillingLevel"
TEMPERATURE = SDM + "temperature"
NO2 = ENV + "no2"
SPEED = TRANSPORT + "speed"
REF_DEVICE = SDM + "refDevice"
SERVICE_AREA = SDM + "serviceArea"
NAME = CORE_IRIS["name"]
LOCATION = CORE_IRIS["location"]
OPERATION_SPACE = CORE_IRIS["operationSpace"]
ACCURACY = SDM + "accuracy"

Geometry = dict[str, Any]
PlanFn = Callable[[dict[str, Entity]], Writes]


def point(lon: float, lat: float) -> Geometry:
    return {"type": "Point", "coordinates": [lon, lat]}


def box(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Geometry:
    """A rectangular GeoJSON Polygon (counter-clockwise, closed)."""
    ring = [
        [min_lon, min_lat],
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def prop(value: Any, **extra: Any) -> dict[str, Any]:
    """A normalized Property instance with system attributes."""
    return {"type": "Property", "value": value, "createdAt": NOW, "modifiedAt": NOW, **extra}


def geo(geometry: Geometry, **extra: Any) -> dict[str, Any]:
    return {"type": "GeoProperty", "value": geometry, "createdAt": NOW, "modifiedAt": NOW, **extra}


def rel(target: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Relationship", "object": target, "createdAt": NOW, "modifiedAt": NOW, **extra}


def lang(**texts: str) -> dict[str, Any]:
    return {"type": "LanguageProperty", "languageMap": texts, "createdAt": NOW, "modifiedAt": NOW}


def make(
    entity_id: str,
    types: str | Iterable[str],
    attrs: Mapping[str, dict[str, Any] | list[dict[str, Any]]] | None = None,
    **members: Any,
) -> Entity:
    """An entity document; each attribute is one instance or a list of instances."""
    built = {
        name: [dict(i) for i in (value if isinstance(value, list) else [value])]
        for name, value in (attrs or {}).items()
    }
    return {
        "id": entity_id,
        "type": [types] if isinstance(types, str) else list(types),
        **members,
        "createdAt": NOW,
        "modifiedAt": NOW,
        "attrs": built,
    }


def waste_container(
    n: int | str, fill: float = 0.5, *, at: tuple[float, float] = (127.289, 36.48)
) -> Entity:
    """A Sejong waste container with a measured filling level and a device relationship."""
    return make(
        f"urn:ngsi-ld:WasteContainer:{n}",
        WASTE_CONTAINER,
        {
            FILLING_LEVEL: prop(
                fill,
                observedAt=NOW,
                unitCode="C62",
                **{ACCURACY: {"type": "Property", "value": 0.01}},
            ),
            LOCATION: geo(point(*at)),
            REF_DEVICE: rel(f"urn:ngsi-ld:Device:wc-{n}"),
            NAME: lang(en=f"Container {n}", ko=f"수거함 {n}"),
        },
        scope=["/Sejong/Hansol"],
    )


def air_quality(
    n: int | str, no2: float = 21.0, *, at: tuple[float, float] = (127.0, 37.5)
) -> Entity:
    """An air-quality observation with two NO2 instances (``datasetId``) and a location."""
    return make(
        f"urn:ngsi-ld:AirQualityObserved:{n}",
        AIR_QUALITY,
        {
            NO2: [
                prop(no2, observedAt=NOW, unitCode="GQ"),
                prop(no2 + 1, observedAt=NOW, unitCode="GQ", datasetId="urn:ngsi-ld:Dataset:raw"),
            ],
            TEMPERATURE: prop(18.5, unitCode="CEL"),
            LOCATION: geo(point(*at)),
        },
    )


def vehicle(n: int | str, *, at: tuple[float, float], area: Geometry | None = None) -> Entity:
    """A collection truck: a location point and, optionally, a service-area polygon."""
    attrs: dict[str, dict[str, Any]] = {
        SPEED: prop(32.0, unitCode="KMH"),
        LOCATION: geo(point(*at)),
    }
    if area is not None:
        attrs[SERVICE_AREA] = geo(area)
    return make(f"urn:ngsi-ld:Vehicle:{n}", VEHICLE, attrs)


def thing(entity_id: str, *types: str, **values: Any) -> Entity:
    """A minimal entity: Property attributes named ``SDM + name`` (default type Device)."""
    return make(
        entity_id,
        list(types) or [DEVICE_TYPE],
        {SDM + name: prop(value) for name, value in values.items()},
    )


def value_of(entity: Entity | None, attr: str) -> Any:
    """The value of the default instance of ``attr``."""
    assert entity is not None
    return entity["attrs"][attr][0]["value"]


def put(*entities: Entity) -> PlanFn:
    """A plan that upserts ``entities`` whatever exists."""
    return lambda current: Writes(upserts=[dict(e) for e in entities])


def delete(*ids: str) -> PlanFn:
    return lambda current: Writes(deletes=list(ids))


async def save(store: Store, *entities: Entity, tenant: str = "") -> None:
    await store.transact(tenant, [e["id"] for e in entities], put(*entities))


async def ids_of(store: Store, where: Candidates | None = None, tenant: str = "") -> list[str]:
    """Entity ids ``iter_entities`` streams, in the order it streams them."""
    return [e["id"] async for e in store.iter_entities(tenant, where or Candidates())]
