"""The Language Filter (ETSI GS CIM 009 §4.15): pick one string of a languageMap.

``lang`` follows Accept-Language (RFC 3282): comma-separated language ranges with
optional ``;q=`` weights; ``*`` is any language. Matching is RFC 4647 style and
case-insensitive: an exact tag, then a longer tag under the range (``en`` → ``en-US``),
then the range truncated (``nl-BE`` → ``nl``). With no match the broker still answers in
some language (``@none`` first), as §4.15 requires.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ANY = "*"


@lru_cache(maxsize=256)
def language_ranges(wanted: str) -> tuple[str, ...]:
    """The ranges of a ``lang`` value, best first (by q, then position), q=0 dropped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(wanted.split(",")):
        tag, _, params = part.partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0
        if weight > 0:
            ranked.append((-weight, position, tag))
    ranked.sort()
    return tuple(tag for _, _, tag in ranked)


def _match(keys: list[tuple[str, str]], wanted: str) -> str | None:
    for lowered, tag in keys:
        if lowered == wanted:
            return tag
    prefix = wanted + "-"
    for lowered, tag in keys:
        if lowered.startswith(prefix):
            return tag
    shorter = wanted
    while "-" in shorter:
        shorter = shorter.rsplit("-", 1)[0]
        for lowered, tag in keys:
            if lowered == shorter:
                return tag
    return None


def any_language(language_map: dict[str, Any]) -> str:
    """The tag served when nothing matches: the default (``@none``) or the first one."""
    return "@none" if "@none" in language_map else next(iter(language_map))


def pick_language(language_map: dict[str, Any], wanted: str) -> tuple[str, Any]:
    """The best ``(tag, text)`` of a non-empty languageMap for a ``lang`` filter."""
    keys = [(tag.lower(), tag) for tag in language_map]
    for wanted_range in language_ranges(wanted):
        if wanted_range == ANY:
            break
        found = _match(keys, wanted_range)
        if found is not None:
            return found, language_map[found]
    tag = any_language(language_map)
    return tag, language_map[tag]
