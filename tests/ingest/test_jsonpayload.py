"""JSON device payloads (FIWARE IoT Agent JSON conventions)."""

from __future__ import annotations

from contextlib import suppress

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.ingest.errors import MalformedPayload
from dosi.ingest.jsonpayload import (
    decode_command_results,
    decode_measures,
    decode_value,
    encode_command,
)


def test_object_with_time_instant() -> None:
    (group,) = decode_measures(b'{"t": 23.1, "s": "ok", "TimeInstant": "2026-01-02T03:04:05Z"}')
    assert group.values == {"t": 23.1, "s": "ok"}
    assert group.timestamp == "2026-01-02T03:04:05.000000Z"


def test_array_is_several_groups() -> None:
    groups = decode_measures(b'[{"t": 1}, {"t": 2, "observedAt": "2026-01-01T00:00:00Z"}]')
    assert [g.values for g in groups] == [{"t": 1}, {"t": 2}]
    assert [g.timestamp for g in groups] == [None, "2026-01-01T00:00:00.000000Z"]


def test_nested_values_are_kept() -> None:
    (group,) = decode_measures(b'{"pos": {"lat": 1, "lon": [2, 3]}}')
    assert group.values == {"pos": {"lat": 1, "lon": [2, 3]}}


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b"[]",
        b"{}",
        b"42",
        b'"text"',
        b"[1, 2]",
        b'{"TimeInstant": "2026-01-01T00:00:00Z"}',
        b'{"t": 1, "TimeInstant": "yesterday"}',
        b'{"t": 1, "TimeInstant": 1700000000}',
        b'{"a b": 1}',
        b'{"x|y": 1}',
        b'{"t": ' + b"[" * 20 + b"]" * 20 + b"}",
        b"\xff",
        b"NaN",
    ],
)
def test_malformed(payload: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decode_measures(payload)


def test_single_value_is_json_or_text() -> None:
    assert decode_value(b"23.5") == 23.5
    assert decode_value(b'{"a": 1}') == {"a": 1}
    assert decode_value(b"on ") == "on"
    with pytest.raises(MalformedPayload):
        decode_value(b"\xff")


def test_commands() -> None:
    assert orjson.loads(encode_command("switch", "on")) == {"switch": "on"}
    assert decode_command_results(b'{"switch": "switched on"}') == {"switch": "switched on"}
    for bad in (b"[]", b"{}", b"1", b"{", b'{"a b": 1}'):
        with pytest.raises(MalformedPayload):
            decode_command_results(bad)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes_only_malformed(payload: bytes) -> None:
    for decode in (decode_measures, decode_value, decode_command_results):
        with suppress(MalformedPayload):
            decode(payload)  # type: ignore[operator]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_fuzz_json_values_only_malformed(value: object) -> None:
    payload = orjson.dumps(value)
    try:
        groups = decode_measures(payload)
    except MalformedPayload:
        return
    assert all(g.values for g in groups)
