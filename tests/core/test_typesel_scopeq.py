"""Type selection (§4.17) and scope queries (§4.19)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core.scopeq import compile_scope_q
from dosi.core.typesel import parse_type_selection
from dosi.errors import InvalidRequest, TooComplexQuery
from tests.core.resolver import VOCAB, DictResolver

R = DictResolver({"Bin": "https://x/Bin"})


def types(*names: str) -> list[str]:
    return [R.expand(n) for n in names]


@pytest.mark.parametrize(
    ("expr", "have", "expected"),
    [
        ("Bin", ["Bin"], True),
        ("Bin", ["Car"], False),
        ("Bin,Car", ["Car"], True),
        ("Bin|Car", ["Car"], True),
        ("Bin;Car", ["Car"], False),
        ("Bin;Car", ["Car", "Bin"], True),
        ("(Bin;Car)|Truck", ["Truck"], True),
        ("(Bin;Car)|Truck", ["Bin"], False),
        ("Bin;(Car|Truck)", ["Bin", "Truck"], True),
    ],
)
def test_type_selection(expr: str, have: list[str], expected: bool) -> None:
    selection = parse_type_selection(expr, R)
    assert selection.matches(types(*have)) is expected


def test_named_types_are_expanded() -> None:
    selection = parse_type_selection("(Bin;Car)|Truck", R)
    assert selection.named == {"https://x/Bin", VOCAB + "Car", VOCAB + "Truck"}


@pytest.mark.parametrize("expr", ["", "(Bin", "Bin)", "Bin;;Car", "Bin,", "B in"])
def test_type_selection_errors(expr: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_type_selection(expr, R)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab(),;| ", max_size=30))
def test_type_parser_only_raises_ngsi_errors(text: str) -> None:
    with contextlib.suppress(InvalidRequest, TooComplexQuery):
        parse_type_selection(text, R).matches(types("a"))


@pytest.mark.parametrize(
    ("expr", "scopes", "expected"),
    [
        ("/Sejong", ["/Sejong"], True),
        ("/Sejong", ["/Sejong/Hansol"], False),
        ("/Sejong/#", ["/Sejong"], True),
        ("/Sejong/#", ["/Sejong/Hansol/North"], True),
        ("/Sejong/+", ["/Sejong/Hansol"], True),
        ("/Sejong/+", ["/Sejong/Hansol/North"], False),
        ("/Sejong/+", ["/Sejong"], False),
        ("/#", ["/Shenzhen"], True),
        ("/Sejong,/Shenzhen", ["/Shenzhen"], True),
        ("/Sejong/#;/Shenzhen/#", ["/Shenzhen/Futian", "/Sejong"], True),
        ("/Sejong/#;/Shenzhen/#", ["/Sejong"], False),
        ("/Sejong", None, False),
    ],
)
def test_scope_query(expr: str, scopes: list[str] | None, expected: bool) -> None:
    assert compile_scope_q(expr)(scopes) is expected


@pytest.mark.parametrize("expr", ["Sejong", "/Se jong", "/a/#/b", "", "(/a"])
def test_scope_errors(expr: str) -> None:
    with pytest.raises(InvalidRequest):
        compile_scope_q(expr)
