"""JSON-LD @context handling, offline first.

Contexts resolve from, in order: the contexts shipped in this package (NGSI-LD core,
ETSI test suite), the Smart Data Models contexts of ``dosi.vocab``, the preload folder
(``DOSI_CONTEXT_DIR``), contexts held by the store (``/jsonldContexts``), and, only when
``fetch_remote_contexts`` is on, the network (then cached in the store). Contexts are
processed once by a real JSON-LD processor (pyld) and cached, so on the hot path term
expansion and compaction are dict look-ups.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
from pyld import jsonld

from dosi.core.clock import utc_now
from dosi.core.model import CORE_CONTEXT_URL, DEFAULT_CONTEXT_VOCAB
from dosi.errors import BadRequestData, LdContextNotAvailable
from dosi.settings import Settings
from dosi.store.base import Store, StoredContext
from dosi.vocab import CONTEXTS_DIR as VOCAB_DIR

logger = logging.getLogger(__name__)

PACKAGED_DIR: Final = Path(__file__).parent / "contexts"
HOSTED_PATH: Final = "/ngsi-ld/v1/jsonldContexts/"
CORE_URL_MARK: Final = "ngsi-ld-core-context"
CACHE_SIZE: Final = 512
FETCH_TIMEOUT: Final = 10.0


def _read_index(folder: Path) -> dict[str, Path]:
    """URL → file of a preload folder (``index.json`` maps URL → file name)."""
    index_file = folder / "index.json"
    if not index_file.exists():
        return {}
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.error("cannot read context index %s: %s", index_file, exc)
        return {}
    return {url: folder / name for url, name in index.items() if isinstance(name, str)}


def is_core_url(url: str) -> bool:
    return url.startswith("https://uri.etsi.org/ngsi-ld/") and CORE_URL_MARK in url


class ActiveContext:
    """A processed @context: expands terms to IRIs and compacts IRIs to terms.

    ``source`` is the context as the client gave it (None for core only), for echoing in
    an ``@context`` member; ``url`` is the single URL to put in a Link header.
    """

    def __init__(self, source: Any, url: str, active: dict[str, Any]) -> None:
        self.source = source
        self.url = url
        self._active = active
        self._vocab: str = active.get("@vocab") or DEFAULT_CONTEXT_VOCAB
        self._expanded: dict[str, str] = {}
        compacted: dict[str, str] = {}
        for term, definition in active.get("mappings", {}).items():
            if not definition or term.startswith("@"):
                continue
            iri = definition.get("@id")
            if not isinstance(iri, str) or iri.startswith("@"):
                continue
            self._expanded[term] = iri
            best = compacted.get(iri)
            if best is None or (len(term), term) < (len(best), best):
                compacted[iri] = term
        self._compacted = compacted
        self._processor = jsonld.JsonLdProcessor()

    def expand(self, term: str) -> str:
        """Vocabulary-relative IRI of an attribute name, type name or vocab value."""
        found = self._expanded.get(term)
        if found is None:
            found = self._expand_slow(term)
            self._expanded[term] = found
        return found

    def compact(self, iri: str) -> str:
        """Shortest term for ``iri`` under this context (the IRI itself if none)."""
        found = self._compacted.get(iri)
        if found is None:
            found = self._compact_slow(iri)
            self._compacted[iri] = found
        return found

    def _expand_slow(self, term: str) -> str:
        try:
            iri = self._processor._expand_iri(self._active, term, vocab=True)
        except Exception:  # pyld raises assorted errors for odd input: fall back to @vocab
            iri = None
        if isinstance(iri, str) and ":" in iri and not iri.startswith("@"):
            return iri
        return self._vocab + term

    def _compact_slow(self, iri: str) -> str:
        if iri.startswith(self._vocab):
            rest = iri[len(self._vocab) :]
            if rest and ":" not in rest and rest not in self._expanded:
                return rest
        try:
            term = self._processor._compact_iri(self._active, iri, vocab=True)
        except Exception:  # never let compaction of odd data fail a response
            return iri
        return term if isinstance(term, str) else iri


class ContextResolver:
    """Turns a request's @context (Link header value or body member) into an ActiveContext.

    Raises ``LdContextNotAvailable`` for a URL it cannot resolve offline (unless remote
    fetching is on) and ``BadRequestData`` for an invalid context.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._files: dict[str, Path] = {}
        for folder in (PACKAGED_DIR, VOCAB_DIR, settings.context_dir):
            if folder is not None:
                self._files.update(_read_index(Path(folder)))
        self._documents: dict[str, Any] = {}
        self._cache: OrderedDict[str, ActiveContext] = OrderedDict()
        public = settings.public_url or f"http://{settings.host}:{settings.port}"
        self.hosted_base = public.rstrip("/") + HOSTED_PATH
        self._core = self._process(None, [CORE_CONTEXT_URL], CORE_CONTEXT_URL)

    def core(self) -> ActiveContext:
        """The core context alone (requests without any user context)."""
        return self._core

    def invalidate(self, url: str | None = None) -> None:
        """Forget processed contexts (after a hosted context is deleted or reloaded)."""
        self._cache.clear()
        if url is not None:
            self._documents.pop(url, None)

    async def resolve(self, context: Any | None) -> ActiveContext:
        """Resolve a context value: ``None`` (core only), a URL, an object or a list."""
        if context is None or context == [] or context == CORE_CONTEXT_URL:
            return self._core
        key = context if isinstance(context, str) else self._key(context)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        self._check_shape(context)
        items = context if isinstance(context, list) else [context]
        await self._gather(items)
        if not any(isinstance(i, str) and is_core_url(i) for i in items):
            items = [*items, CORE_CONTEXT_URL]
        url = await self._link_url(context)
        active = self._process(context, items, url)
        self._cache[key] = active
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return active

    @staticmethod
    def _key(context: Any) -> str:
        try:
            return orjson.dumps(context, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError as exc:
            raise BadRequestData(f"invalid @context: {exc}") from None

    @staticmethod
    def _check_shape(context: Any) -> None:
        items = context if isinstance(context, list) else [context]
        for item in items:
            if not isinstance(item, str | dict):
                raise BadRequestData(
                    "an @context must be a URL, an object or a list of URLs and objects"
                )

    async def _link_url(self, context: Any) -> str:
        """The one URL naming this context in Link headers; inline contexts are hosted as
        ImplicitlyCreated so the URL resolves later (ETSI GS CIM 009 §5.13)."""
        if isinstance(context, str):
            return context
        if isinstance(context, list):
            users = [c for c in context if not (isinstance(c, str) and is_core_url(c))]
            if len(users) == 1 and isinstance(users[0], str):
                return users[0]
        digest = hashlib.sha256(self._key(context).encode()).hexdigest()[:32]
        url = self.hosted_base + digest
        if url not in self._documents:
            body = {"@context": context}
            await self.store.put_context(
                StoredContext(url=url, body=body, kind="ImplicitlyCreated", created_at=utc_now())
            )
            self._documents[url] = body
        return url

    async def _gather(self, items: list[Any]) -> None:
        """Load every URL the context refers to (transitively) before pyld runs."""
        pending = [i for i in items if isinstance(i, str)]
        pending += [url for i in items if isinstance(i, dict) for url in _refs(i)]
        seen: set[str] = set()
        while pending:
            url = pending.pop()
            if url in seen:
                continue
            seen.add(url)
            document = self._documents.get(url)
            if document is None:
                document = await self._load(url)
                self._documents[url] = document
            pending.extend(_refs(document.get("@context") if isinstance(document, dict) else None))

    async def _load(self, url: str) -> Any:
        path = self._files.get(url)
        if path is not None:
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise LdContextNotAvailable(
                    f"the preloaded context {url} is unreadable: {exc}"
                ) from None
        stored = await self.store.get_context(url)
        if stored is None and HOSTED_PATH in url:
            stored = await self.store.get_context(self.hosted_base + url.split(HOSTED_PATH)[-1])
        if stored is not None:
            return stored.body
        if self.settings.fetch_remote_contexts:
            body = await self._fetch(url)
            await self.store.put_context(
                StoredContext(url=url, body=body, kind="Cached", created_at=utc_now())
            )
            return body
        raise LdContextNotAvailable(
            f"the @context {url} is not available offline: add it with POST "
            "/ngsi-ld/v1/jsonldContexts, preload it in DOSI_CONTEXT_DIR, or switch on "
            "DOSI_FETCH_REMOTE_CONTEXTS"
        )

    async def fetch(self, url: str) -> Any:
        """Fetch a remote context now (used to reload Cached contexts)."""
        return await self._fetch(url)

    async def _fetch(self, url: str) -> Any:
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=True) as http:
                response = await http.get(url, headers={"Accept": "application/ld+json"})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LdContextNotAvailable(f"fetching the @context {url} failed: {exc}") from None
        if not isinstance(body, dict) or "@context" not in body:
            raise LdContextNotAvailable(f"{url} did not return a JSON-LD context document")
        return body

    def _process(self, source: Any, items: list[Any], url: str) -> ActiveContext:
        def loader(doc_url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
            document = self._documents.get(doc_url)
            if document is None:
                path = self._files.get(doc_url)
                if path is None:
                    raise LdContextNotAvailable(f"the @context {doc_url} is not available")
                document = json.loads(path.read_text(encoding="utf-8"))
                self._documents[doc_url] = document
            return {"contextUrl": None, "documentUrl": doc_url, "document": document}

        processor = jsonld.JsonLdProcessor()
        options = {
            "documentLoader": loader,
            "contextResolver": jsonld.ContextResolver({}, loader),
            "base": "",
        }
        try:
            initial = processor._get_initial_context(options)
            active = processor.process_context(initial, copy.deepcopy(items), options)
        except LdContextNotAvailable:
            raise
        except jsonld.JsonLdError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, LdContextNotAvailable):
                raise cause from None
            raise BadRequestData(f"invalid @context: {exc}") from None
        except Exception as exc:  # pyld surfaces some malformed input as other errors
            raise BadRequestData(f"invalid @context: {exc}") from None
        return ActiveContext(source, url, active)


def _refs(context: Any) -> list[str]:
    """URLs a context value refers to (strings in it, and ``@import``)."""
    if isinstance(context, str):
        return [context]
    if isinstance(context, list):
        return [url for item in context for url in _refs(item)]
    if isinstance(context, dict):
        refs = [context["@import"]] if isinstance(context.get("@import"), str) else []
        for value in context.values():
            if isinstance(value, dict) and "@context" in value:
                refs.extend(_refs(value["@context"]))
        return refs
    return []


__all__ = ["ActiveContext", "ContextResolver", "is_core_url"]
