"""Device topics: parsing, redaction, and that the agent's subscriptions cover them."""

from __future__ import annotations

import pytest
from paho.mqtt.client import topic_matches_sub

from dosi.ingest.errors import MalformedPayload
from dosi.ingest.topics import SUBSCRIPTIONS, Topic, command_topic, parse_topic, redact


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/key/dev/attrs", Topic("key", "dev", "attrs")),
        ("/key/dev/attrs/t", Topic("key", "dev", "attr", "t")),
        ("/key/dev/cmdexe", Topic("key", "dev", "cmdexe")),
        ("/ul/key/dev/attrs", Topic("key", "dev", "attrs", None, "UL")),
        ("/json/key/dev/attrs/t", Topic("key", "dev", "attr", "t", "JSON")),
        ("/ul/key/dev/cmdexe", Topic("key", "dev", "cmdexe", None, "UL")),
        ("key/dev/attrs", Topic("key", "dev", "attrs")),
        ("/ul/dev/attrs", Topic("ul", "dev", "attrs")),
    ],
)
def test_parse(raw: str, expected: Topic) -> None:
    assert parse_topic(raw) == expected
    assert any(topic_matches_sub(sub, raw) for sub in SUBSCRIPTIONS)


@pytest.mark.parametrize(
    "raw", ["", "/", "/key/dev", "/key/dev/cmd", "/key//attrs", "//dev/attrs", "/a/b/c/d/e/f"]
)
def test_not_device_topics(raw: str) -> None:
    with pytest.raises(MalformedPayload):
        parse_topic(raw)


def test_command_topic_and_redaction() -> None:
    assert command_topic("key", "dev") == "/key/dev/cmd"
    assert redact("/secret/dev/attrs", "secret") == "/{apikey}/dev/attrs"
    assert redact("/secret/dev/attrs", None) == "/secret/dev/attrs"
