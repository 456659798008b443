"""Rule documents: JSON and YAML parsing, durations, and refusals with useful messages."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from dosi.errors import BadRequestData, InvalidRequest, UnsupportedMediaType
from dosi.ops.rules.model import Rule
from dosi.ops.rules.parse import load_document, parse_rule

YAML = """
id: high-water
name: {en: High water, ko: 높은 수위, zh: 高水位}
entity_type: WaterLevelObserved
context: https://example.org/flood.jsonld
attribute: waterLevel
category: flood
severity: critical
condition: {kind: threshold, value: 3.0, clear: 2.8}
repeat: 1h30m
active:
  timezone: Asia/Seoul
  windows:
    - {days: [mon, tue, wed, thu, fri], start: 22:00, end: 06:00}
""".encode()


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "r1",
        "name": {"en": "High water"},
        "entity_type": "WaterLevelObserved",
        "attribute": "waterLevel",
        "category": "flood",
        "condition": {"kind": "threshold", "value": 3.0},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_yaml_rule_with_clock_times_and_shorthand_durations() -> None:
    rule, version = parse_rule(load_document(YAML, "application/yaml"))
    assert version is None
    assert rule.repeat == timedelta(hours=1, minutes=30)
    assert rule.active is not None
    window = rule.active.windows[0]
    assert (window.start, window.end) == (time(22), time(6))
    assert rule.model_dump(mode="json")["repeat"] == "1h30m"
    assert rule.name["ko"] == "높은 수위"


def test_json_rule_round_trips() -> None:
    rule, _ = parse_rule(
        load_document(
            b'{"id": "r1", "name": {"en": "x"}, "entity_type": '
            b'"T", "attribute": "a", "category": "fire", '
            b'"condition": {"kind": "held", "value": 1, '
            b'"duration": "PT1H"}}',
            "application/json",
        )
    )
    again = Rule.model_validate(rule.model_dump(mode="json"))
    assert again == rule


@pytest.mark.parametrize(
    ("raw", "media", "error"),
    [
        (b"{", "application/json", InvalidRequest),
        (b"id: [", "application/yaml", InvalidRequest),
        (b"a: &x [1, 2]\nb: *x", "application/yaml", InvalidRequest),
        (b"\x00\x01", "application/yaml", InvalidRequest),
        (b"id: r1", "text/plain", UnsupportedMediaType),
    ],
)
def test_unreadable_documents(raw: bytes, media: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_rule(load_document(raw, media))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"condition": {"kind": "magic"}}, "condition"),
        ({"condition": {"kind": "held", "value": 1, "duration": "soon"}}, "duration"),
        ({"condition": {"kind": "held", "value": 1, "duration": "0s"}}, "duration"),
        ({"condition": {"kind": "held", "value": 1, "duration": -5}}, "duration"),
        ({"condition": {"kind": "heartbeat", "silence": True}}, "silence"),
        ({"condition": {"kind": "threshold", "value": 3, "clear": 3.5}}, "clear"),
        ({"condition": {"kind": "threshold", "operator": "<", "value": 3, "clear": 2}}, "clear"),
        ({"condition": {"kind": "rate", "change": 0, "window": "1h"}}, "change"),
        (
            {"condition": {"kind": "geofence", "area": {"type": "Point", "coordinates": [0, 0]}}},
            "area",
        ),
        (
            {
                "condition": {
                    "kind": "geofence",
                    "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1]]]},
                }
            },
            "area",
        ),
        (
            {
                "condition": {
                    "kind": "composite",
                    "area_id": "a",
                    "value": 1,
                    "match": 0,
                    "area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                }
            },
            "match",
        ),
        ({"attribute": None}, "needs an attribute"),
        ({"attribute": "a b"}, "attribute"),
        ({"id": "has space"}, "id"),
        ({"id": "a/b"}, "id"),
        ({"name": {"fr": "x"}}, "name"),
        ({"name": {}}, "name"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"category": "weather"}, "category"),
        ({"context": "not a url"}, "context"),
        ({"unknown": 1}, "unknown"),
        (
            {"active": {"timezone": "Mars/Olympus", "windows": [{"start": "1:00", "end": "2:00"}]}},
            "time zone",
        ),
        ({"active": {"windows": [{"days": ["someday"], "start": "1:00", "end": "2:00"}]}}, "days"),
        ({"active": {"windows": [{"start": "25:00", "end": "2:00"}]}}, "start"),
        ({"version": "2"}, "version"),
    ],
)
def test_invalid_rules_say_what_is_wrong(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(BadRequestData) as caught:
        parse_rule(body(**changes))
    assert fragment in caught.value.detail


def test_tenant_comes_from_the_request() -> None:
    rule, _ = parse_rule(body(), tenant="sejong")
    assert rule.tenant == "sejong"
    with pytest.raises(BadRequestData, match="tenant"):
        parse_rule(body(tenant="other"), tenant="sejong")


def test_selector_path() -> None:
    rule, _ = parse_rule(body(attribute="airQuality[pm25.value]"))
    assert rule.selector() == ("airQuality", ("pm25", "value"))
    rule, _ = parse_rule(body(attribute="https://example.org/level"))
    assert rule.selector() == ("https://example.org/level", ())


def test_not_an_object() -> None:
    with pytest.raises(BadRequestData):
        parse_rule([1, 2])
    with pytest.raises(BadRequestData, match="nest"):
        nested: Any = 1
        for _ in range(40):
            nested = {"a": nested}
        parse_rule(body(condition=nested))
