"""@context management (ETSI GS CIM 009 v1.8 §5.13, /jsonldContexts): hosted and cached contexts."""

from __future__ import annotations

import uuid
from typing import Any

from dosi.core.clock import utc_now
from dosi.core.jsonld import ContextResolver, is_core_url
from dosi.errors import BadRequestData, OperationNotSupported, ResourceNotFound
from dosi.store.base import Store, StoredContext

KINDS = ("Hosted", "Cached", "ImplicitlyCreated")


class ContextService:
    """Adds, lists, serves and deletes the user @contexts the broker holds."""

    def __init__(self, store: Store, resolver: ContextResolver, base_url: str) -> None:
        """``base_url`` is the public URL prefix of hosted contexts, e.g.
        ``http://host:1026/ngsi-ld/v1/jsonldContexts/``."""
        self.store = store
        self.resolver = resolver
        self.base_url = base_url

    async def add(self, body: Any) -> str:
        """Store a posted ``{"@context": ...}`` as Hosted; returns its URL (201 Location)."""
        if not isinstance(body, dict) or set(body) != {"@context"}:
            raise BadRequestData(
                'the body must be a JSON object {"@context": ...} and nothing else'
            )
        context = body["@context"]
        if not isinstance(context, dict | list) or not context:
            raise BadRequestData("@context must be a non-empty object or list")
        await self.resolver.resolve(context)  # refuse what cannot be processed
        url = self.base_url + uuid.uuid4().hex
        await self.store.put_context(
            StoredContext(url=url, body={"@context": context}, kind="Hosted", created_at=utc_now())
        )
        return url

    async def list(self, *, details: bool, kind: str | None) -> list[Any]:
        """URLs, or detail objects when ``details`` (§5.13.3)."""
        if kind is not None and kind not in KINDS:
            raise BadRequestData(f"kind must be one of {', '.join(KINDS)}")
        found = [c for c in await self.store.list_contexts() if kind in (None, c.kind)]
        if details:
            return [self._details(c) for c in found]
        return [c.url for c in found]

    async def get(self, context_id: str, *, details: bool) -> dict[str, Any]:
        """The ``{"@context": ...}`` document, or its details (§5.13.4)."""
        stored = await self._find(context_id)
        return self._details(stored) if details else stored.body

    async def delete(self, context_id: str, *, reload: bool) -> None:
        """Delete a Hosted context, or reload a Cached one (§5.13.5)."""
        if is_core_url(context_id):
            raise OperationNotSupported("the core @context cannot be deleted")
        stored = await self._find(context_id)
        if reload:
            if stored.kind != "Cached":
                raise BadRequestData("only Cached contexts can be reloaded")
            body = await self.resolver.fetch(stored.url)
            await self.store.put_context(
                StoredContext(url=stored.url, body=body, kind="Cached", created_at=utc_now())
            )
        else:
            await self.store.delete_context(stored.url)
        self.resolver.invalidate(stored.url)

    async def _find(self, context_id: str) -> StoredContext:
        for candidate in (context_id, self.base_url + context_id):
            stored = await self.store.get_context(candidate)
            if stored is not None:
                return stored
        raise ResourceNotFound(f"no @context {context_id} is held by this broker")

    def _details(self, stored: StoredContext) -> dict[str, Any]:
        local_id = (
            stored.url[len(self.base_url) :] if stored.url.startswith(self.base_url) else None
        )
        info: dict[str, Any] = {
            "URL": stored.url,
            "kind": stored.kind,
            "timestamp": stored.created_at,
            "numberOfHits": stored.hits,
        }
        if local_id:
            info["localId"] = f"urn:ngsi-ld:jsonldContext:{local_id}"
        if stored.last_usage:
            info["lastUsage"] = stored.last_usage
        if stored.extra:
            info["extraInfo"] = stored.extra
        return info
