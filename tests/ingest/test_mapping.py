"""Measures → NGSI-LD attributes: types, unit conversion, ranges, kinds, metadata."""

from __future__ import annotations

from typing import Any

import pytest

from dosi.ingest.errors import ConversionFailed, OutOfRange, Refused
from dosi.ingest.mapping import build_attrs
from dosi.ingest.model import AttributeMapping
from dosi.ingest.registry import DeviceProfile, compile_mapping
from tests.core.resolver import VOCAB, DictResolver

NOW = "2026-11-25T01:00:00.000000Z"
OBSERVED = "2026-11-25T00:59:00.000000Z"


def profile(
    *mappings: dict[str, Any], explicit: bool = False, commands: tuple[str, ...] = ()
) -> DeviceProfile:
    ctx = DictResolver()
    compiled = [compile_mapping(AttributeMapping.model_validate(m), ctx) for m in mappings]
    return DeviceProfile(
        tenant="",
        device_id="d1",
        group_id="g",
        entity_id="urn:ngsi-ld:Thing:d1",
        entity_type=VOCAB + "Thing",
        protocol="JSON",
        transport="MQTT",
        ctx=ctx,  # type: ignore[arg-type]
        mappings={m.key: m for m in compiled},
        explicit_attrs=explicit,
        commands={c: VOCAB + c for c in commands},
        endpoint=None,
    )


def one(p: DeviceProfile, values: dict[str, Any], *, text: bool = False) -> dict[str, Any]:
    attrs = build_attrs(p, values, OBSERVED, NOW, text=text)
    assert len(attrs) == 1
    ((_, [instance]),) = attrs.items()
    return instance


def test_unmapped_measures_pass_through_with_metadata() -> None:
    attrs = build_attrs(
        profile(), {"t": 21.5, "s": "ok", "j": {"a": [1]}}, OBSERVED, NOW, text=False
    )
    assert attrs[VOCAB + "t"] == [
        {
            "type": "Property",
            "value": 21.5,
            "observedAt": OBSERVED,
            "createdAt": NOW,
            "modifiedAt": NOW,
        }
    ]
    assert attrs[VOCAB + "s"][0]["value"] == "ok"
    assert attrs[VOCAB + "j"][0]["value"] == {"a": [1]}


def test_ultralight_text_numbers_are_inferred() -> None:
    attrs = build_attrs(
        profile(),
        {"a": "40", "b": "23.1", "c": "1e2", "d": "abc", "e": "1.2.3"},
        OBSERVED,
        NOW,
        text=True,
    )
    assert [attrs[VOCAB + k][0]["value"] for k in "abcde"] == [40, 23.1, 100.0, "abc", "1.2.3"]


def test_mapping_renames_converts_and_sets_unit() -> None:
    p = profile(
        {
            "object_id": "t",
            "name": "temperature",
            "value_type": "Number",
            "expression": "value * 1.8 + 32",
            "unit_code": "FAH",
        }
    )
    attrs = build_attrs(p, {"t": "100"}, OBSERVED, NOW, text=True)
    (instance,) = attrs[VOCAB + "temperature"]
    assert instance["value"] == pytest.approx(212.0)
    assert instance["unitCode"] == "FAH"


def test_expression_reads_other_measures() -> None:
    p = profile({"object_id": "l", "name": "level", "expression": "mount - value / 100"})
    for values, text in (({"l": "312", "mount": "8"}, True), ({"l": 312, "mount": 8}, False)):
        attrs = build_attrs(p, values, OBSERVED, NOW, text=text)
        assert attrs[VOCAB + "level"][0]["value"] == pytest.approx(4.88)
        assert attrs[VOCAB + "mount"][0]["value"] == 8


@pytest.mark.parametrize(
    ("mapping", "raw", "error"),
    [
        ({"name": "x", "value_type": "Number", "max": 10}, 11, OutOfRange),
        ({"name": "x", "value_type": "Number", "min": 0}, "-1", OutOfRange),
        ({"name": "x", "value_type": "Number"}, "abc", ConversionFailed),
        ({"name": "x", "value_type": "Number"}, True, ConversionFailed),
        ({"name": "x", "value_type": "Number"}, "inf", ConversionFailed),
        ({"name": "x", "value_type": "Integer"}, "2.5", ConversionFailed),
        ({"name": "x", "value_type": "Boolean"}, "maybe", ConversionFailed),
        ({"name": "x", "value_type": "DateTime"}, "noon", ConversionFailed),
        ({"name": "x", "value_type": "Text"}, {"a": 1}, ConversionFailed),
        ({"name": "x", "value_type": "Json"}, "{bad", ConversionFailed),
        ({"name": "x", "expression": "value / missing"}, 1, ConversionFailed),
        ({"name": "x", "expression": "value / 0"}, 1, ConversionFailed),
        ({"name": "x", "type": "Relationship"}, "not a uri", ConversionFailed),
        ({"name": "x", "type": "GeoProperty", "value_type": "geo:point"}, "91,0", OutOfRange),
        ({"name": "x", "type": "GeoProperty", "value_type": "geo:point"}, "1;2", ConversionFailed),
        (
            {"name": "x", "type": "GeoProperty", "value_type": "geo:json"},
            {"type": "Point"},
            ConversionFailed,
        ),
    ],
)
def test_refusals(mapping: dict[str, Any], raw: Any, error: type[Refused]) -> None:
    with pytest.raises(error):
        build_attrs(profile(mapping), {"x": raw}, OBSERVED, NOW, text=isinstance(raw, str))


@pytest.mark.parametrize(
    ("mapping", "raw", "value"),
    [
        ({"name": "x", "value_type": "Integer"}, "40", 40),
        ({"name": "x", "value_type": "Boolean"}, "on", True),
        ({"name": "x", "value_type": "Boolean"}, False, False),
        ({"name": "x", "value_type": "Text"}, 12, "12"),
        ({"name": "x", "value_type": "Json"}, '{"a": 1}', {"a": 1}),
        (
            {"name": "x", "value_type": "DateTime"},
            "2026-01-01T09:00:00+09:00",
            "2026-01-01T00:00:00.000000Z",
        ),
    ],
)
def test_value_types(mapping: dict[str, Any], raw: Any, value: Any) -> None:
    assert one(profile(mapping), {"x": raw}, text=isinstance(raw, str))["value"] == value


def test_attribute_kinds() -> None:
    rel = one(profile({"name": "x", "type": "Relationship"}), {"x": "urn:ngsi-ld:Road:1"})
    assert rel["type"] == "Relationship"
    assert rel["object"] == "urn:ngsi-ld:Road:1"
    geo = one(
        profile({"name": "x", "type": "GeoProperty", "value_type": "geo:point"}),
        {"x": "36.48, 127.29"},
        text=True,
    )
    assert geo["value"] == {"type": "Point", "coordinates": [127.29, 36.48]}
    point = {"type": "Point", "coordinates": [114.05, 22.54]}
    assert (
        one(profile({"name": "x", "type": "GeoProperty", "value_type": "geo:json"}), {"x": point})[
            "value"
        ]
        == point
    )


def test_explicit_attrs_and_commands_are_not_stored() -> None:
    p = profile({"object_id": "t", "name": "temperature"}, explicit=True, commands=("switch",))
    attrs = build_attrs(p, {"t": 1, "other": 2, "switch": "on"}, OBSERVED, NOW, text=False)
    assert list(attrs) == [VOCAB + "temperature"]
