"""Entity type selection (``type`` parameter, §4.17): ``,`` ``|`` or, ``;`` and, parentheses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dosi.core._boolexpr import Node, evaluate, leaves, parse_bool
from dosi.core.model import TermResolver
from dosi.errors import InvalidRequest

_TYPE_NAME = re.compile(r"^[^\s<>\"'=()\[\]\\]+$")


@dataclass(frozen=True)
class TypeSelection:
    """A bound type expression over expanded type IRIs."""

    expr: Node
    #: Every type named in the expression: an entity can only match if it has one.
    named: frozenset[str]

    def matches(self, types: Iterable[str]) -> bool:
        have = set(types)
        return evaluate(self.expr, have.__contains__)


def parse_type_selection(
    text: str, resolver: TermResolver, *, max_terms: int = 256
) -> TypeSelection:
    """Parse and expand a type selection; raises ``InvalidRequest`` on bad syntax."""

    def atom(word: str) -> str:
        if not _TYPE_NAME.match(word):
            raise InvalidRequest(f"invalid entity type name {word!r}")
        return resolver.expand(word)

    expr = parse_bool(text, atom, what="type", max_terms=max_terms)
    return TypeSelection(expr, frozenset(leaves(expr)))
