"""With authentication on, the audit trail names the principal who acted; viewers may read
incidents but not act on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dosi.api.app import create_app
from dosi.auth.users import UserStore
from dosi.settings import Settings
from dosi.store import Store
from tests.ops.incidents.test_api import FLOOD

PASSWORD = "correct horse battery"


@pytest.fixture
async def secured(store: Store, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path, auth_enabled=True, auth_issuer="urn:dosi:test")
    users = UserStore(store)
    await users.add("kim", PASSWORD, {"sejong": ["operator"]})
    await users.add("viewer", PASSWORD, {"sejong": ["viewer"]})
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def login(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post("/auth/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}", "NGSILD-Tenant": "sejong"}


async def test_the_principal_is_the_actor(secured: httpx.AsyncClient) -> None:
    kim = await login(secured, "kim")
    viewer = await login(secured, "viewer")
    created = await secured.post("/ops/incidents", json=FLOOD, headers=kim)
    assert created.status_code == 201, created.text
    path = f"/ops/incidents/{created.json()['id']}"
    assert created.json()["alertSource"] == "operator:kim"
    assert (await secured.post(f"{path}/acknowledge", headers=viewer)).status_code == 403
    assert (await secured.get(path, headers=viewer)).status_code == 200
    assert (await secured.post(f"{path}/acknowledge", headers=kim)).status_code == 200
    assert (await secured.get(path)).status_code == 401
    trail = (await secured.get(f"{path}/audit", headers=viewer)).json()
    acknowledged = next(e for e in trail if e["action"] == "state:acknowledged")
    assert acknowledged["actor"] == "kim"
    assert acknowledged["before"] == {"state": "detected"}
    assert acknowledged["after"] == {"state": "acknowledged"}
