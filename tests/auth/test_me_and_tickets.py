"""What the control room needs with authentication on: its caller's permissions (/auth/me),
a public page configuration, and stream tickets that open /ui/events and nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.auth.routes import AuthState
from dosi.auth.tickets import ticket_audience
from dosi.auth.users import UserStore
from dosi.settings import Settings
from dosi.store import Store

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)


@pytest.fixture
async def app(store: Store, tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = Settings(data_dir=tmp_path, auth_enabled=True, auth_issuer="urn:dosi:test")
    users = UserStore(store)
    await users.add("viewer", PASSWORD, {"sejong": ["viewer"]})
    await users.add("op", PASSWORD, {"sejong": ["operator"], "": ["viewer"]})
    await users.add("sensor", PASSWORD, {"sejong": ["device"]})
    application = create_app(settings, store=store)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def bearer(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post("/auth/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def stream_status(app: Starlette, query: str) -> int:
    """The status /ui/events starts with (the stream itself is left at once)."""
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ui/events",
        "raw_path": b"/ui/events",
        "query_string": query.encode(),
        "headers": [(b"host", b"t")],
        "server": ("t", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "app": app,
    }
    task = asyncio.create_task(app(scope, receive, send))
    try:
        async with asyncio.timeout(10):
            return await started
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_me_lists_permissions_in_the_tenant(http: httpx.AsyncClient) -> None:
    headers = await bearer(http, "op")
    sejong = (await http.get("/auth/me", headers={**headers, "NGSILD-Tenant": "sejong"})).json()
    assert sejong == {
        "subject": "op",
        "tenant": "sejong",
        "roles": ["operator"],
        "permissions": ["operate", "read"],
    }
    default = (await http.get("/auth/me", headers=headers)).json()
    assert default["permissions"] == ["read"]
    sensor = await http.get("/auth/me", headers=await bearer(http, "sensor"))
    assert sensor.status_code == 200  # no READ needed to learn one's own rights
    assert sensor.json()["permissions"] == []
    assert (await http.get("/auth/me")).status_code == 401


async def test_page_configuration_is_public(http: httpx.AsyncClient) -> None:
    config = await http.get("/ui/config.json")
    assert config.status_code == 200
    assert config.json()["auth"] == {"enabled": True, "me": "/auth/me"}
    assert (await http.get("/ui/basemap.geojson")).status_code == 401


async def test_ticket_opens_the_stream_only(http: httpx.AsyncClient, app: Starlette) -> None:
    headers = await bearer(http, "viewer")
    issued = await http.post("/auth/ticket", headers=headers)
    assert issued.status_code == 200
    ticket = issued.json()["ticket"]
    assert issued.json()["expires_in"] <= 60

    assert await stream_status(app, f"ticket={ticket}&tenant=sejong") == 200
    assert await stream_status(app, f"ticket={ticket}") == 403  # no role in the default tenant
    assert await stream_status(app, "tenant=sejong") == 401
    assert await stream_status(app, "ticket=forged&tenant=sejong") == 401
    long_lived = headers["Authorization"].removeprefix("Bearer ")
    assert await stream_status(app, f"ticket={long_lived}&tenant=sejong") == 401

    as_bearer = {"Authorization": f"Bearer {ticket}", "NGSILD-Tenant": "sejong"}
    refused = await http.get("/ngsi-ld/v1/types", headers=as_bearer)
    assert refused.status_code == 401
    assert "audience" in refused.json()["detail"]
    elsewhere = await http.get(
        f"/ngsi-ld/v1/types?ticket={ticket}", headers={"NGSILD-Tenant": "sejong"}
    )
    assert elsewhere.status_code == 401


async def test_ticket_expires(http: httpx.AsyncClient, app: Starlette) -> None:
    state: AuthState = app.state.auth
    old = state.issuer.issue(
        "viewer",
        {"sejong": ["viewer"]},
        audience=ticket_audience(state.issuer.policy),
        ttl=60,
        now=0,
    )
    assert await stream_status(app, f"ticket={old}&tenant=sejong") == 401
    assert (await http.post("/auth/ticket")).status_code == 401
