"""Scope queries (``scopeQ``, §4.19): hierarchical scopes with ``+``/``#`` wildcards."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def compile_scope_q(text: str, *, max_terms: int = 256) -> Callable[[Sequence[str] | None], bool]:
    """A predicate over an entity's ``scope`` list; raises ``InvalidRequest`` on bad syntax."""
    raise NotImplementedError
