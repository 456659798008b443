"""Fixtures for the control room: the real app in-process (SQLite store), and for the
browser tests a headless chromium against a real ``dosi demo`` (one per test module)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.api.services import Services
from dosi.settings import Settings
from dosi.store import create_store
from tests.live import LiveServer, live_dosi
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, need_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


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


# -- browser tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_dosi("demo", tmp_path_factory.mktemp("web-demo")) as running:
        yield running


@pytest.fixture
def console_errors() -> list[str]:
    """Errors the page logged; a test that provokes some removes them (checked at the end)."""
    return []


@pytest.fixture
def page(browser: Browser, server: LiveServer, console_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    opened = context.new_page()
    errors = console_errors
    opened.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    opened.on(
        "console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None
    )
    opened.set_default_timeout(15_000)
    try:
        yield opened
        assert not errors, errors  # includes Content-Security-Policy violations
    finally:
        context.close()
