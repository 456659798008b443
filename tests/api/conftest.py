"""API test fixtures: the real app on each store, driven in-process through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.settings import Settings
from dosi.store import Store

TEST_CONTEXT = (
    "https://raw.githubusercontent.com/marek-mraz/ngsi-ld-test-suite/main/resources/"
    "jsonld-contexts/ngsi-ld-test-suite.jsonld"
)
SUITE = "https://ngsi-ld-test-suite/context#"
LINK = {"Link": link_header(TEST_CONTEXT)}
JSON_HEADERS = {"Content-Type": "application/json", **LINK}
LD_HEADERS = {"Content-Type": "application/ld+json"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_limit=100, public_url="http://dosi.test")


@pytest.fixture
async def client(store: Store, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, store=store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://dosi.test/ngsi-ld/v1") as http,
    ):
        yield http


def vehicle(entity_id: str = "urn:ngsi-ld:Vehicle:A1", **attrs: Any) -> dict[str, Any]:
    """A test-suite style Vehicle in normalized form."""
    body: dict[str, Any] = {
        "id": entity_id,
        "type": "Vehicle",
        "brandName": {"type": "Property", "value": "Mercedes"},
        "speed": {"type": "Property", "value": 80, "observedAt": "2026-11-25T01:00:00Z"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [127.29, 36.48]},
        },
    }
    body.update(attrs)
    return body


async def create(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    response = await client.post("/entities", json=body, headers={**JSON_HEADERS, **headers})
    assert response.status_code == 201, response.text
    return response


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The response is a ProblemDetails of the given NGSI-LD error type."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{kind}", body
    assert body.get("title")
    assert body.get("detail")
    return body
