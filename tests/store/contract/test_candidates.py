"""Store contract: ``iter_entities`` / ``count_entities`` order and ``Candidates`` prefilters.

A prefilter may over-approximate (the core filters exactly), but ids, types, attrs and
after_id are exact on every backend; geo and id_pattern are exact (bounding-box
intersection, ``re.search``) on backends listing the "geo-index" / "regex" capabilities.
"""

from __future__ import annotations

import pytest

from dosi.errors import BadRequestData
from dosi.store import Candidates, GeoPrefilter, Store
from dosi.store.base import CAP_GEO_INDEX, CAP_REGEX
from tests.store.contract.builders import (
    AIR_QUALITY,
    DEVICE_TYPE,
    FILLING_LEVEL,
    LOCATION,
    NO2,
    OPERATION_SPACE,
    SERVICE_AREA,
    SPEED,
    TEMPERATURE,
    VEHICLE,
    WASTE_CONTAINER,
    air_quality,
    box,
    delete,
    geo,
    ids_of,
    make,
    point,
    prop,
    save,
    thing,
    vehicle,
    waste_container,
)

WC1 = "urn:ngsi-ld:WasteContainer:1"
WC2 = "urn:ngsi-ld:WasteContainer:2"
AQ1 = "urn:ngsi-ld:AirQualityObserved:1"
TRUCK = "urn:ngsi-ld:Vehicle:truck"
HYBRID = "urn:ngsi-ld:Hybrid:1"
SEJONG = (127.2, 36.4, 127.4, 36.6)
SEOUL = (126.8, 37.4, 127.2, 37.7)


async def city(store: Store) -> None:
    """Sejong containers, a Seoul air station, a truck in Seoul serving a Sejong area, and
    an entity that is both a WasteContainer and a Device."""
    hybrid = make(
        HYBRID,
        [WASTE_CONTAINER, DEVICE_TYPE],
        {FILLING_LEVEL: prop(0.2), TEMPERATURE: prop(3.0)},
    )
    await save(
        store,
        waste_container(1, at=(127.29, 36.48)),
        waste_container(2, at=(127.31, 36.51)),
        air_quality(1, at=(127.0, 37.5)),
        vehicle("truck", at=(127.05, 37.55), area=box(127.25, 36.45, 127.35, 36.55)),
        hybrid,
    )


def where(**fields: object) -> Candidates:
    return Candidates(**fields)  # type: ignore[arg-type]


async def test_stream_is_ordered_by_id_in_byte_order(store: Store) -> None:
    odd = ["urn:x:b", "urn:x:B", "urn:x:a", "urn:x:_", "urn:x:é", "urn:x:z", "urn:x:Z", "urn:x:10"]
    odd += ["urn:x:9", "urn:x:a:1", "urn:x:a-1", "urn:x:서울", "urn:x:😀"]
    await save(store, *(thing(i, n=1) for i in odd))
    expected = sorted(odd, key=lambda i: i.encode())
    assert await ids_of(store) == expected
    after = await ids_of(store, where(after_id="urn:x:Z"))
    assert after == [i for i in expected if i.encode() > b"urn:x:Z"]


async def test_no_prefilter_streams_everything(store: Store) -> None:
    await city(store)
    assert await ids_of(store) == sorted([WC1, WC2, AQ1, TRUCK, HYBRID])
    assert await store.count_entities("", Candidates()) == 5


async def test_ids(store: Store) -> None:
    await city(store)
    assert await ids_of(store, where(ids=frozenset({AQ1, WC1, "urn:x:absent"}))) == [AQ1, WC1]
    assert await ids_of(store, where(ids=frozenset())) == []
    assert await store.count_entities("", where(ids=frozenset({AQ1, "urn:x:absent"}))) == 1


async def test_types_include_every_type_of_multi_typed_entities(store: Store) -> None:
    await city(store)
    containers = await ids_of(store, where(types=frozenset({WASTE_CONTAINER})))
    assert containers == [HYBRID, WC1, WC2]
    assert await ids_of(store, where(types=frozenset({DEVICE_TYPE}))) == [HYBRID]
    either = await ids_of(store, where(types=frozenset({DEVICE_TYPE, VEHICLE, AIR_QUALITY})))
    assert either == [AQ1, HYBRID, TRUCK]
    assert await ids_of(store, where(types=frozenset({"https://example.org/Nothing"}))) == []
    assert await ids_of(store, where(types=frozenset())) == []
    assert await store.count_entities("", where(types=frozenset({WASTE_CONTAINER}))) == 3


async def test_attrs_match_any_of_the_names(store: Store) -> None:
    await city(store)
    assert await ids_of(store, where(attrs=frozenset({SPEED}))) == [TRUCK]
    assert await ids_of(store, where(attrs=frozenset({NO2, TEMPERATURE}))) == [AQ1, HYBRID]
    assert await ids_of(store, where(attrs=frozenset({LOCATION}))) == sorted([WC1, WC2, AQ1, TRUCK])
    assert await ids_of(store, where(attrs=frozenset())) == []
    assert await store.count_entities("", where(attrs=frozenset({FILLING_LEVEL}))) == 3


@pytest.mark.requires(CAP_REGEX)
async def test_id_pattern_uses_re_search(store: Store) -> None:
    await city(store)
    assert await ids_of(store, where(id_pattern="WasteContainer:[12]$")) == [WC1, WC2]
    assert await ids_of(store, where(id_pattern="^urn:ngsi-ld:(Vehicle|Hybrid)")) == [
        HYBRID,
        TRUCK,
    ]
    assert await ids_of(store, where(id_pattern="truck")) == [TRUCK]
    assert await ids_of(store, where(id_pattern="^truck")) == []
    assert await ids_of(store, where(id_pattern=".*")) == sorted([WC1, WC2, AQ1, TRUCK, HYBRID])
    assert await store.count_entities("", where(id_pattern=r"Container:\d")) == 2


async def test_bad_id_pattern_is_bad_request_data(store: Store) -> None:
    await city(store)
    for pattern in ("(unclosed", "[z-a]", "*"):
        with pytest.raises(BadRequestData):
            await ids_of(store, where(id_pattern=pattern))
        with pytest.raises(BadRequestData):
            await store.count_entities("", where(id_pattern=pattern))


async def test_geo_never_drops_a_match(store: Store) -> None:
    await city(store)
    in_sejong = await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEJONG)))
    assert {WC1, WC2} <= set(in_sejong)
    served = await ids_of(store, where(geo=GeoPrefilter(SERVICE_AREA, SEJONG)))
    assert TRUCK in served


@pytest.mark.requires(CAP_GEO_INDEX)
async def test_geo_points_and_polygons_by_attribute(store: Store) -> None:
    await city(store)
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEJONG))) == [WC1, WC2]
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEOUL))) == [AQ1, TRUCK]
    # the truck is in Seoul but serves a Sejong area: each GeoProperty is indexed on its own
    assert await ids_of(store, where(geo=GeoPrefilter(SERVICE_AREA, SEJONG))) == [TRUCK]
    assert await ids_of(store, where(geo=GeoPrefilter(SERVICE_AREA, SEOUL))) == []
    inside_area = (127.3, 36.5, 127.301, 36.501)  # within the polygon, away from every point
    assert await ids_of(store, where(geo=GeoPrefilter(SERVICE_AREA, inside_area))) == [TRUCK]
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, inside_area))) == []
    assert await ids_of(store, where(geo=GeoPrefilter(OPERATION_SPACE, SEJONG))) == []
    far = (0.0, 0.0, 1.0, 1.0)
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, far))) == []
    assert await store.count_entities("", where(geo=GeoPrefilter(LOCATION, SEOUL))) == 2


@pytest.mark.requires(CAP_GEO_INDEX)
async def test_geo_bbox_edges_touch_and_points_as_boxes(store: Store) -> None:
    await save(store, thing("urn:x:plain", n=1))  # no geometry at all
    await save(
        store,
        make("urn:x:edge", DEVICE_TYPE, {LOCATION: geo(point(127.0, 36.0))}),
        make("urn:x:line", DEVICE_TYPE, {LOCATION: geo(_line((126.0, 35.0), (128.0, 35.5)))}),
    )
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, (127.0, 36.0, 127.0, 36.0)))) == [
        "urn:x:edge"
    ]
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, (126.5, 35.2, 126.6, 35.3)))) == [
        "urn:x:line"
    ]


@pytest.mark.requires(CAP_GEO_INDEX)
async def test_geo_every_instance_of_a_multi_instance_attribute(store: Store) -> None:
    tracked = make(
        "urn:x:tracked",
        DEVICE_TYPE,
        {
            LOCATION: [
                geo(point(127.3, 36.5)),
                geo(point(10.0, 50.0), datasetId="urn:ngsi-ld:Dataset:gps2"),
            ]
        },
    )
    await save(store, tracked)
    for bbox in (SEJONG, (9.0, 49.0, 11.0, 51.0)):
        assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, bbox))) == ["urn:x:tracked"]


@pytest.mark.requires(CAP_GEO_INDEX)
async def test_geo_index_follows_updates_and_deletes(store: Store) -> None:
    await save(store, vehicle("t1", at=(127.3, 36.5), area=box(127.2, 36.4, 127.4, 36.6)))
    moved = vehicle("t1", at=(127.0, 37.5))  # moved to Seoul and lost its service area
    await save(store, moved)
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEJONG))) == []
    assert await ids_of(store, where(geo=GeoPrefilter(SERVICE_AREA, SEJONG))) == []
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEOUL))) == [moved["id"]]
    await store.transact("", [moved["id"]], delete(moved["id"]))
    assert await ids_of(store, where(geo=GeoPrefilter(LOCATION, SEOUL))) == []


async def test_geoproperty_with_a_bad_geometry_does_not_break_writes(store: Store) -> None:
    odd = make(
        "urn:x:odd",
        DEVICE_TYPE,
        {LOCATION: geo({"type": "Point", "coordinates": "nowhere"}), TEMPERATURE: prop(1)},
    )
    await save(store, odd)
    assert await store.get_entity("", "urn:x:odd") == odd
    assert await ids_of(store, where(attrs=frozenset({TEMPERATURE}))) == ["urn:x:odd"]


async def test_type_and_attr_indexes_follow_updates(store: Store) -> None:
    await save(store, thing("urn:x:1", DEVICE_TYPE, a=1))
    await save(store, make("urn:x:1", VEHICLE, {SPEED: prop(3.0)}))
    assert await ids_of(store, where(types=frozenset({DEVICE_TYPE}))) == []
    assert await ids_of(store, where(types=frozenset({VEHICLE}))) == ["urn:x:1"]
    assert await ids_of(store, where(attrs=frozenset({"https://smartdatamodels.org/a"}))) == []
    assert await ids_of(store, where(attrs=frozenset({SPEED}))) == ["urn:x:1"]
    await store.transact("", ["urn:x:1"], delete("urn:x:1"))
    assert await ids_of(store, where(types=frozenset({VEHICLE}))) == []
    assert await ids_of(store, where(attrs=frozenset({SPEED}))) == []


@pytest.mark.requires(CAP_GEO_INDEX, CAP_REGEX)
async def test_fields_combine_as_a_conjunction(store: Store) -> None:
    await city(store)
    containers = frozenset({WASTE_CONTAINER})
    sejong = GeoPrefilter(LOCATION, SEJONG)
    assert await ids_of(store, where(types=containers, geo=sejong)) == [WC1, WC2]
    assert await ids_of(store, where(types=containers, geo=sejong, id_pattern="2$")) == [WC2]
    assert await ids_of(store, where(types=containers, attrs=frozenset({TEMPERATURE}))) == [HYBRID]
    assert await ids_of(store, where(ids=frozenset({WC1, AQ1}), types=containers)) == [WC1]
    assert await ids_of(store, where(types=containers, after_id=WC1)) == [WC2]
    assert await ids_of(store, where(ids=frozenset({WC1, WC2, AQ1}), after_id=WC1)) == [WC2]
    everything = Candidates(
        ids=frozenset({WC1, WC2, TRUCK}),
        id_pattern="Container",
        types=containers,
        attrs=frozenset({FILLING_LEVEL}),
        geo=sejong,
        after_id=WC1,
    )
    assert await ids_of(store, everything) == [WC2]
    assert await store.count_entities("", everything) == 1
    assert await store.count_entities("", where(types=containers, geo=sejong)) == 2


async def test_after_id_pagination_has_no_gaps_or_duplicates(store: Store) -> None:
    many = [thing(f"urn:x:{i:05d}", n=i) for i in range(1234)]
    trucks = [make(f"urn:x:{i:05d}:t", VEHICLE, {SPEED: prop(i)}) for i in range(0, 1234, 3)]
    await save(store, *many, *trucks)
    everything = sorted(e["id"] for e in many + trucks)
    cases = [
        (Candidates(), everything),
        (Candidates(types=frozenset({VEHICLE})), sorted(e["id"] for e in trucks)),
        (Candidates(attrs=frozenset({SPEED, TEMPERATURE})), sorted(e["id"] for e in trucks)),
    ]
    for candidates, expected in cases:
        assert await ids_of(store, candidates) == expected
        pages: list[str] = []
        after: str | None = None
        while True:
            page: list[str] = []
            paged = Candidates(types=candidates.types, attrs=candidates.attrs, after_id=after)
            async for entity in store.iter_entities("", paged):
                page.append(entity["id"])
                if len(page) == 97:
                    break
            if not page:
                break
            pages += page
            after = page[-1]
        assert pages == expected
        assert await store.count_entities("", candidates) == len(expected)


async def test_stream_during_writes_stays_ordered_without_duplicates(store: Store) -> None:
    await save(store, *(thing(f"urn:x:{i:04d}", n=i) for i in range(1500)))
    streamed: list[str] = []
    async for entity in store.iter_entities("", Candidates()):
        streamed.append(entity["id"])
        if len(streamed) == 10:  # write while the stream is open
            await save(store, thing("urn:x:9999", n=1), thing("urn:x:0000", n=2))
            await store.transact("", ["urn:x:1400"], delete("urn:x:1400"))
    assert streamed == sorted(set(streamed))
    untouched = {f"urn:x:{i:04d}" for i in range(1500)} - {"urn:x:1400"}
    assert untouched <= set(streamed)


async def test_count_is_an_upper_bound_of_the_stream(store: Store) -> None:
    await city(store)
    combos = [
        Candidates(),
        Candidates(types=frozenset({WASTE_CONTAINER}), attrs=frozenset({LOCATION})),
        Candidates(ids=frozenset({WC1, TRUCK}), after_id=WC1),
        Candidates(geo=GeoPrefilter(LOCATION, SEOUL), types=frozenset({VEHICLE})),
    ]
    for candidates in combos:
        assert await store.count_entities("", candidates) == len(await ids_of(store, candidates))


def _line(a: tuple[float, float], b: tuple[float, float]) -> dict[str, object]:
    return {"type": "LineString", "coordinates": [list(a), list(b)]}
