"""Entity representations (ETSI GS CIM 009 §4.5): parsing, validation, every output format.

The implementation lives in ``dosi.core._parse`` / ``_render`` / ``_lang``; cases marked
"TP x" mirror the ETSI test suite (marek-mraz/ngsi-ld-test-suite) test purposes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core._lang import pick_language
from dosi.core._parse import MAX_DEPTH, parse_attributes, parse_entity, parse_instance
from dosi.core._render import RenderOptions, render_entity, render_feature
from dosi.core._validate import NULL, is_datetime, is_iri, is_name, is_scope
from dosi.errors import BadRequestData, InvalidRequest
from tests.conftest import reference
from tests.core.resolver import VOCAB, DictResolver

PREFIXES = {"xsd": "http://www.w3.org/2001/XMLSchema#"}


class PrefixResolver(DictResolver):
    """DictResolver plus compact IRIs (``xsd:double``), like a JSON-LD prefix definition."""

    def expand(self, term: str) -> str:
        prefix, colon, rest = term.partition(":")
        if colon and prefix in PREFIXES:
            return PREFIXES[prefix] + rest
        return super().expand(term)

    def compact(self, iri: str) -> str:
        for prefix, base in PREFIXES.items():
            if iri.startswith(base):
                return f"{prefix}:{iri[len(base) :]}"
        return super().compact(iri)


R = PrefixResolver({"Vehicle": "https://example.org/Vehicle"})
NOW = "2026-11-25T00:00:00.000000Z"
LOC = "https://uri.etsi.org/ngsi-ld/location"
VALID_SDM = [
    "AirQualityObserved",
    "Alert",
    "Device",
    "ParkingSpot",
    "Streetlight",
    "TrafficFlowObserved",
    "WasteContainer",
    "WaterQualityObserved",
    "WeatherObserved",
]
#: Known invalid (shared/reference/README.md): "type": "string" attributes, and a
#: Relationship whose object is a timestamp.
INVALID_SDM = ["FloodMonitoring", "WaterObserved"]
NORMALIZED = RenderOptions()
CONCISE = RenderOptions(format="concise")
SIMPLIFIED = RenderOptions(format="simplified")


def sdm(name: str) -> dict[str, Any]:
    path = reference("smart-data-models", name, "example-normalized.jsonld")
    body: dict[str, Any] = json.loads(path.read_text())
    body.pop("@context", None)
    return body


def entity(**attrs: Any) -> dict[str, Any]:
    return parse_entity({"id": "urn:ngsi-ld:T:1", "type": "T", **attrs}, R, now=NOW)


def attr(body: dict[str, Any], name: str) -> Any:
    return body["attrs"][VOCAB + name]


def rendered(options: RenderOptions = NORMALIZED, **attrs: Any) -> dict[str, Any]:
    return render_entity(entity(**attrs), R, options)


# -- Smart Data Models --------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID_SDM)
def test_smart_data_models_round_trip(name: str) -> None:
    body = sdm(name)
    parsed = parse_entity(body, R, now=NOW)
    assert render_entity(parsed, R, NORMALIZED) == body
    concise = render_entity(parsed, R, CONCISE)
    assert parse_entity(concise, R, now=NOW) == parsed  # concise is lossless


@pytest.mark.parametrize("name", VALID_SDM)
def test_smart_data_models_simplified(name: str) -> None:
    body = sdm(name)
    simple = render_entity(parse_entity(body, R, now=NOW), R, SIMPLIFIED)
    assert simple.keys() == body.keys()
    for key, value in body.items():
        if isinstance(value, dict):
            assert simple[key] == value.get("value", value.get("object"))


@pytest.mark.parametrize("name", INVALID_SDM)
def test_invalid_smart_data_models_examples_are_rejected(name: str) -> None:
    with pytest.raises(BadRequestData):
        parse_entity(sdm(name), R, now=NOW)


def test_timezone_less_datetime_values_are_just_values() -> None:
    """AirQualityObserved/TrafficFlowObserved carry DateTime *values* without a zone. A
    Property value is user data (a JSON-LD typed value is kept verbatim), so it is
    accepted; only the NGSI-LD temporal members (observedAt ...) must be UTC (§4.6.3)."""
    for name in ("AirQualityObserved", "TrafficFlowObserved"):
        parsed = parse_entity(sdm(name), R, now=NOW)
        value = attr(parsed, "dateObserved")[0]["value"]
        assert not str(value).endswith("Z")
    typed = {"@type": "DateTime", "@value": "2016-12-07T11:10:00"}
    assert rendered(d={"type": "Property", "value": typed})["d"]["value"] == typed
    assert rendered(SIMPLIFIED, d={"type": "Property", "value": typed})["d"] == typed
    with pytest.raises(BadRequestData, match="observedAt"):
        entity(d={"type": "Property", "value": 1, "observedAt": "2016-12-07T11:10:00"})


# -- concise input ------------------------------------------------------------------------

CONCISE_VS_NORMALIZED: list[tuple[str, Any, dict[str, Any]]] = [
    ("bare number", 0.5, {"type": "Property", "value": 0.5}),
    ("bare string", "ok", {"type": "Property", "value": "ok"}),
    ("bare list", [1, 2], {"type": "Property", "value": [1, 2]}),
    ("bare object", {"a": {"b": 1}}, {"type": "Property", "value": {"a": {"b": 1}}}),
    (
        "value with metadata",
        {"value": "ok", "observedAt": "2026-11-25T00:00:00Z", "unitCode": "C62"},
        {
            "type": "Property",
            "value": "ok",
            "observedAt": "2026-11-25T00:00:00Z",
            "unitCode": "C62",
        },
    ),
    (
        "bare geometry",
        {"type": "Point", "coordinates": [127.29, 36.48]},
        {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [127.29, 36.48]}},
    ),
    (
        "geometry in value",
        {"value": {"type": "Point", "coordinates": [1.0, 2.0]}},
        {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1.0, 2.0]}},
    ),
    (
        "relationship",
        {"object": "urn:ngsi-ld:Org:1", "objectType": "Org"},
        {"type": "Relationship", "object": "urn:ngsi-ld:Org:1", "objectType": "Org"},
    ),
    (
        "language map",
        {"languageMap": {"ko": "쓰레기통", "zh": "垃圾桶"}},
        {"type": "LanguageProperty", "languageMap": {"ko": "쓰레기통", "zh": "垃圾桶"}},
    ),
    ("vocab", {"vocab": "recycling"}, {"type": "VocabProperty", "vocab": "recycling"}),
    ("value list", {"valueList": [1, 2]}, {"type": "ListProperty", "valueList": [1, 2]}),
    (
        "object list",
        {"objectList": ["urn:a:1", {"object": "urn:a:2"}]},
        {"type": "ListRelationship", "objectList": [{"object": "urn:a:1"}, {"object": "urn:a:2"}]},
    ),
    (
        "json",
        {"json": {"id": "x", "type": "raw"}},
        {"type": "JsonProperty", "json": {"id": "x", "type": "raw"}},
    ),
    (
        "sub-attributes",
        {"value": 1, "source": "gps", "by": {"object": "urn:p:1"}},
        {
            "type": "Property",
            "value": 1,
            "source": {"type": "Property", "value": "gps"},
            "by": {"type": "Relationship", "object": "urn:p:1"},
        },
    ),
]


@pytest.mark.parametrize(("case", "concise", "normalized"), CONCISE_VS_NORMALIZED)
def test_concise_input_equals_normalized(case: str, concise: Any, normalized: Any) -> None:
    assert entity(a=concise) == entity(a=normalized), case
    assert rendered(a=concise)["a"] == normalized, case


def test_tp_452_02_concise_creation_round_trips_to_normalized_types() -> None:
    body = render_entity(
        parse_entity(
            {
                "id": "urn:ngsi-ld:Vehicle:1",
                "type": "Vehicle",
                "speed": 55,
                "location": {"type": "Point", "coordinates": [8.0, 49.0]},
                "area": {"value": {"type": "Point", "coordinates": [1.0, 2.0]}},
                "brandName": {"value": "Volvo", "observedAt": "2026-01-01T00:00:00Z"},
                "isParked": {"object": "urn:ngsi-ld:OffStreetParking:1"},
            },
            R,
            now=NOW,
        ),
        R,
        NORMALIZED,
    )
    kinds = {k: v["type"] for k, v in body.items() if isinstance(v, dict)}
    assert kinds == {
        "speed": "Property",
        "location": "GeoProperty",
        "area": "GeoProperty",
        "brandName": "Property",
        "isParked": "Relationship",
    }
    assert body["brandName"]["observedAt"] == "2026-01-01T00:00:00Z"


def test_string_encoded_geometry_is_decoded() -> None:
    """TP 471_01_01 (§4.7.2): a GeoProperty value may be a JSON string of a geometry."""
    point = {"type": "Point", "coordinates": [17.1, 48.7]}
    geo = rendered(location={"type": "GeoProperty", "value": json.dumps(point)})["location"]
    assert geo == {"type": "GeoProperty", "value": point}


def test_multi_instance_attributes_and_datasets() -> None:
    """TP 455_01_01: datasetId "@none" is the default instance, never echoed."""
    parsed = entity(
        speed=[
            {"type": "Property", "value": 55, "datasetId": "@none"},
            {"value": 11, "datasetId": "urn:ngsi-ld:Dataset:gps"},
        ]
    )
    instances = attr(parsed, "speed")
    assert [i.get("datasetId") for i in instances] == [None, "urn:ngsi-ld:Dataset:gps"]
    out = render_entity(parsed, R, NORMALIZED)["speed"]
    assert out == [
        {"type": "Property", "value": 55},
        {"type": "Property", "value": 11, "datasetId": "urn:ngsi-ld:Dataset:gps"},
    ]
    assert render_entity(parsed, R, CONCISE)["speed"] == [
        {"value": 55},
        {"value": 11, "datasetId": "urn:ngsi-ld:Dataset:gps"},
    ]
    assert render_entity(parsed, R, SIMPLIFIED)["speed"] == {
        "dataset": {"@none": 55, "urn:ngsi-ld:Dataset:gps": 11}
    }


def test_two_terms_for_one_iri_are_one_attribute() -> None:
    parsed = entity(
        location={"type": "Point", "coordinates": [1, 2]},
        **{
            LOC: {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [3, 4]},
                "datasetId": "urn:d:1",
            }
        },
    )
    assert len(parsed["attrs"][LOC]) == 2
    with pytest.raises(BadRequestData, match="twice"):
        entity(
            location={"type": "Point", "coordinates": [1, 2]},
            **{LOC: {"type": "Point", "coordinates": [3, 4]}},
        )


def test_stamps_system_attributes_everywhere() -> None:
    parsed = entity(a={"value": 1, "s": {"value": 2, "t": 3}})
    instance = attr(parsed, "a")[0]
    sub = instance[VOCAB + "s"]
    assert parsed["createdAt"] == parsed["modifiedAt"] == NOW
    for item in (instance, sub, sub[VOCAB + "t"]):
        assert item["createdAt"] == item["modifiedAt"] == NOW


def test_input_system_attributes_and_context_are_ignored() -> None:
    parsed = parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "@context": "https://example.org/ctx.jsonld",
            "createdAt": "2000-01-01T00:00:00Z",
            "a": {"value": 1, "createdAt": "2000-01-01T00:00:00Z", "instanceId": "urn:i:1"},
        },
        R,
        now=NOW,
    )
    assert parsed["createdAt"] == NOW and attr(parsed, "a")[0]["createdAt"] == NOW
    assert "instanceId" not in attr(parsed, "a")[0]


def test_names_are_expanded_and_core_members_stay_short() -> None:
    parsed = parse_entity(
        {
            "id": "urn:x:1",
            "type": ["Vehicle", "T"],
            "c": {
                "type": "VocabProperty",
                "vocab": ["xsd:string", "plain"],
                "observedAt": "2026-01-01T00:00:00.123Z",
            },
            "r": {"type": "Relationship", "object": "urn:o:1", "objectType": "Vehicle"},
            "v": {"type": "Property", "value": 1.5, "valueType": "xsd:double"},
        },
        R,
        now=NOW,
    )
    assert parsed["type"] == ["https://example.org/Vehicle", VOCAB + "T"]
    assert attr(parsed, "c")[0]["vocab"] == [
        "http://www.w3.org/2001/XMLSchema#string",
        VOCAB + "plain",
    ]
    assert attr(parsed, "c")[0]["observedAt"] == "2026-01-01T00:00:00.123Z"
    assert attr(parsed, "r")[0]["objectType"] == "https://example.org/Vehicle"
    assert attr(parsed, "v")[0]["valueType"] == "http://www.w3.org/2001/XMLSchema#double"
    out = render_entity(parsed, R, NORMALIZED)
    assert out["type"] == ["Vehicle", "T"]
    assert out["c"]["vocab"] == ["xsd:string", "plain"]
    assert out["r"]["objectType"] == "Vehicle"
    assert out["v"]["valueType"] == "xsd:double"


# -- accepted and rejected input ------------------------------------------------------------

VALID_ATTRIBUTES: list[tuple[str, Any]] = [
    ("unicode name", {"výška_1": {"type": "Property", "value": 7}}),  # TP 462_01_03
    ("korean name", {"높이": 1}),
    ("prefixed name", {"ex:speed": 1}),
    ("hyphen (SDM N-TOT)", {"N-TOT": 1}),
    ("IRI name", {"https://example.org/speed": 1}),
    ("SDM Device has 'value'", {"value": {"type": "Property", "value": "x"}}),
    ("IRI object", {"r": {"type": "Relationship", "object": "urn:ngsi-ld:Ciudad:París"}}),
    ("object array", {"r": {"type": "Relationship", "object": ["urn:a:1", "urn:a:2"]}}),
    ("legal valueType", {"s": {"type": "Property", "value": 1, "valueType": "xsd:double"}}),
    ("legal objectType", {"r": {"type": "Relationship", "object": "urn:a:1", "objectType": "P"}}),
    (
        "langString",
        {
            "n": {
                "type": "LanguageProperty",
                "languageMap": {"en": "a", "sk": ["b", "c"]},
                "valueType": "langString",
            }
        },
    ),
    ("@none language", {"n": {"type": "LanguageProperty", "languageMap": {"@none": "x"}}}),
    ("json array", {"j": {"type": "JsonProperty", "json": [{"id": "1"}, {"id": "2"}]}}),
    ("json with null", {"j": {"type": "JsonProperty", "json": {"null": None}}}),
    ("markup in a value", {"note": "<script>alert('x')</script> \"q\" = ; ( )"}),  # TP 464
    ("comma fraction", {"a": {"value": 1, "observedAt": "2026-01-01T00:00:00,5Z"}}),
    ("expiresAt", {"a": {"value": 1, "expiresAt": "2030-01-01T00:00:00Z"}}),
    ("empty value list", {"l": {"type": "ListProperty", "valueList": []}}),
    ("nested sub-attributes", {"a": {"value": 1, "b": {"value": 2, "c": {"value": 3}}}}),
    (
        "ngsildproof",  # TP 452_03_01
        {
            "ngsildproof": {
                "type": "Property",
                "entityIdSealed": "urn:ngsi-ld:T:1",
                "entityTypeSealed": "T",
                "value": {"type": "DataIntegrityProof", "proofValue": "z"},
            }
        },
    ),
]


@pytest.mark.parametrize(("case", "attrs"), VALID_ATTRIBUTES)
def test_valid_attributes_are_accepted_and_round_trip(case: str, attrs: dict[str, Any]) -> None:
    parsed = entity(**attrs)
    for options in (NORMALIZED, CONCISE):
        assert parse_entity(render_entity(parsed, R, options), R, now=NOW) == parsed, case


def test_ngsildproof_renders_sealed_members_as_bare_strings() -> None:
    out = rendered(ngsildproof=VALID_ATTRIBUTES[-1][1]["ngsildproof"])["ngsildproof"]
    assert out["entityIdSealed"] == "urn:ngsi-ld:T:1" and out["entityTypeSealed"] == "T"


INVALID_BODIES: list[tuple[str, Any]] = [
    ("not an object", []),
    ("no id", {"type": "T"}),
    ("id not a URI", {"id": "no uri", "type": "T"}),
    ("id without scheme", {"id": "thisisaninvaliduri", "type": "T"}),
    ("id is a number", {"id": 5, "type": "T"}),
    ("id is the null", {"id": NULL, "type": "T"}),  # TP 554_01_01
    ("id with RLO", {"id": "urn:ngsi-ld:V:A\u202eB", "type": "T"}),  # TP 451_02
    ("id with zero width space", {"id": "urn:ngsi-ld:V:A\u200bB", "type": "T"}),
    ("id with BOM", {"id": "urn:ngsi-ld:V:A\ufeffB", "type": "T"}),
    ("id with no-break space", {"id": "urn:ngsi-ld:V:A\u00a0B", "type": "T"}),
    ("id with markup", {"id": "urn:ngsi-ld:V:A<B", "type": "T"}),
    ("id with variation selector", {"id": "urn:ngsi-ld:V:A\ufe0fB", "type": "T"}),
    ("id with noncharacter", {"id": "urn:ngsi-ld:V:A\ufdd0B", "type": "T"}),
    ("id with hangul filler", {"id": "urn:ngsi-ld:V:A\u3164B", "type": "T"}),
    ("id with braille blank", {"id": "urn:ngsi-ld:V:A\u2800B", "type": "T"}),
    ("no type", {"id": "urn:x:1"}),
    ("empty type list", {"id": "urn:x:1", "type": []}),
    ("type not a string", {"id": "urn:x:1", "type": 3}),
    ("type list with a number", {"id": "urn:x:1", "type": ["T", 3]}),
    ("type starts with a digit", {"id": "urn:x:1", "type": "9Vehicle"}),  # TP 462_01_02
    ("JSON-LD keyword", {"id": "urn:x:1", "type": "T", "@id": "urn:x:2"}),
    ("scope without slash", {"id": "urn:x:1", "type": "T", "scope": "no-slash"}),
    ("scope null", {"id": "urn:x:1", "type": "T", "scope": NULL}),  # TP 554_01_01
    ("scope empty list", {"id": "urn:x:1", "type": "T", "scope": []}),
    ("scope with space", {"id": "urn:x:1", "type": "T", "scope": "/a b"}),
]
INVALID_ATTRIBUTES: list[tuple[str, Any]] = [
    ("null", None),
    ("NGSI-LD Null on create", NULL),  # TP 521_01_01
    ("null in a value object", {"type": "Property", "value": {"country": NULL}}),  # TP 554_01_02
    ("null deep in a value", {"type": "Property", "value": {"geo": {"country": NULL}}}),
    ("null in a value list", [1, NULL]),
    (
        "null sub-attribute",
        {"type": "Property", "value": 1, "sub": {"type": "Property", "value": NULL}},
    ),
    ("null relationship", {"type": "Relationship", "object": NULL}),  # TP 521_01_02
    (
        "null language map",
        {"type": "LanguageProperty", "languageMap": {"@none": NULL}},
    ),  # 465_01_02
    ("null value list", {"type": "ListProperty", "valueList": [NULL]}),
    ("Property without value", {"type": "Property"}),
    ("Property with object", {"type": "Property", "value": 1, "object": "urn:o:1"}),  # 452_01_01
    ("Property with languageMap", {"type": "Property", "value": 1, "languageMap": {"en": "x"}}),
    ("Property with valueList", {"type": "Property", "value": 1, "valueList": [1]}),
    ("Property with previousValue", {"type": "Property", "value": 1, "previousValue": 0}),
    ("Property with entityIdSealed", {"type": "Property", "value": 1, "entityIdSealed": "urn:x"}),
    ("Property with objectType", {"type": "Property", "value": 1, "objectType": "T"}),
    ("Property with entity", {"type": "Property", "value": 1, "entity": {}}),
    ("unknown type", {"type": "Wrong", "value": 1}),
    ("type not a string", {"type": 5, "value": 1}),
    ("value null", {"type": "Property", "value": None}),
    ("two value members", {"value": 1, "object": "urn:o:1"}),
    (
        "embedded @context",
        {"type": "Property", "value": 1, "@context": {"a": "https://e/a"}},
    ),  # 451_01_04
    ("JSON-LD keyword member", {"type": "Property", "value": 1, "@id": "urn:x"}),
    ("Relationship not a URI", {"type": "Relationship", "object": "not a uri"}),
    ("Relationship empty list", {"type": "Relationship", "object": []}),
    ("Relationship number", {"type": "Relationship", "object": 5}),
    (
        "Relationship unitCode",
        {"type": "Relationship", "object": "urn:o:1", "unitCode": "MTR"},
    ),  # 453
    ("Relationship value", {"type": "Relationship", "object": "urn:o:1", "value": 42}),
    (
        "Relationship previousObject",
        {"type": "Relationship", "object": "urn:o:1", "previousObject": "urn:o:0"},
    ),
    ("concise relationship with unitCode", {"object": "urn:o:1", "unitCode": "MTR"}),
    (
        "GeoProperty invalid coordinates",
        {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [500, 1]}},
    ),
    (
        "GeometryCollection",
        {"type": "GeoProperty", "value": {"type": "GeometryCollection", "geometries": []}},
    ),
    ("bare GeometryCollection", {"type": "GeometryCollection", "geometries": []}),
    (
        "unparseable geometry string",
        {"type": "GeoProperty", "value": "not a geometry"},
    ),  # 471_01_02
    ("geometry string of a number", {"type": "GeoProperty", "value": "5"}),
    (
        "open polygon",
        {
            "type": "GeoProperty",
            "value": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        },
    ),
    ("observedAt not a date", {"type": "Property", "value": 1, "observedAt": "yesterday"}),
    (
        "observedAt with offset",
        {"type": "Property", "value": 1, "observedAt": "2026-08-10T12:00:00+02:00"},
    ),  # 463
    (
        "observedAt bad month",
        {"type": "Property", "value": 1, "observedAt": "2026-13-10T12:00:00Z"},
    ),
    (
        "observedAt 7 fraction digits",
        {"type": "Property", "value": 1, "observedAt": "2026-01-10T12:00:00.1234567Z"},
    ),
    ("observedAt date only", {"type": "Property", "value": 1, "observedAt": "2026-01-10"}),
    ("datasetId not a URI", {"type": "Property", "value": 1, "datasetId": "x y"}),
    ("datasetId null", {"type": "Property", "value": 1, "datasetId": NULL}),
    ("unitCode empty", {"type": "Property", "value": 1, "unitCode": ""}),
    ("unitCode number", {"type": "Property", "value": 1, "unitCode": 5}),
    ("two default instances", [{"type": "Property", "value": 1}, {"type": "Property", "value": 2}]),
    (
        "absent and @none defaults",
        [{"type": "Property", "value": 1}, {"value": 2, "datasetId": "@none"}],
    ),  # 455
    (
        "duplicate datasetId",
        [{"value": 1, "datasetId": "urn:d:a"}, {"value": 2, "datasetId": "urn:d:a"}],
    ),
    ("instances mixed with values", [{"type": "Property", "value": 1}, 5]),
    ("languageMap not an object", {"type": "LanguageProperty", "languageMap": "x"}),
    ("languageMap empty", {"type": "LanguageProperty", "languageMap": {}}),
    ("languageMap bad tag", {"type": "LanguageProperty", "languageMap": {"k o": "x"}}),
    ("languageMap empty tag", {"type": "LanguageProperty", "languageMap": {"": "x"}}),  # 5232_01_05
    ("languageMap number", {"type": "LanguageProperty", "languageMap": {"en": 5}}),  # 465_01_03
    ("languageMap mixed array", {"type": "LanguageProperty", "languageMap": {"en": ["a", 5]}}),
    ("LanguageProperty without map", {"type": "LanguageProperty"}),  # 5232_01_06
    (
        "LanguageProperty xsd valueType",
        {"type": "LanguageProperty", "languageMap": {"en": "x"}, "valueType": "xsd:string"},
    ),
    (
        "LanguageProperty with value",
        {"type": "LanguageProperty", "languageMap": {"en": "x"}, "value": "x"},
    ),
    (
        "LanguageProperty with unitCode",
        {"type": "LanguageProperty", "languageMap": {"en": "x"}, "unitCode": "M"},
    ),
    ("vocab number", {"type": "VocabProperty", "vocab": 5}),
    ("vocab empty list", {"type": "VocabProperty", "vocab": []}),
    ("vocab with unitCode", {"type": "VocabProperty", "vocab": "a", "unitCode": "M"}),
    ("valueList not a list", {"type": "ListProperty", "valueList": 5}),
    (
        "ListProperty with value",
        {"type": "ListProperty", "valueList": [1.2], "value": 3},
    ),  # 4522_01_03
    ("valueList with null", {"type": "ListProperty", "valueList": [1, None]}),
    (
        "objectList not a URI",
        {"type": "ListRelationship", "objectList": ["not a uri"]},
    ),  # 4522_01_02
    ("objectList not a list", {"type": "ListRelationship", "objectList": "urn:a:1"}),
    ("json scalar", {"type": "JsonProperty", "json": 5}),  # 4524_01_04
    (
        "json with unitCode",
        {"type": "JsonProperty", "json": {"a": 1}, "unitCode": "MTR"},
    ),  # 4524_01_02
    ("json with value", {"type": "JsonProperty", "json": {"a": 1}, "value": 1}),  # 4524_01_03
    ("sub-attribute bad name", {"type": "Property", "value": 1, "a b": 1}),
    (
        "sub-attribute with instances",
        {"type": "Property", "value": 1, "s": [{"value": 1}, {"value": 2}]},
    ),
]


@pytest.mark.parametrize(("case", "body"), INVALID_BODIES)
def test_invalid_entities_are_rejected(case: str, body: Any) -> None:
    with pytest.raises(BadRequestData):
        parse_entity(body, R, now=NOW)


@pytest.mark.parametrize(("case", "raw"), INVALID_ATTRIBUTES)
def test_invalid_attributes_are_rejected(case: str, raw: Any) -> None:
    with pytest.raises(BadRequestData):
        entity(probe=raw)


@pytest.mark.parametrize(
    "name",
    [
        "datasetId",
        "instanceId",
        "observedAt",
        "unitCode",
        "createdAt",
        "a b",
        "a=b",
        "a;b",
        "a(b)",
        "a<b",
        "a'b",
        'a"b',
        "1a",
        "",
        "_a",
        "a:",
        ":a",
        "a.b",
        "a\tb",
    ],
)
def test_invalid_attribute_names(name: str) -> None:
    """TP 451_01 (core non-reified terms), TP 462_01_01 (§4.6.2 characters)."""
    body = {"id": "urn:x:1", "type": "T", name: {"type": "Property", "value": 1}}
    if name == "createdAt":  # a system attribute at entity level: ignored, not an error
        assert parse_entity(body, R, now=NOW)["attrs"] == {}
        return
    with pytest.raises(BadRequestData):
        parse_entity(body, R, now=NOW)


@pytest.mark.parametrize(
    ("location", "ok"),
    [
        ({"type": "Property", "value": 7}, False),  # TP 471_01_03
        ("somewhere", False),
        ({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}}, True),
    ],
)
def test_core_geoproperties_must_be_geoproperties(location: Any, ok: bool) -> None:
    if ok:
        assert entity(location=location)["attrs"][LOC][0]["type"] == "GeoProperty"
    else:
        with pytest.raises(BadRequestData, match="GeoProperty"):
            entity(location=location)


def test_ngsildproof_rules() -> None:
    """TP 452_03_02/03: sealed members only in ngsildproof, proof value an object."""
    with pytest.raises(BadRequestData):
        entity(ngsildproof={"type": "Property", "value": "not-a-proof-object"})
    with pytest.raises(BadRequestData):
        entity(ngsildproof={"type": "Property", "value": {}, "entityTypeSealed": 42})
    with pytest.raises(BadRequestData):
        entity(speed={"type": "Property", "value": 1, "entityIdSealed": "urn:x:1"})


def test_sub_attribute_depth_is_bounded() -> None:
    raw: Any = 1
    for _ in range(MAX_DEPTH + 2):
        raw = {"value": 1, "s": raw}
    with pytest.raises(BadRequestData, match="deeply"):
        entity(a=raw)


def test_error_messages_name_the_attribute() -> None:
    with pytest.raises(BadRequestData) as caught:
        entity(speed={"value": 1, "source": {"type": "Relationship", "object": "no"}})
    assert "speed.source" in caught.value.detail


# -- NGSI-LD Null by mode ---------------------------------------------------------------------

NULL_CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    # case, body, modes that accept it
    ("top-level bare null", {"a": NULL}, {"update", "patch", "merge"}),
    ("value null", {"a": {"type": "Property", "value": NULL}}, {"update", "patch", "merge"}),
    ("object null", {"a": {"type": "Relationship", "object": NULL}}, {"update", "patch", "merge"}),
    (
        "languageMap null",
        {"a": {"type": "LanguageProperty", "languageMap": {"@none": NULL}}},
        {"update", "patch", "merge"},
    ),
    (
        "valueList null",
        {"a": {"type": "ListProperty", "valueList": [NULL]}},
        {"update", "patch", "merge"},
    ),
    (
        "objectList null",
        {"a": {"type": "ListRelationship", "objectList": [{"object": NULL}]}},
        {"update", "patch", "merge"},
    ),
    ("sub-attribute null", {"a": {"type": "Property", "value": 1, "s": NULL}}, {"patch", "merge"}),
    ("observedAt null", {"a": {"value": 1, "observedAt": NULL}}, {"patch", "merge"}),
    ("null inside value object", {"a": {"value": {"k": NULL}}}, {"merge"}),
    ("null inside value array", {"a": {"value": {"k": [NULL]}}}, set()),
    ("datasetId null", {"a": {"value": 1, "datasetId": NULL}}, set()),  # TP 558_01_04
    # a type-less object is the value itself, unless it is a fragment (§4.5.2.3)
    ("object without value", {"a": {"unitCode": "CEL"}}, {"create", "update", "patch", "merge"}),
]


@pytest.mark.parametrize(("case", "body", "accepted"), NULL_CASES)
@pytest.mark.parametrize("mode", ["create", "update", "patch", "merge"])
def test_ngsi_ld_null_by_mode(
    case: str, body: dict[str, Any], accepted: set[str], mode: Any
) -> None:
    if mode in accepted:
        assert VOCAB + "a" in parse_attributes(body, R, now=NOW, mode=mode)
    else:
        with pytest.raises(BadRequestData):
            parse_attributes(body, R, now=NOW, mode=mode)


def test_object_without_value_is_a_value_or_a_fragment() -> None:
    body = {"a": {"unitCode": "CEL"}}
    assert parse_attributes(body, R, now=NOW)[VOCAB + "a"][0]["value"] == {"unitCode": "CEL"}
    fragment = parse_attributes(body, R, now=NOW, mode="patch")[VOCAB + "a"][0]
    assert fragment["unitCode"] == "CEL" and "value" not in fragment and "type" not in fragment


def test_allow_null_means_update_mode() -> None:
    parsed = parse_attributes({"a": NULL}, R, now=NOW, allow_null=True)
    assert parsed[VOCAB + "a"][0]["value"] == NULL
    with pytest.raises(BadRequestData):
        parse_attributes({"a": NULL}, R, now=NOW)


def test_fragments_keep_types_unwritten() -> None:
    """In patch/merge a type-less value carries no type (the existing one is kept)."""
    parsed = parse_attributes(
        {
            "a": 5,
            "b": {"value": 1},
            "c": {"object": "urn:c:1"},
            "d": {"type": "Property", "value": 2},
        },
        R,
        now=NOW,
        mode="merge",
    )
    assert "type" not in parsed[VOCAB + "a"][0] and "type" not in parsed[VOCAB + "b"][0]
    assert parsed[VOCAB + "c"][0]["type"] == "Relationship"
    assert parsed[VOCAB + "d"][0]["type"] == "Property"
    full = parse_attributes({"a": 5}, R, now=NOW, mode="update")
    assert full[VOCAB + "a"][0]["type"] == "Property"


def test_parse_instance() -> None:
    instance = parse_instance(
        VOCAB + "speed", {"value": 3, "observedAt": "2026-01-01T00:00:00Z"}, R, NOW
    )
    assert instance["type"] == "Property" and instance["observedAt"] == "2026-01-01T00:00:00Z"
    assert (
        parse_instance(LOC, {"type": "Point", "coordinates": [1, 2]}, R, NOW)["type"]
        == "GeoProperty"
    )
    with pytest.raises(BadRequestData):
        parse_instance(LOC, 5, R, NOW)


# -- output formats -------------------------------------------------------------------------

ALL_KINDS: dict[str, Any] = {
    "p": {"type": "Property", "value": 1, "unitCode": "C62", "observedAt": "2026-01-01T00:00:00Z"},
    "plain": {"type": "Property", "value": "x"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}},
    "geo_valued_property": {"type": "Property", "value": {"type": "Point", "coordinates": [1, 2]}},
    "typed_value": {"type": "Property", "value": {"type": "PostalAddress", "street": "x"}},
    "r": {"type": "Relationship", "object": "urn:o:1"},
    "n": {"type": "LanguageProperty", "languageMap": {"ko": "세종", "en": "Sejong"}},
    "v": {"type": "VocabProperty", "vocab": ["ex:a", "b"]},
    "l": {"type": "ListProperty", "valueList": [1, 2]},
    "lr": {"type": "ListRelationship", "objectList": ["urn:a:1", "urn:a:2"]},
    "j": {"type": "JsonProperty", "json": {"type": "raw", "value": 1}},
    "withsub": {"type": "Property", "value": 1, "s": {"type": "Property", "value": 2}},
}
EXPECTED: dict[str, dict[str, Any]] = {
    "normalized": {
        "p": ALL_KINDS["p"],
        "plain": ALL_KINDS["plain"],
        "location": ALL_KINDS["location"],
        "geo_valued_property": ALL_KINDS["geo_valued_property"],
        "typed_value": ALL_KINDS["typed_value"],
        "r": ALL_KINDS["r"],
        "n": ALL_KINDS["n"],
        "v": ALL_KINDS["v"],
        "l": ALL_KINDS["l"],
        "lr": {
            "type": "ListRelationship",
            "objectList": [{"object": "urn:a:1"}, {"object": "urn:a:2"}],
        },
        "j": ALL_KINDS["j"],
        "withsub": ALL_KINDS["withsub"],
    },
    "concise": {
        "p": {"value": 1, "unitCode": "C62", "observedAt": "2026-01-01T00:00:00Z"},
        "plain": "x",
        "location": {"type": "Point", "coordinates": [1, 2]},
        "geo_valued_property": ALL_KINDS["geo_valued_property"],  # keeps its type
        "typed_value": {"value": {"type": "PostalAddress", "street": "x"}},
        "r": {"object": "urn:o:1"},
        "n": {"languageMap": {"ko": "세종", "en": "Sejong"}},
        "v": {"vocab": ["ex:a", "b"]},
        "l": {"valueList": [1, 2]},
        "lr": {"objectList": ["urn:a:1", "urn:a:2"]},
        "j": {"json": {"type": "raw", "value": 1}},
        "withsub": {"value": 1, "s": 2},
    },
    "simplified": {
        "p": 1,
        "plain": "x",
        "location": {"type": "Point", "coordinates": [1, 2]},
        "geo_valued_property": {"type": "Point", "coordinates": [1, 2]},
        "typed_value": {"type": "PostalAddress", "street": "x"},
        "r": "urn:o:1",
        "n": {"languageMap": {"ko": "세종", "en": "Sejong"}},
        "v": {"vocab": ["ex:a", "b"]},
        "l": [1, 2],
        "lr": ["urn:a:1", "urn:a:2"],
        "j": {"json": {"type": "raw", "value": 1}},
        "withsub": 1,
    },
}


@pytest.mark.parametrize("fmt", ["normalized", "concise", "simplified"])
@pytest.mark.parametrize("name", list(ALL_KINDS))
def test_output_formats(fmt: Any, name: str) -> None:
    out = rendered(RenderOptions(format=fmt), **{name: ALL_KINDS[name]})
    assert out[name] == EXPECTED[fmt][name]
    if fmt != "simplified":  # normalized and concise are lossless
        assert parse_entity(out, R, now=NOW) == entity(**{name: ALL_KINDS[name]})


def test_entity_members() -> None:
    one = parse_entity({"id": "urn:x:1", "type": "T", "scope": "/Sejong/Hansol"}, R, now=NOW)
    two = parse_entity(
        {"id": "urn:x:1", "type": ["T", "U"], "scope": ["/A", "/B", "/A"]}, R, now=NOW
    )
    for options in (NORMALIZED, CONCISE, SIMPLIFIED):
        assert render_entity(one, R, options) == {
            "id": "urn:x:1",
            "type": "T",
            "scope": "/Sejong/Hansol",
        }
        assert render_entity(two, R, options) == {
            "id": "urn:x:1",
            "type": ["T", "U"],
            "scope": ["/A", "/B"],
        }


def test_unknown_iris_render_as_full_names() -> None:
    """§5.5.7: with no matching term, the fully qualified name is rendered."""
    parsed = parse_entity({"id": "urn:x:1", "type": "Vehicle", "speed": 1}, R, now=NOW)
    out = render_entity(parsed, DictResolver(), NORMALIZED)
    assert out["type"] == "https://example.org/Vehicle" and "speed" in out


def test_concise_is_never_bare_when_ambiguous() -> None:
    cases = {
        "looks_like_instances": [{"value": 1}],
        "object_with_value": {"value": 3},
        "object_with_type": {"type": "x"},
    }
    for name, value in cases.items():
        parsed = entity(**{name: {"type": "Property", "value": value}})
        out = render_entity(parsed, R, CONCISE)[name]
        assert out == {"value": value}, name
        assert parse_entity(render_entity(parsed, R, CONCISE), R, now=NOW) == parsed


def test_sys_attrs() -> None:
    parsed = entity(a={"value": 1, "s": 2}, m=[{"value": 1}, {"value": 2, "datasetId": "urn:d:2"}])
    plain = render_entity(parsed, R, NORMALIZED)
    assert (
        "createdAt" not in plain
        and "createdAt" not in plain["a"]
        and "createdAt" not in plain["a"]["s"]
    )
    full = render_entity(parsed, R, RenderOptions(sys_attrs=True))
    assert full["createdAt"] == full["modifiedAt"] == NOW
    assert full["a"]["createdAt"] == full["a"]["s"]["modifiedAt"] == NOW
    assert all(i["createdAt"] == NOW for i in full["m"])
    concise = render_entity(parsed, R, RenderOptions(format="concise", sys_attrs=True))
    assert concise["a"]["s"] == {"value": 2, "createdAt": NOW, "modifiedAt": NOW}
    simple = render_entity(parsed, R, RenderOptions(format="simplified", sys_attrs=True))
    assert simple["createdAt"] == NOW and simple["a"] == 1


def test_projection_pick_omit_and_datasets() -> None:
    parsed = entity(a=1, b=2, m=[{"value": 1}, {"value": 2, "datasetId": "urn:d:2"}])
    only_a = render_entity(parsed, R, RenderOptions(attrs=frozenset({VOCAB + "a"})))
    assert set(only_a) == {"id", "type", "a"}
    picked = render_entity(parsed, R, RenderOptions(pick=frozenset({"id", "b"})))
    assert set(picked) == {"id", "b"}
    both = render_entity(
        parsed, R, RenderOptions(pick=frozenset({"a", "b"}), attrs=frozenset({VOCAB + "a"}))
    )
    assert set(both) == {"a"}
    omitted = render_entity(parsed, R, RenderOptions(omit=frozenset({"type", "a"})))
    assert set(omitted) == {"id", "b", "m"}
    default_only = render_entity(parsed, R, RenderOptions(dataset_ids=frozenset({"@none"})))
    assert default_only["m"] == {"type": "Property", "value": 1}
    assert "a" in default_only
    by_id = render_entity(parsed, R, RenderOptions(dataset_ids=frozenset({"urn:d:2"})))
    assert set(by_id) == {"id", "type", "m"}


# -- Language Filter (§4.15) ------------------------------------------------------------------

STREET = {"fr": "Grand Place", "nl": "Grote Markt"}
REGIONAL = {"en-US": "Main Square", "de": "Hauptplatz"}


@pytest.mark.parametrize(
    ("language_map", "wanted", "tag"),
    [
        (STREET, "fr", "fr"),  # TP 018_07_01
        (STREET, "fr-CH,fr", "fr"),  # TP 018_07_02
        (STREET, "*", "fr"),  # TP 018_07_03: any language
        (STREET, "fr-CH,fr;q=0.9,en;q=0.8,*;q=0.5", "fr"),  # TP 018_07_04
        (STREET, "fr;q=0.2,nl;q=0.9", "nl"),  # TP 415_01_01: q beats position
        (STREET, "FR", "fr"),  # TP 415_01_02: case-insensitive
        (STREET, "nl-BE", "nl"),  # TP 415_01_03: range truncation
        (REGIONAL, "en", "en-US"),  # TP 415_01_04: longer tag under the range
        (REGIONAL, "EN-us", "en-US"),
        (STREET, "pt", "fr"),  # TP 415_01_05: falls back to some language
        ({"ko": "a", "@none": "x"}, "fr", "@none"),  # the default language first
        (STREET, "nl;q=0,fr", "fr"),  # q=0: not acceptable
        (STREET, "nl;q=oops,fr", "fr"),  # a broken q counts as 0
        (STREET, ",, ;", "fr"),
        ({"zh-Hant-TW": "臺", "zh": "中"}, "zh-Hant-HK", "zh"),
    ],
)
def test_pick_language(language_map: dict[str, Any], wanted: str, tag: str) -> None:
    assert pick_language(language_map, wanted) == (tag, language_map[tag])


def test_language_filter_in_every_format() -> None:
    street = {"type": "LanguageProperty", "languageMap": STREET}
    normalized = rendered(RenderOptions(lang="fr"), street=street)["street"]
    assert normalized == {"type": "Property", "value": "Grand Place", "lang": "fr"}  # TP 018_07
    concise = rendered(RenderOptions(format="concise", lang="nl"), street=street)["street"]
    assert concise == {"value": "Grote Markt", "lang": "nl"}
    simple = rendered(RenderOptions(format="simplified", lang="*"), street=street)["street"]
    assert simple == "Grand Place"  # TP 018_07_06
    nested = rendered(RenderOptions(lang="nl"), a={"value": 1, "label": street})["a"]["label"]
    assert nested == {"type": "Property", "value": "Grote Markt", "lang": "nl"}
    arrays = rendered(RenderOptions(lang="en"), n={"languageMap": {"en": ["a", "b"]}})["n"]
    assert arrays["value"] == ["a", "b"]


# -- GeoJSON (§4.5.16, §4.5.17) -----------------------------------------------------------------


def test_feature_normalized_and_simplified() -> None:
    point = {"type": "Point", "coordinates": [13.3986, 52.5547]}
    parsed = entity(
        name="Eiffel Tower",
        location={"type": "GeoProperty", "value": point},
        observationSpace={
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [11.1, 11.1]},
        },
    )
    simple = render_feature(parsed, R, SIMPLIFIED, LOC)
    assert simple == {
        "id": "urn:ngsi-ld:T:1",
        "type": "Feature",
        "geometry": point,
        "properties": {
            "type": "T",
            "name": "Eiffel Tower",
            "location": point,
            "observationSpace": {"type": "Point", "coordinates": [11.1, 11.1]},
        },
    }
    normal = render_feature(parsed, R, NORMALIZED, "https://uri.etsi.org/ngsi-ld/operationSpace")
    assert normal["geometry"] is None  # no such GeoProperty: null geometry
    assert normal["properties"]["location"] == {"type": "GeoProperty", "value": point}
    assert "id" not in normal["properties"]


def test_feature_geometry_instance_selection() -> None:
    a = {"type": "Point", "coordinates": [1, 1]}
    b = {"type": "Point", "coordinates": [2, 2]}
    parsed = entity(
        location=[{"value": a, "datasetId": "urn:d:a"}, {"type": "GeoProperty", "value": b}]
    )
    assert render_feature(parsed, R, SIMPLIFIED, LOC)["geometry"] == b
    assert render_feature(parsed, R, SIMPLIFIED, LOC, dataset_id="urn:d:a")["geometry"] == a
    only_dataset = entity(location={"value": a, "datasetId": "urn:d:a"})
    assert render_feature(only_dataset, R, SIMPLIFIED, LOC)["geometry"] is None
    not_geo = entity(area=5)
    assert render_feature(not_geo, R, SIMPLIFIED, VOCAB + "area")["geometry"] is None


# -- lexical checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("urn:ngsi-ld:T:1", True),
        ("urn:ngsi-ld::wastecontainer-Osuna-100", True),  # SDM Alert
        ("https://example.org/a?b=c#d", True),
        ("urn:ngsi-ld:Ciudad:París", True),
        ("urn:", False),
        ("nourn", False),
        ("1urn:x", False),
        ("urn:a b", False),
        ("urn:a\u200db", False),
        ("urn:a\u2028b", False),
        ("urn:a\x7fb", False),
        (5, False),
    ],
)
def test_is_iri(value: Any, ok: bool) -> None:
    assert is_iri(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-01-01T00:00:00Z", True),
        ("2026-01-01T00:00:00.000001Z", True),
        ("2024-02-29T23:59:59,5Z", True),
        ("2023-02-29T00:00:00Z", False),
        ("2026-01-01T24:00:00Z", False),
        ("2026-01-01T00:00:00", False),
        ("2026-01-01 00:00:00Z", False),
        ("2026-01-01T00:00Z", False),
        (20260101, False),
    ],
)
def test_is_datetime(value: Any, ok: bool) -> None:
    assert is_datetime(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("/A", True),
        ("/Sejong/Hansol", True),
        ("/세종/한솔", True),
        ("/A_1/B-2", True),
        ("A", False),
        ("/", False),
        ("/A/", False),
        ("/A//B", False),
        ("/1A", False),
        ("/A#", False),
    ],
)
def test_is_scope(value: str, ok: bool) -> None:
    assert is_scope(value) is ok


def test_is_name() -> None:
    assert is_name("Škola") and is_name("výška_1") and is_name("ex:speed")
    assert not is_name("9Vehicle") and not is_name("a b") and not is_name("")


# -- properties -----------------------------------------------------------------------------------

_KEYS = st.sampled_from(
    [
        "id",
        "type",
        "value",
        "object",
        "a",
        "b",
        "datasetId",
        "observedAt",
        "languageMap",
        "coordinates",
        "vocab",
        "valueList",
        "objectList",
        "json",
        "unitCode",
        "@context",
        "s",
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(
        [
            NULL,
            "urn:x:1",
            "Point",
            "Property",
            "Relationship",
            "GeoProperty",
            "LanguageProperty",
            "VocabProperty",
            "ListProperty",
            "ListRelationship",
            "JsonProperty",
            "T",
            "en",
            "@none",
            "2026-01-01T00:00:00Z",
        ]
    )
)
json_values = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=14,
)
entities = st.fixed_dictionaries(
    {"id": st.sampled_from(["urn:x:1", "urn:x:2"]), "type": st.sampled_from(["T", ["T", "U"]])},
    optional={"a": json_values, "b": json_values, "location": json_values, "scope": json_values},
)

_points = st.tuples(
    st.floats(min_value=-180, max_value=180), st.floats(min_value=-90, max_value=90)
).map(lambda p: {"type": "Point", "coordinates": list(p)})
_metadata = {
    "observedAt": st.just("2026-01-01T00:00:00Z"),
    "datasetId": st.sampled_from(["urn:d:1", "@none"]),
    "sub": _SCALARS,
}
attribute_values = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.just("Property"), "value": json_values}, optional=_metadata),
    st.fixed_dictionaries({"value": json_values}, optional=_metadata),
    st.fixed_dictionaries({"type": st.just("GeoProperty"), "value": _points}, optional=_metadata),
    st.fixed_dictionaries(
        {"object": st.sampled_from(["urn:a:1", ["urn:a:1", "urn:b:2"], "bad"])},
        optional={**_metadata, "objectType": st.sampled_from(["T", 5])},
    ),
    st.fixed_dictionaries(
        {
            "languageMap": st.dictionaries(
                st.sampled_from(["en", "ko", "zh-Hans", "@none", "bad tag"]),
                st.text(max_size=4) | st.lists(st.text(max_size=3), max_size=2),
                max_size=3,
            )
        },
        optional=_metadata,
    ),
    st.fixed_dictionaries({"vocab": st.sampled_from(["a", ["a", "xsd:b"], 5])}),
    st.fixed_dictionaries({"valueList": st.lists(_SCALARS, max_size=3)}, optional=_metadata),
    st.fixed_dictionaries(
        {"objectList": st.lists(st.sampled_from(["urn:a:1", {"object": "urn:a:2"}, "x"]))}
    ),
    st.fixed_dictionaries({"json": json_values}, optional=_metadata),
)
well_formed = st.fixed_dictionaries(
    {"id": st.just("urn:x:1"), "type": st.just("T")},
    optional={"a": attribute_values, "b": st.lists(attribute_values, max_size=3)},
)


def _check_outputs(parsed: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(parsed)
    for options in (
        NORMALIZED,
        CONCISE,
        SIMPLIFIED,
        RenderOptions(format="concise", lang="ko,en;q=0.5", sys_attrs=True),
        RenderOptions(format="simplified", lang="*"),
    ):
        render_entity(parsed, R, options)
    for options in (NORMALIZED, CONCISE):
        assert parse_entity(render_entity(parsed, R, options), R, now=NOW) == parsed
    assert parsed == snapshot  # rendering never changes the entity


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_parse_arbitrary_json_never_crashes(body: Any) -> None:
    try:
        parsed = parse_entity(body, R, now=NOW)
    except (BadRequestData, InvalidRequest):
        return
    _check_outputs(parsed)


@settings(max_examples=200, deadline=None)
@given(entities)
def test_parse_entity_shaped_json_never_crashes(body: dict[str, Any]) -> None:
    try:
        parsed = parse_entity(body, R, now=NOW)
    except (BadRequestData, InvalidRequest):
        return
    _check_outputs(parsed)


@settings(max_examples=200, deadline=None)
@given(well_formed)
def test_parse_well_formed_attributes_round_trip(body: dict[str, Any]) -> None:
    try:
        parsed = parse_entity(body, R, now=NOW)
    except (BadRequestData, InvalidRequest):
        return
    _check_outputs(parsed)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(_KEYS, json_values, max_size=4), st.sampled_from(["update", "patch", "merge"])
)
def test_parse_fragments_never_crash(body: dict[str, Any], mode: Any) -> None:
    try:
        parse_attributes(body, R, now=NOW, mode=mode)
    except (BadRequestData, InvalidRequest):
        return
