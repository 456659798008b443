"""JSON-LD @context handling, offline first.

Contexts resolve from, in order: the core contexts shipped in this package, the preload
folder (``DOSI_CONTEXT_DIR``), contexts held by the store (``/jsonldContexts``), and, only
when ``fetch_remote_contexts`` is on, the network (then cached in the store). Processed
contexts are cached, so term expansion costs a dict look-up on the hot path.
"""

from __future__ import annotations

from typing import Any

from dosi.settings import Settings
from dosi.store.base import Store


class ActiveContext:
    """A processed @context: expands terms to IRIs and compacts IRIs to terms.

    ``source`` is the context as the client gave it (a URL, an object or a list), for
    echoing back in a Link header or an ``@context`` member. ``url`` is the single URL
    to put in a Link header (the core context URL when the client sent none).
    """

    source: Any
    url: str

    def expand(self, term: str) -> str:
        """Vocabulary-relative IRI of an attribute name, type name or vocab value."""
        raise NotImplementedError

    def compact(self, iri: str) -> str:
        """Shortest term for ``iri`` under this context (the IRI itself if none)."""
        raise NotImplementedError


class ContextResolver:
    """Turns a request's @context (Link header value or body member) into an ActiveContext.

    Raises ``LdContextNotAvailable`` for a URL it cannot resolve offline (unless remote
    fetching is on) and ``BadRequestData``/``InvalidRequest`` for an invalid context.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        raise NotImplementedError

    def core(self) -> ActiveContext:
        """The core context alone (requests without any user context)."""
        raise NotImplementedError

    async def resolve(self, context: Any | None) -> ActiveContext:
        """Resolve a context value: ``None`` (core only), a URL, an object or a list."""
        raise NotImplementedError


__all__ = ["ActiveContext", "ContextResolver"]
