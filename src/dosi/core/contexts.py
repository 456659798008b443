"""@context management (ETSI GS CIM 009 §5.13.x, /jsonldContexts): hosted and cached contexts."""

from __future__ import annotations

from typing import Any

from dosi.core.jsonld import ContextResolver
from dosi.store.base import Store


class ContextService:
    """Adds, lists, serves and deletes the user @contexts the broker holds."""

    def __init__(self, store: Store, resolver: ContextResolver, base_url: str) -> None:
        """``base_url`` is the public URL prefix of hosted contexts, e.g.
        ``http://host:1026/ngsi-ld/v1/jsonldContexts/``."""
        raise NotImplementedError

    async def add(self, body: Any) -> str:
        """Store a posted ``{"@context": ...}`` as Hosted; returns its URL (201 Location)."""
        raise NotImplementedError

    async def list(self, *, details: bool, kind: str | None) -> list[Any]:
        """URLs, or detail objects when ``details`` (§5.13.3)."""
        raise NotImplementedError

    async def get(self, context_id: str, *, details: bool) -> dict[str, Any]:
        """The ``{"@context": ...}`` document, or its details (§5.13.4)."""
        raise NotImplementedError

    async def delete(self, context_id: str, *, reload: bool) -> None:
        """Delete a Hosted context, or reload a Cached one (§5.13.5)."""
        raise NotImplementedError
