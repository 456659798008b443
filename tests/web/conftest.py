"""Fixtures for the control room: the real app in-process (SQLite store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.api.services import Services
from dosi.settings import Settings
from dosi.store import create_store


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Starlette]:
    store = create_store(f"sqlite:///{(tmp_path / 'dosi.db').as_posix()}")
    await store.open()
    application = create_app(Settings(data_dir=tmp_path, max_limit=500), store=store)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        await store.close()


@pytest.fixture
def services(app: Starlette) -> Services:
    found: Services = app.state.services
    return found


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://dosi.test") as http:
        yield http
