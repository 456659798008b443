"""Offline-first @context resolution: packaged, preloaded, hosted and (opt-in) fetched."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dosi.core.jsonld import ContextResolver
from dosi.errors import BadRequestData, LdContextNotAvailable
from dosi.settings import Settings
from dosi.store import Store

CORE_V19 = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"
SDM_WASTE = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.WasteManagement/master/"
    "context.jsonld"
)


def resolver(store: Store, **settings: Any) -> ContextResolver:
    return ContextResolver(Settings(**settings), store)


async def test_core_terms(store: Store) -> None:
    core = resolver(store).core()
    assert core.expand("location") == "https://uri.etsi.org/ngsi-ld/location"
    assert core.compact("https://uri.etsi.org/ngsi-ld/location") == "location"
    assert core.expand("speed") == "https://uri.etsi.org/ngsi-ld/default-context/speed"
    assert core.compact(core.expand("speed")) == "speed"
    assert core.url.endswith("ngsi-ld-core-context-v1.8.jsonld")


async def test_v19_core_and_smart_data_models_offline(store: Store) -> None:
    r = resolver(store)
    v19 = await r.resolve(CORE_V19)
    assert v19.expand("observedAt") == "https://uri.etsi.org/ngsi-ld/observedAt"
    waste = await r.resolve([SDM_WASTE, CORE_V19])
    iri = "https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel"
    assert waste.expand("fillingLevel") == iri
    assert waste.compact(iri) == "fillingLevel"
    assert await r.resolve([SDM_WASTE, CORE_V19]) is waste  # processed once, cached


async def test_preload_folder(store: Store, tmp_path: Path) -> None:
    url = "https://city.example/contexts/bins.jsonld"
    (tmp_path / "bins.jsonld").write_text(
        json.dumps({"@context": {"Bin": "https://city.example/ns#Bin"}})
    )
    (tmp_path / "index.json").write_text(json.dumps({url: "bins.jsonld"}))
    active = await resolver(store, context_dir=tmp_path).resolve(url)
    assert active.expand("Bin") == "https://city.example/ns#Bin"
    assert active.url == url
    with pytest.raises(LdContextNotAvailable, match="DOSI_CONTEXT_DIR"):
        await resolver(store).resolve(url)


async def test_inline_context_is_hosted(store: Store) -> None:
    r = resolver(store)
    active = await r.resolve({"Bin": "https://city.example/ns#Bin"})
    assert "/ngsi-ld/v1/jsonldContexts/" in active.url
    stored = await store.get_context(active.url)
    assert stored is not None and stored.kind == "ImplicitlyCreated"
    again = await resolver(store).resolve(active.url)  # a new process resolves it offline
    assert again.expand("Bin") == "https://city.example/ns#Bin"


async def test_invalid_contexts(store: Store) -> None:
    r = resolver(store)
    with pytest.raises(BadRequestData):
        await r.resolve(42)
    with pytest.raises(BadRequestData):
        await r.resolve({"@version": 2})


@pytest.fixture
def context_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps({"@context": {"Lamp": "https://remote.example/ns#Lamp"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ctx.jsonld", hits
    finally:
        server.shutdown()
        server.server_close()


async def test_remote_fetch_only_when_enabled_and_cached(
    store: Store, context_server: tuple[str, list[str]]
) -> None:
    url, hits = context_server
    with pytest.raises(LdContextNotAvailable):
        await resolver(store).resolve(url)
    assert hits == []
    fetched = await resolver(store, fetch_remote_contexts=True).resolve(url)
    assert fetched.expand("Lamp") == "https://remote.example/ns#Lamp"
    stored = await store.get_context(url)
    assert stored is not None and stored.kind == "Cached"
    offline = await resolver(store).resolve(url)  # a restart: from the store, not the network
    assert offline.expand("Lamp") == "https://remote.example/ns#Lamp"
    assert len(hits) == 1
