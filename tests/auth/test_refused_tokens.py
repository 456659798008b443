"""Bearer tokens the API refuses with 401 ProblemDetails: a tampered signature, expiry past
the clock skew (and acceptance within it), the wrong audience and the wrong issuer, even
when signed by dosi's own key."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.auth.routes import AuthState
from dosi.auth.tokens import TokenIssuer, TokenPolicy
from dosi.auth.users import UserStore
from dosi.settings import Settings
from dosi.store import Store

ISSUER = "urn:dosi:test"
AUDIENCE = "dosi"
SKEW = 30.0
TTL = 600.0
ADMIN = {"*": ["city-admin"]}
pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        auth_enabled=True,
        auth_issuer=ISSUER,
        auth_audience=AUDIENCE,
        auth_clock_skew=SKEW,
        auth_token_ttl=TTL,
    )


@pytest.fixture
async def app(store: Store, settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        await UserStore(store).add("admin", "correct horse battery", ADMIN)
        yield app


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


def own_issuer(app: Starlette) -> TokenIssuer:
    state: AuthState = app.state.auth
    return state.issuer


def signed_with_own_key(settings: Settings, issuer: str, audience: str) -> str:
    """A token signed by the server's own key but with other claims."""
    key = settings.data_dir / "auth" / "signing-key.pem"
    return TokenIssuer(TokenPolicy(issuer, audience), key, ttl=TTL).issue("mallory", ADMIN)


async def get_types(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/ngsi-ld/v1/types", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: httpx.Response, fragment: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "https://dosi.city/errors/Unauthorized"
    assert body["title"]
    assert fragment in body["detail"]


async def test_a_valid_token_is_accepted(http: httpx.AsyncClient, app: Starlette) -> None:
    token = own_issuer(app).issue("admin", ADMIN)
    assert (await get_types(http, token)).status_code == 200


async def test_tampered_signature(http: httpx.AsyncClient, app: Starlette) -> None:
    token = own_issuer(app).issue("viewer", {"": ["viewer"]})
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["dosi_roles"] = ADMIN
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert_refused(await get_types(http, f"{head}.{forged}.{signature}"), "invalid token")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_refused(await get_types(http, f"{head}.{payload}.{flipped}"), "invalid token")


async def test_expiry_honours_the_clock_skew(http: httpx.AsyncClient, app: Starlette) -> None:
    issuer = own_issuer(app)
    expired = issuer.issue("admin", ADMIN, now=time.time() - TTL - SKEW - 5)
    assert_refused(await get_types(http, expired), "expired")
    within_skew = issuer.issue("admin", ADMIN, now=time.time() - TTL - SKEW / 2)
    assert (await get_types(http, within_skew)).status_code == 200


async def test_wrong_audience(http: httpx.AsyncClient, settings: Settings) -> None:
    token = signed_with_own_key(settings, ISSUER, "another-service")
    assert_refused(await get_types(http, token), "audience")


async def test_wrong_issuer(http: httpx.AsyncClient, settings: Settings) -> None:
    token = signed_with_own_key(settings, "https://idp.elsewhere.example", AUDIENCE)
    assert_refused(await get_types(http, token), "issuer")


async def test_refused_on_every_surface(http: httpx.AsyncClient, settings: Settings) -> None:
    token = signed_with_own_key(settings, ISSUER, "another-service")
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in [
        ("GET", "/iot/services"),
        ("POST", "/iot/json?k=x&i=y"),
        ("GET", "/ui/events"),
        ("GET", "/openapi.json"),
        ("GET", "/auth/me"),
    ]:
        response = await http.request(method, path, headers=headers)
        assert_refused(response, "audience")
