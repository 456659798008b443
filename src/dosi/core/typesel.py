"""Entity type selection (``type`` parameter, §4.17): ``,`` ``|`` or, ``;`` and, parentheses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dosi.core.model import TermResolver


@dataclass(frozen=True)
class TypeSelection:
    """A bound type expression over expanded type IRIs."""

    expr: Any
    #: Every type named in the expression: an entity can only match if it has one.
    named: frozenset[str]

    def matches(self, types: Iterable[str]) -> bool:
        raise NotImplementedError


def parse_type_selection(text: str, resolver: TermResolver, *, max_terms: int = 256) -> TypeSelection:
    """Parse and expand a type selection; raises ``InvalidRequest`` on bad syntax."""
    raise NotImplementedError
