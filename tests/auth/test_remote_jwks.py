"""Tokens of an external OIDC issuer: its keys come from discovery and its JWKS endpoint,
served here by a real HTTP server, and a key rotation is picked up without a restart."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dosi.api.app import create_app
from dosi.auth import jwks as jwks_module
from dosi.settings import Settings
from dosi.store import Store

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
AUDIENCE = "dosi"


class Issuer:
    """An identity provider: discovery document, JWKS and RS256 signing keys."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}  # published
        self.signing: dict[str, rsa.RSAPrivateKey] = {}  # every key it ever had
        self.served: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/city"

    def rotate(self, kid: str) -> None:
        """Publish only a new key (the provider dropped the old one)."""
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.signing.update(self.keys)

    def token(self, kid: str, subject: str = "kim") -> str:
        claims = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": subject,
            "exp": int(time.time()) + 300,
            "dosi_roles": {"": ["viewer"]},
        }
        return jwt.encode(claims, self.signing[kid], algorithm="RS256", headers={"kid": kid})

    def _jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**public, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.served.append(self.path)
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/certs"}
                elif self.path.endswith("/certs"):
                    body = issuer._jwks()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    provider = Issuer()
    provider.rotate("k1")
    thread = threading.Thread(target=provider.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        provider.server.shutdown()
        provider.server.server_close()


async def test_keys_by_discovery_and_rotation(
    store: Store, tmp_path: Path, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jwks_module, "MIN_INTERVAL", 0.0)
    settings = Settings(
        data_dir=tmp_path, auth_enabled=True, auth_issuer=issuer.url, auth_audience=AUDIENCE
    )
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert issuer.served[:2] == [
            "/realms/city/.well-known/openid-configuration",
            "/realms/city/certs",
        ]

        async def types(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return (await http.get("/ngsi-ld/v1/types", headers=headers)).status_code

        assert await types(issuer.token("k1")) == 200
        issuer.rotate("k2")
        # the first token with the new key is refused and makes the keys refresh
        assert await types(issuer.token("k2")) == 401
        for _ in range(100):
            if await types(issuer.token("k2")) == 200:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the rotated key was never fetched")
        assert await types(issuer.token("k1")) == 401  # the dropped key no longer signs


async def test_an_unreachable_issuer_does_not_stop_the_server(store: Store, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        auth_enabled=True,
        auth_issuer="http://127.0.0.1:9/realms/none",
        auth_audience=AUDIENCE,
    )
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert (await http.get("/health")).status_code == 200
        refused = await http.get("/ngsi-ld/v1/types", headers={"Authorization": "Bearer x.y.z"})
        assert refused.status_code == 401
