"""Entity representations (§4.5): parsing, validation and every output format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core.representation import (
    RenderOptions,
    parse_attributes,
    parse_entity,
    pick_language,
    render_entity,
    render_feature,
)
from dosi.errors import BadRequestData
from tests.conftest import reference
from tests.core.resolver import VOCAB, DictResolver

R = DictResolver()
NOW = "2026-11-25T00:00:00.000000Z"
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
INVALID_SDM = ["FloodMonitoring", "WaterObserved"]


def load(name: str) -> dict[str, Any]:
    path = reference("smart-data-models", name, "example-normalized.jsonld")
    body: dict[str, Any] = json.loads(path.read_text())
    body.pop("@context", None)
    return body


@pytest.mark.parametrize("name", VALID_SDM)
def test_smart_data_models_round_trip(name: str) -> None:
    body = load(name)
    entity = parse_entity(body, R, now=NOW)
    rendered = render_entity(entity, R, RenderOptions())
    assert rendered == body


@pytest.mark.parametrize("name", INVALID_SDM)
def test_invalid_smart_data_models_examples_are_rejected(name: str) -> None:
    with pytest.raises(BadRequestData):
        parse_entity(load(name), R, now=NOW)


def test_concise_input_equals_normalized() -> None:
    concise = {
        "id": "urn:ngsi-ld:Bin:1",
        "type": "Bin",
        "fill": 0.5,
        "status": {"value": "ok", "observedAt": "2026-11-25T00:00:00Z"},
        "owner": {"object": "urn:ngsi-ld:Org:1"},
        "location": {"type": "Point", "coordinates": [127.29, 36.48]},
        "name": {"languageMap": {"ko": "쓰레기통", "zh": "垃圾桶"}},
        "category": {"vocab": "recycling"},
        "history": {"valueList": [1, 2]},
        "cfg": {"json": {"a": 1}},
    }
    normalized = {
        "id": "urn:ngsi-ld:Bin:1",
        "type": "Bin",
        "fill": {"type": "Property", "value": 0.5},
        "status": {"type": "Property", "value": "ok", "observedAt": "2026-11-25T00:00:00Z"},
        "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Org:1"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [127.29, 36.48]},
        },
        "name": {"type": "LanguageProperty", "languageMap": {"ko": "쓰레기통", "zh": "垃圾桶"}},
        "category": {"type": "VocabProperty", "vocab": "recycling"},
        "history": {"type": "ListProperty", "valueList": [1, 2]},
        "cfg": {"type": "JsonProperty", "json": {"a": 1}},
    }
    assert parse_entity(concise, R, now=NOW) == parse_entity(normalized, R, now=NOW)
    entity = parse_entity(normalized, R, now=NOW)
    assert entity["attrs"][VOCAB + "category"][0]["vocab"] == VOCAB + "recycling"
    concise_out = render_entity(entity, R, RenderOptions(format="concise"))
    assert concise_out["fill"] == 0.5
    assert concise_out["location"] == {"type": "Point", "coordinates": [127.29, 36.48]}
    assert concise_out["owner"] == {"object": "urn:ngsi-ld:Org:1"}
    assert parse_entity(concise_out, R, now=NOW) == entity


def test_simplified_output() -> None:
    entity = parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "a": 1,
            "r": {"type": "Relationship", "object": "urn:y"},
            "m": [
                {"type": "Property", "value": 1},
                {"type": "Property", "value": 2, "datasetId": "urn:ds:2"},
            ],
            "n": {"type": "LanguageProperty", "languageMap": {"ko": "가", "en": "A"}},
        },
        R,
        now=NOW,
    )
    out = render_entity(entity, R, RenderOptions(format="simplified"))
    assert out == {
        "id": "urn:x:1",
        "type": "T",
        "a": 1,
        "r": "urn:y",
        "m": {"dataset": {"@none": 1, "urn:ds:2": 2}},
        "n": {"languageMap": {"ko": "가", "en": "A"}},
    }
    chosen = render_entity(entity, R, RenderOptions(format="simplified", lang="en"))
    assert chosen["n"] == "A"


def test_lang_selection_normalized() -> None:
    entity = parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "n": {"type": "LanguageProperty", "languageMap": {"ko": "세종", "zh-Hans": "世宗"}},
        },
        R,
        now=NOW,
    )
    out = render_entity(entity, R, RenderOptions(lang="zh"))
    assert out["n"] == {"type": "Property", "value": "世宗", "lang": "zh-Hans"}
    assert pick_language({"ko": "a", "en": "b"}, "fr,en;q=0.5") == ("en", "b")
    assert pick_language({"ko": "a", "@none": "x"}, "fr") == ("@none", "x")


def test_sys_attrs_projection_pick_omit() -> None:
    entity = parse_entity({"id": "urn:x:1", "type": "T", "a": 1, "b": 2}, R, now=NOW)
    full = render_entity(entity, R, RenderOptions(sys_attrs=True))
    assert full["createdAt"] == NOW and full["a"]["modifiedAt"] == NOW
    only_a = render_entity(entity, R, RenderOptions(attrs=frozenset({VOCAB + "a"})))
    assert set(only_a) == {"id", "type", "a"}
    picked = render_entity(
        entity, R, RenderOptions(pick=frozenset({"id", "b"}), attrs=frozenset({VOCAB + "b"}))
    )
    assert set(picked) == {"id", "b"}
    omitted = render_entity(entity, R, RenderOptions(omit=frozenset({"type", "a"})))
    assert set(omitted) == {"id", "b"}


def test_feature() -> None:
    entity = parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "a": 1,
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}},
        },
        R,
        now=NOW,
    )
    feature = render_feature(
        entity, R, RenderOptions(format="simplified"), "https://uri.etsi.org/ngsi-ld/location"
    )
    assert feature == {
        "id": "urn:x:1",
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [1, 2]},
        "properties": {"type": "T", "a": 1, "location": {"type": "Point", "coordinates": [1, 2]}},
    }


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"type": "T"},
        {"id": "no uri", "type": "T"},
        {"id": "urn:x:1"},
        {"id": "urn:x:1", "type": []},
        {"id": "urn:x:1", "type": 3},
        {"id": "urn:x:1", "type": "T", "a": None},
        {"id": "urn:x:1", "type": "T", "bad name": 1},
        {"id": "urn:x:1", "type": "T", "a=b": 1},
        {"id": "urn:x:1", "type": "T", "a": {"type": "Property"}},
        {"id": "urn:x:1", "type": "T", "a": {"type": "Relationship", "object": "not a uri"}},
        {"id": "urn:x:1", "type": "T", "a": {"type": "Wrong", "value": 1}},
        {
            "id": "urn:x:1",
            "type": "T",
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [500, 1]},
            },
        },
        {
            "id": "urn:x:1",
            "type": "T",
            "a": {"type": "Property", "value": 1, "observedAt": "yesterday"},
        },
        {"id": "urn:x:1", "type": "T", "a": {"type": "Property", "value": 1, "datasetId": "x y"}},
        {
            "id": "urn:x:1",
            "type": "T",
            "a": [{"type": "Property", "value": 1}, {"type": "Property", "value": 2}],
        },
        {
            "id": "urn:x:1",
            "type": "T",
            "a": {"type": "LanguageProperty", "languageMap": {"k o": 1}},
        },
        {"id": "urn:x:1", "type": "T", "a": "urn:ngsi-ld:null"},
        {"id": "urn:x:1", "type": "T", "scope": "no-slash"},
    ],
)
def test_invalid_entities(body: Any) -> None:
    with pytest.raises(BadRequestData):
        parse_entity(body, R, now=NOW)


def test_null_only_in_merges() -> None:
    attrs = parse_attributes({"a": "urn:ngsi-ld:null"}, R, now=NOW, allow_null=True)
    assert attrs[VOCAB + "a"][0]["value"] == "urn:ngsi-ld:null"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
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
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_entity_never_crashes(body: Any) -> None:
    try:
        entity = parse_entity(body, R, now=NOW)
    except BadRequestData:
        return
    render_entity(entity, R, RenderOptions())
    render_entity(entity, R, RenderOptions(format="concise"))
    render_entity(entity, R, RenderOptions(format="simplified"))
