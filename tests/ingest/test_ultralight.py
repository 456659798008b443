"""UltraLight 2.0 decoding and encoding (FIWARE IoT Agent UL syntax)."""

from __future__ import annotations

from contextlib import suppress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.ingest.errors import MalformedPayload
from dosi.ingest.ultralight import (
    decode_command_result,
    decode_measures,
    decode_value,
    encode_command,
)


def test_pairs() -> None:
    (group,) = decode_measures(b"t|23.1|h|40")
    assert group.values == {"t": "23.1", "h": "40"}
    assert group.timestamp is None


def test_groups_and_timestamps() -> None:
    first, second = decode_measures(b"2016-06-13T00:35:30Z|lle|100#gps|1.2/3.4\n")
    assert first.timestamp == "2016-06-13T00:35:30.000000Z"
    assert first.values == {"lle": "100"}
    assert second.timestamp is None
    assert second.values == {"gps": "1.2/3.4"}


def test_timestamp_offsets_become_utc() -> None:
    (group,) = decode_measures(b"2026-01-01T09:00:00+09:00|t|1")
    assert group.timestamp == "2026-01-01T00:00:00.000000Z"


def test_values_may_be_empty_and_keep_their_text() -> None:
    (group,) = decode_measures(b"s|| t | 2 ")
    assert group.values == {"s": "", "t": " 2"}


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"   ",
        b"t|23|h",
        b"t",
        b"t|1##h|2",
        b"2016-06-13T00:35:30Z",
        b"notatime|t|1",
        b"2016-13-45T99:00:00Z|t|1",
        b"|1",
        b"a b|1",
        b"t\x00|1",
        b"\xff\xfe|1",
        b"#".join([b"t|1"] * 65),
    ],
)
def test_malformed(payload: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decode_measures(payload)


def test_single_value() -> None:
    assert decode_value(b" 23.5\n") == "23.5"
    with pytest.raises(MalformedPayload):
        decode_value(b"\xc3\x28")


def test_commands() -> None:
    assert encode_command("lamp1", "switch", "on") == b"lamp1@switch|on"
    assert (
        encode_command("ws167", "ping", {"param1": 1, "param2": 2})
        == b"ws167@ping|param1=1|param2=2"
    )
    assert encode_command("d", "reset", "") == b"d@reset"
    assert encode_command("d", "set", True) == b"d@set|true"
    assert decode_command_result(b"weatherStation167@ping|Ping ok") == (
        "weatherStation167",
        "ping",
        "Ping ok",
    )
    assert decode_command_result(b"d@c") == ("d", "c", "")
    for bad in (b"ping|ok", b"@ping|ok", b"d@|ok", b"\xff"):
        with pytest.raises(MalformedPayload):
            decode_command_result(bad)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes_only_malformed(payload: bytes) -> None:
    for decode in (decode_measures, decode_value, decode_command_result):
        with suppress(MalformedPayload):
            decode(payload)  # type: ignore[operator]


_key = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
    min_size=1,
    max_size=12,
)
_value = st.text(
    alphabet=st.characters(blacklist_characters="|#\x00", blacklist_categories=("Cs",)), max_size=20
).map(str.strip)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_key, _value, min_size=1, max_size=8))
def test_round_trip(values: dict[str, str]) -> None:
    payload = "|".join(f"{k}|{v}" for k, v in values.items()).encode()
    (group,) = decode_measures(payload)
    assert {k: v.strip() for k, v in group.values.items()} == {
        k: v.strip() for k, v in values.items()
    }
