"""Device agent fixtures: the real app (with its agent) on each store, driven over HTTP
in-process; helpers to provision and to wait for the asynchronous pipeline."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.ingest.agent import IngestAgent
from dosi.settings import Settings
from dosi.store import Store, create_store
from tests.conftest import store_url

SDM_WASTE = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.WasteManagement/master/"
    "context.jsonld"
)
WASTE_LINK = {"Link": link_header(SDM_WASTE)}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mqtt_url() -> str | None:
    """Override in a module to connect the agent (memory:// or mqtt://)."""
    return None


@pytest.fixture
def settings(tmp_path: Path, mqtt_url: str | None) -> Settings:
    return Settings(data_dir=tmp_path, public_url="http://dosi.test", mqtt_url=mqtt_url)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    url, _ = store_url("sqlite", tmp_path)
    backend = create_store(url)
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


async def _app(store: Store, settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def app(store: Store, settings: Settings) -> AsyncIterator[Starlette]:
    """The app on both stores (parametrized through ``store``)."""
    async for item in _app(store, settings):
        yield item


@pytest.fixture
async def sqlite_app(sqlite_store: Store, settings: Settings) -> AsyncIterator[Starlette]:
    async for item in _app(sqlite_store, settings):
        yield item


def _client(app: Starlette) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://dosi.test")


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(app) as client:
        yield client


@pytest.fixture
async def sqlite_http(sqlite_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(sqlite_app) as client:
        yield client


def agent_of(app: Starlette) -> IngestAgent:
    agent: IngestAgent = app.state.ingest
    return agent


def waste_group(apikey: str, **extra: Any) -> dict[str, Any]:
    return {
        "apikey": apikey,
        "entity_type": "WasteContainer",
        "context": SDM_WASTE,
        "attributes": [
            {
                "object_id": "f",
                "name": "fillingLevel",
                "value_type": "Number",
                "expression": "value / 100",
                "min": 0,
                "max": 1,
            },
            {"object_id": "t", "name": "temperature", "value_type": "Number", "unit_code": "CEL"},
        ],
        **extra,
    }


def waste_device(device_id: str, apikey: str, **extra: Any) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "apikey": apikey,
        "static_attributes": {
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [127.29, 36.48]},
            },
            "name": "Hansol bin 1",
        },
        **extra,
    }


async def provision(
    http: httpx.AsyncClient,
    group: dict[str, Any],
    devices: list[dict[str, Any]],
    tenant: str = "",
) -> str:
    headers = {"NGSILD-Tenant": tenant} if tenant else {}
    response = await http.post("/iot/services", json=group, headers=headers)
    assert response.status_code == 201, response.text
    if devices:
        response = await http.post("/iot/devices", json={"devices": devices}, headers=headers)
        assert response.status_code == 201, response.text
    group_id: str = (
        await http.get("/iot/services", params={"apikey": group["apikey"]}, headers=headers)
    ).json()["services"][0]["id"]
    return group_id


async def entity(
    http: httpx.AsyncClient, entity_id: str, link: dict[str, str] | None = None, **params: str
) -> dict[str, Any]:
    response = await http.get(
        f"/ngsi-ld/v1/entities/{entity_id}", headers=link or WASTE_LINK, params=params
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until ``check`` holds (the pipeline and dead letters are asynchronous): the
    condition is read through the public API, so polling is the honest way to wait."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
