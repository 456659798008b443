"""Identifier checks shared by every layer: NGSI-LD ids are URIs (§4.4.1)."""

from __future__ import annotations

import re

from dosi.errors import BadRequestData

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


def is_uri(value: object) -> bool:
    """True for an absolute URI (a scheme and a non-empty remainder, no spaces)."""
    return isinstance(value, str) and _URI.match(value) is not None


def check_entity_id(value: object) -> str:
    """Return ``value`` if it is a valid entity id, else raise BadRequestData."""
    if not is_uri(value):
        raise BadRequestData(f"{value!r} is not a valid entity id (a URI is required)")
    assert isinstance(value, str)
    return value
