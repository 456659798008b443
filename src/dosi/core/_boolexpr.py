"""A tiny boolean-expression parser shared by type selection and scope queries.

Grammar: ``expr = and (("," | "|") and)*``, ``and = atom (";" atom)*``,
``atom = "(" expr ")" | word``; AND binds tighter than OR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from dosi.errors import InvalidRequest, TooComplexQuery

T = TypeVar("T")
DELIMITERS = frozenset(",|;()")


@dataclass(frozen=True)
class Or:
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class And:
    parts: tuple[Any, ...]


#: A parsed expression: Or, And, or a leaf produced by the atom function.
Node: TypeAlias = Any


def parse_bool(
    text: str, atom: Callable[[str], T], *, what: str, max_terms: int, max_depth: int = 32
) -> Node:
    """Parse ``text``; ``atom`` turns each word into a leaf (raising InvalidRequest)."""
    parser = _Parser(text, atom, what, max_terms, max_depth)
    node = parser.expr(0)
    if parser.pos != len(text):
        raise InvalidRequest(f"unexpected {text[parser.pos]!r} at {parser.pos} in {what}")
    return node


def evaluate(node: Node, leaf: Callable[[Any], bool]) -> bool:
    if isinstance(node, Or):
        return any(evaluate(p, leaf) for p in node.parts)
    if isinstance(node, And):
        return all(evaluate(p, leaf) for p in node.parts)
    return leaf(node)


def leaves(node: Node) -> list[Any]:
    if isinstance(node, Or | And):
        return [leaf for part in node.parts for leaf in leaves(part)]
    return [node]


class _Parser(Generic[T]):
    def __init__(
        self, text: str, atom: Callable[[str], T], what: str, max_terms: int, max_depth: int
    ) -> None:
        self.text = text
        self.atom = atom
        self.what = what
        self.max_terms = max_terms
        self.max_depth = max_depth
        self.pos = 0
        self.terms = 0

    def expr(self, depth: int) -> Node:
        parts = [self.conj(depth)]
        while self.pos < len(self.text) and self.text[self.pos] in ",|":
            self.pos += 1
            parts.append(self.conj(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self, depth: int) -> Node:
        parts = [self.unit(depth)]
        while self.pos < len(self.text) and self.text[self.pos] == ";":
            self.pos += 1
            parts.append(self.unit(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unit(self, depth: int) -> Node:
        if depth > self.max_depth:
            raise TooComplexQuery(f"{self.what} is nested too deeply")
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            self.pos += 1
            node = self.expr(depth + 1)
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise InvalidRequest(f"missing ')' in {self.what}")
            self.pos += 1
            return node
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in DELIMITERS:
            self.pos += 1
        word = self.text[start : self.pos].strip()
        if not word:
            raise InvalidRequest(f"empty term at {start} in {self.what}")
        self.terms += 1
        if self.terms > self.max_terms:
            raise TooComplexQuery(f"{self.what} has more than {self.max_terms} terms")
        return self.atom(word)
