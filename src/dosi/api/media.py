"""Media types, the JSON-LD Link header and Accept negotiation (ETSI GS CIM 009 §6.3.4-§6.3.6)."""

from __future__ import annotations

import re
from typing import Final

from dosi.errors import NotAcceptable

JSON: Final = "application/json"
JSONLD: Final = "application/ld+json"
GEOJSON: Final = "application/geo+json"
MERGE_PATCH: Final = "application/merge-patch+json"
CONTEXT_REL: Final = "http://www.w3.org/ns/json-ld#context"

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_PARAM = re.compile(r";\s*([A-Za-z-]+)\s*=\s*\"?([^\";]*)\"?")


def link_header(url: str) -> str:
    """The Link header value that carries a JSON-LD @context."""
    return f'<{url}>; rel="{CONTEXT_REL}"; type="{JSONLD}"'


def context_links(header: str | None) -> list[str]:
    """Every @context URL in a Link header value (in order)."""
    if not header:
        return []
    urls: list[str] = []
    for match in _LINK.finditer(header):
        params = {k.lower(): v for k, v in _PARAM.findall(match.group(2))}
        if params.get("rel") == CONTEXT_REL:
            urls.append(match.group(1).strip())
    return urls


def media_type(header: str | None) -> str:
    """The bare media type of a Content-Type header, lower-case ('' if absent)."""
    return (header or "").split(";", 1)[0].strip().lower()


def negotiate(accept: str | None, offered: tuple[str, ...]) -> str:
    """Pick the offered type with the highest q in Accept (first offered wins ties).

    ``*/*``, ``application/*`` and a missing Accept choose the first offered type.
    """
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None  # (q, -position in Accept, type)
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        name = fields[0].lower()
        if not name:
            continue
        q = 1.0
        for item in fields[1:]:
            if item.lower().startswith("q="):
                try:
                    q = float(item[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        for candidate in offered:
            if _covers(name, candidate):
                key = (q, -position, candidate)
                if best is None or key[:2] > best[:2]:
                    best = key
                break
    if best is None:
        raise NotAcceptable(f"none of {', '.join(offered)} is acceptable (Accept: {accept})")
    return best[2]


def _covers(pattern: str, media: str) -> bool:
    if pattern in ("*/*", "*"):
        return True
    if pattern.endswith("/*"):
        return media.startswith(pattern[:-1])
    return pattern == media
