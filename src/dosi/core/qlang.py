"""The NGSI-LD query language ``q`` (ETSI GS CIM 009 §4.9): parse, bind, evaluate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dosi.core.model import Entity, TermResolver

Predicate = Callable[[Entity], bool]


def parse_q(text: str, *, max_terms: int = 256) -> Any:
    """Parse ``q`` into an AST; raises ``InvalidRequest`` (syntax) or ``TooComplexQuery``."""
    raise NotImplementedError


def compile_q(text: str, resolver: TermResolver, *, max_terms: int = 256) -> Predicate:
    """Parse ``q`` and bind attribute names through ``resolver``: a predicate over
    entities in the internal representation (``dosi.core.model``)."""
    raise NotImplementedError
