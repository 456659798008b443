"""Authentication and roles on the HTTP API: every role against reads, writes and admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dosi.api.app import create_app
from dosi.auth.users import UserStore
from dosi.settings import Settings
from dosi.store import Store

ENTITY = {"id": "urn:ngsi-ld:Thing:1", "type": "Thing", "n": {"type": "Property", "value": 1}}
PASSWORD = "correct horse battery"


@pytest.fixture
async def secured(store: Store, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(data_dir=tmp_path, auth_enabled=True, auth_issuer="urn:dosi:test")
    users = UserStore(store)
    await users.add("admin", PASSWORD, {"*": ["city-admin"]})
    await users.add("op", PASSWORD, {"sejong": ["operator"]})
    await users.add("viewer", PASSWORD, {"sejong": ["viewer"]})
    await users.add("sensor", PASSWORD, {"sejong": ["device"]})
    await users.add("gone", PASSWORD, {"*": ["city-admin"]})
    await users.set_disabled("gone", True)
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def token(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    response = await http.post("/auth/token", json={"username": user, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}", "NGSILD-Tenant": "sejong"}


async def test_no_or_bad_token_is_401(secured: httpx.AsyncClient) -> None:
    response = await secured.get("/ngsi-ld/v1/types")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["type"].endswith("Unauthorized")
    bad = await secured.get("/ngsi-ld/v1/types", headers={"Authorization": "Bearer x.y.z"})
    assert bad.status_code == 401
    wrong = await secured.post("/auth/token", json={"username": "op", "password": "nope"})
    assert wrong.status_code == 401
    disabled = await secured.post("/auth/token", json={"username": "gone", "password": PASSWORD})
    assert disabled.status_code == 401
    assert (await secured.get("/health")).status_code == 200


@pytest.mark.parametrize(
    ("user", "read", "write", "admin"),
    [
        ("admin", 200, 201, 201),
        ("op", 200, 403, 403),
        ("viewer", 200, 403, 403),
        ("sensor", 403, 403, 403),
    ],
)
async def test_role_matrix(
    secured: httpx.AsyncClient, user: str, read: int, write: int, admin: int
) -> None:
    headers = await token(secured, user)
    admin_headers = await token(secured, "admin")
    await secured.post(
        "/ngsi-ld/v1/entities", json={**ENTITY, "id": "urn:ngsi-ld:Thing:0"}, headers=admin_headers
    )
    got = await secured.get("/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:0", headers=headers)
    assert got.status_code == read
    created = await secured.post("/ngsi-ld/v1/entities", json=ENTITY, headers=headers)
    assert created.status_code == write
    context = {"@context": {"Thing": "https://example.org/Thing"}}
    hosted = await secured.post("/ngsi-ld/v1/jsonldContexts", json=context, headers=headers)
    assert hosted.status_code == admin
    users = await secured.post(
        "/auth/users",
        json={"username": f"new-{user}", "password": PASSWORD, "roles": {"": ["viewer"]}},
        headers=headers,
    )
    assert users.status_code == admin


async def test_roles_are_per_tenant(secured: httpx.AsyncClient) -> None:
    headers = await token(secured, "viewer")
    elsewhere = {**headers, "NGSILD-Tenant": "shenzhen"}
    response = await secured.get("/ngsi-ld/v1/types", headers=elsewhere)
    assert response.status_code == 403
    assert response.json()["type"].endswith("Forbidden")


async def test_jwks_is_public(secured: httpx.AsyncClient) -> None:
    keys = (await secured.get("/auth/jwks.json")).json()["keys"]
    assert keys[0]["alg"] == "ES256" and "d" not in keys[0]


async def test_audit_trail_names_the_principal(secured: httpx.AsyncClient) -> None:
    admin = await token(secured, "admin")
    await secured.post("/ngsi-ld/v1/entities", json=ENTITY, headers=admin)
    patch = {"n": {"type": "Property", "value": 2}}
    await secured.patch("/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:1/attrs", json=patch, headers=admin)
    records = (await secured.get("/audit", headers=admin)).json()
    assert [(r["actor"], r["change"], r["entity"]) for r in records] == [
        ("admin", "created", "urn:ngsi-ld:Thing:1"),
        ("admin", "updated", "urn:ngsi-ld:Thing:1"),
    ]
    assert records[1]["attributes"] == ["https://uri.etsi.org/ngsi-ld/default-context/n"]
    viewer = await token(secured, "viewer")
    assert (await secured.get("/audit", headers=viewer)).status_code == 403
