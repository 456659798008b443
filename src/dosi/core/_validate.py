"""Lexical checks of NGSI-LD input: names, URIs, DateTimes, language tags, scopes, nulls.

Pure predicates on single JSON values, shared by the parser and the write semantics.
Clauses: names §4.6.2, URIs §4.5.1 / RFC 3987, DateTime §4.6.3, language maps §4.6.5,
scopes §4.18, NGSI-LD Null §4.5.0 / §5.2.1.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from dosi.core.model import ATTRIBUTE_TYPES, VALUE_MEMBER
from dosi.geojson import GEOMETRY_TYPES

#: The NGSI-LD Null (§4.5.0): stands for JSON null in patch and merge operations.
NULL: Final = "urn:ngsi-ld:null"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
#: ASCII characters RFC 3986 never allows in a URI (controls, space, markup, quoting).
_ASCII_URI_REST = re.compile(r"[^\x00-\x20\x7f<>\"{}|\\^`]+")
_ASCII_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*(?::[A-Za-z][A-Za-z0-9_\-]*)?")
#: Letters that render as nothing (Hangul fillers, braille blank, Mongolian separator).
_INVISIBLE: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?Z")
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _visible_iri_char(char: str) -> bool:
    """A non-ASCII character RFC 3987 admits and that shows up when printed."""
    category = unicodedata.category(char)
    if category[0] in "CZ":  # controls, format (bidi, zero-width), unassigned, separators
        return False
    if category == "Mn" and ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"):
        return False  # variation selectors
    return char not in _INVISIBLE


def is_iri(value: object) -> bool:
    """True for an absolute URI/IRI: a scheme, a non-empty rest, nothing invisible in it.

    Stricter than a bare regex: whitespace, bidi controls, zero-width characters,
    noncharacters and fillers make an identifier unreadable, so they are refused.
    """
    if not isinstance(value, str):
        return False
    head = _SCHEME.match(value)
    if head is None or head.end() == len(value):
        return False
    if value.isascii():
        return _ASCII_URI_REST.fullmatch(value, head.end()) is not None
    for char in value[head.end() :]:
        if char < "\x80":
            if char <= " " or char in '<>"{}|\\^`\x7f':
                return False
        elif not _visible_iri_char(char):
            return False
    return True


def _is_simple_name(text: str) -> bool:
    if not text or not text[0].isalpha():
        return False
    return all(char.isalnum() or char in "_-" for char in text[1:])


@lru_cache(maxsize=16384)
def is_name(name: str) -> bool:
    """§4.6.2 name (``unicodeLetter *(unicodeLetter / unicodeNumber / "_")``, optionally
    ``prefix:name``), or an absolute IRI (a user may send expanded names).

    Deviation: ``-`` is accepted after the first character, as Smart Data Models use it
    (``N-TOT`` in WaterQualityObserved); §4.6.2 only says implementations *should* reject.
    """
    if name.isascii() and _ASCII_NAME.fullmatch(name):
        return True
    prefix, colon, local = name.partition(":")
    if colon and _is_simple_name(prefix) and _is_simple_name(local):
        return True
    if not colon and _is_simple_name(name):
        return True
    return ("://" in name or name.startswith("urn:")) and is_iri(name)


def is_datetime(value: object) -> bool:
    """§4.6.3 DateTime: ``YYYY-MM-DDThh:mm:ss[.ffffff]Z``, UTC only, a real date."""
    if not isinstance(value, str) or _DATETIME.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value[:-1].replace(",", "."))
    except ValueError:
        return False
    return True


def is_language_tag(tag: object) -> bool:
    """A BCP 47 / RFC 5646 language tag (syntax only) or ``@none`` (§4.6.5)."""
    return isinstance(tag, str) and (tag == "@none" or _LANG_TAG.fullmatch(tag) is not None)


def _is_scope_level(level: str) -> bool:
    return _is_simple_name(level)


def is_scope(value: object) -> bool:
    """§4.18 Scope: ``/Level(/Level)*``, each level a name (``-`` also accepted).

    The leading ``/`` is required (v1.8 grammar; v1.9 made it optional).
    """
    if not isinstance(value, str) or len(value) < 2 or value[0] != "/":
        return False
    return all(_is_scope_level(level) for level in value[1:].split("/"))


def contains_null(value: Any) -> bool:
    """True if the NGSI-LD Null appears anywhere inside a JSON value (iterative walk)."""
    if value == NULL:
        return True
    if not isinstance(value, dict | list):
        return False
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if child == NULL:
                return True
            if isinstance(child, dict | list):
                stack.append(child)
    return False


def is_null_value(member: str, value: Any) -> bool:
    """True if ``value`` is the NGSI-LD Null encoding of the value member ``member``:
    the string for value/object/vocab/json, ``[NULL]`` for lists (and object/vocab
    arrays), ``{"@none": NULL}`` for a languageMap (§4.5.0, §4.5.18)."""
    if value == NULL:
        return member != "languageMap"
    if isinstance(value, list):
        return len(value) == 1 and (
            value[0] == NULL or (isinstance(value[0], dict) and value[0] == {"object": NULL})
        )
    return member == "languageMap" and value == {"@none": NULL}


def is_deletion(instance: dict[str, Any]) -> bool:
    """True if an instance parsed in update/patch/merge mode deletes its target: its
    value member holds the NGSI-LD Null (§4.5.0)."""
    kind = instance.get("type")
    member = VALUE_MEMBER.get(kind) if isinstance(kind, str) else None
    if member is not None:
        return member in instance and is_null_value(member, instance[member])
    return any(m in instance and is_null_value(m, instance[m]) for m in VALUE_MEMBER.values())


_VALUE_MEMBERS: Final = frozenset(VALUE_MEMBER.values())


def looks_geojson(value: Any) -> bool:
    """A JSON object shaped like a GeoJSON geometry (§4.5.2.3: infer a GeoProperty)."""
    if not isinstance(value, dict) or "coordinates" not in value:
        return False
    kind = value.get("type")
    return isinstance(kind, str) and kind in GEOMETRY_TYPES


def instance_like(item: Any) -> bool:
    """A JSON object that is an attribute instance rather than part of a plain value."""
    if not isinstance(item, dict):
        return False
    kind = item.get("type")
    return (
        (isinstance(kind, str) and kind in ATTRIBUTE_TYPES)
        or not _VALUE_MEMBERS.isdisjoint(item)
        or "datasetId" in item
    )


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests objects/arrays more than ``limit`` levels (iterative,
    so a hostile document cannot exhaust the stack while being checked)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False
