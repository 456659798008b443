"""The q language (§4.9): grammar, operators, paths, and a property test of the parser."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core.qlang import compile_q, parse_q
from dosi.errors import BadRequestData, InvalidRequest, TooComplexQuery
from tests.core.resolver import VOCAB, DictResolver

R = DictResolver()


def prop(value: Any, **extra: Any) -> list[dict[str, Any]]:
    return [{"type": "Property", "value": value, **extra}]


CAR = {
    "id": "urn:ngsi-ld:Vehicle:1",
    "type": [VOCAB + "Vehicle"],
    "attrs": {
        VOCAB + "speed": prop(
            80,
            observedAt="2026-11-25T01:00:00Z",
            **{VOCAB + "accuracy": {"type": "Property", "value": 0.9}},
        ),
        VOCAB + "brand": prop("Hyundai"),
        VOCAB + "tags": prop(["ev", "taxi"]),
        VOCAB + "address": prop({"city": "Sejong", "zone": {"code": 7}}),
        VOCAB + "seen": prop({"@type": "DateTime", "@value": "2026-11-24T10:00:00Z"}),
        VOCAB + "owner": [{"type": "Relationship", "object": "urn:ngsi-ld:Person:kim"}],
        VOCAB + "name": [{"type": "LanguageProperty", "languageMap": {"ko": "택시", "en": "Taxi"}}],
        VOCAB + "ok": prop(True),
        VOCAB + "multi": [
            {"type": "Property", "value": 1},
            {"type": "Property", "value": 5, "datasetId": "urn:ngsi-ld:Dataset:b"},
        ],
    },
}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("speed", True),
        ("nothing", False),
        ("!nothing", True),
        ("!speed", False),
        ("speed==80", True),
        ("speed!=80", False),
        ("speed>79.5", True),
        ("speed>=80;speed<=80", True),
        ("speed<80", False),
        ("speed==70..90", True),
        ("speed==81..90", False),
        ("speed!=81..90", True),
        ("speed==1,2,80", True),
        ("speed!=1,2,80", False),
        ('brand=="Hyundai"', True),
        ('brand=="Kia","Hyundai"', True),
        ('brand~="^Hy"', True),
        ('brand~="(?i)HYUN"', True),
        ('brand!~="^Hy"', False),
        ('tags=="taxi"', True),
        ('address[city]=="Sejong"', True),
        ("address[zone.code]==7", True),
        ("address[zone.code]>7", False),
        ("speed.accuracy>0.5", True),
        ("speed.observedAt>2026-11-25T00:00:00Z", True),
        ("speed.observedAt<2026-11-25T00:00:00Z", False),
        ("seen<2026-11-25T00:00:00Z", True),
        ("owner==urn:ngsi-ld:Person:kim", True),
        ('owner=="urn:ngsi-ld:Person:lee"', False),
        ('name=="택시"', True),
        ("ok==true", True),
        ("ok==false", False),
        ("multi==5", True),
        ("multi>4;multi<2", True),
        ('speed>100|brand~="Hy"', True),
        ('speed>100;brand~="Hy"', False),
        ('(speed>100|ok==true);brand=="Hyundai"', True),
        ('speed>100|ok==false;brand=="Hyundai"', False),
        ('speed=="80"', False),
    ],
)
def test_evaluation(q: str, expected: bool) -> None:
    assert compile_q(q, R)(CAR) is expected


@pytest.mark.parametrize(
    "q",
    [
        "",
        "speed>>",
        "(speed",
        "speed)",
        "speed==",
        'brand=="x',
        "a[b",
        "!speed==1",
        "speed>1..2",
        "speed==a b",
        ";speed",
        "speed;",
    ],
)
def test_syntax_errors(q: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_q(q)


def test_bad_regex_and_complexity() -> None:
    with pytest.raises(BadRequestData):
        parse_q('brand~="("')
    with pytest.raises(TooComplexQuery):
        parse_q(";".join(["speed>1"] * 300), max_terms=256)
    with pytest.raises(TooComplexQuery):
        parse_q("(" * 100 + "speed" + ")" * 100)


def test_catastrophic_pattern_is_cut_short() -> None:
    evil = {**CAR, "attrs": {VOCAB + "brand": prop("a" * 40 + "!")}}
    predicate = compile_q('brand~="(a+)+$"', R)
    with contextlib.suppress(TooComplexQuery):
        assert predicate(evil) is False


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab.[]()=!<>~;|,\"'0123456789 :-TZ", max_size=40))
def test_parser_only_raises_ngsi_errors(text: str) -> None:
    with contextlib.suppress(InvalidRequest, BadRequestData, TooComplexQuery):
        compile_q(text, R)(CAR)


names = st.sampled_from(["speed", "brand", "ok", "multi", "nothing", "address[city]"])
values = st.one_of(st.integers(-5, 100).map(str), st.sampled_from(['"Hyundai"', "true", "x"]))
terms = st.tuples(names, st.sampled_from(["==", "!=", ">", "<", ">=", "<="]), values).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(terms, min_size=1, max_size=4), st.lists(terms, min_size=1, max_size=4))
def test_boolean_structure_matches_python(left: list[str], right: list[str]) -> None:
    """(a;b)|(c;d) evaluates like Python's all/any over the single terms."""
    expected = all(compile_q(t, R)(CAR) for t in left) or all(compile_q(t, R)(CAR) for t in right)
    query = f"({';'.join(left)})|({';'.join(right)})"
    assert compile_q(query, R)(CAR) is expected
