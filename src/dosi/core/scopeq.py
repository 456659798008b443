"""Scope queries (``scopeQ``, §4.19): hierarchical scopes with ``+``/``#`` wildcards.

``/Madrid/#`` matches /Madrid and everything below it, ``/Madrid/+`` exactly one level
below, ``/#`` any scope; ``,``/``|`` is OR and ``;`` AND, with parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from dosi.core._boolexpr import evaluate, parse_bool
from dosi.errors import InvalidRequest

_LEVEL = re.compile(r"^[^\s/#+]+$")


def _pattern(word: str) -> tuple[str, ...]:
    if not word.startswith("/"):
        raise InvalidRequest(f"a scope starts with '/': {word!r}")
    levels = tuple(word[1:].split("/")) if word != "/" else ()
    for i, level in enumerate(levels):
        if level == "#" and i != len(levels) - 1:
            raise InvalidRequest(f"'#' may only end a scope pattern: {word!r}")
        if level not in ("#", "+") and not _LEVEL.match(level):
            raise InvalidRequest(f"invalid scope level {level!r} in {word!r}")
    return levels


def _matches(pattern: tuple[str, ...], scope: str) -> bool:
    levels = scope[1:].split("/") if scope != "/" else []
    for i, want in enumerate(pattern):
        if want == "#":
            return True
        if i >= len(levels) or (want != "+" and want != levels[i]):
            return False
    return len(levels) == len(pattern)


def compile_scope_q(text: str, *, max_terms: int = 256) -> Callable[[Sequence[str] | None], bool]:
    """A predicate over an entity's ``scope`` list; raises ``InvalidRequest`` on bad syntax."""
    expr = parse_bool(text, _pattern, what="scopeQ", max_terms=max_terms)

    def predicate(scopes: Sequence[str] | None) -> bool:
        if not scopes:
            return False
        return evaluate(expr, lambda p: any(_matches(p, s) for s in scopes))

    return predicate
