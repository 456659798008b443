"""Security headers on every response; CORS only for configured origins."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from dosi.api.app import create_app
from dosi.settings import Settings
from dosi.store import Store


async def test_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/types"),
        await client.get("/entities/urn:x:none"),
        await client.post("/entities", content=b"{", headers={"Content-Type": "application/json"}),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
async def test_cors_only_for_configured_origins(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, cors_origins=["https://ops.sejong.example"])
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        preflight = {
            "Origin": "https://ops.sejong.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "NGSILD-Tenant, Content-Type",
        }
        allowed = await http.options("/ngsi-ld/v1/entities", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://ops.sejong.example"
        other = await http.get("/ngsi-ld/v1/types", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
