"""The control room's routes: page, assets, translations, config, basemap; security headers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from dosi.ops.lifecycle import CATEGORIES
from dosi.web.catalogue import BOARD_STATES, INCIDENTS, LAYERS
from dosi.web.headers import content_security_policy
from dosi.web.settings import WebSettings

STATIC = Path(__file__).resolve().parents[2] / "src" / "dosi" / "web" / "static"


def assert_ui_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_index_is_served_at_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<div id="map"' in response.text
    assert_ui_headers(response)


async def test_page_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    html = (await client.get("/")).text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/ui/assets/") for u in urls), urls
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert_ui_headers(asset)


async def test_module_scripts_are_javascript(client: httpx.AsyncClient) -> None:
    for path in ("vendor/maplibre-gl/maplibre-gl.mjs", "vendor/maplibre-gl/maplibre-gl-worker.mjs"):
        response = await client.get(f"/ui/assets/{path}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript")


def test_app_code_imports_nothing_remote() -> None:
    for script in (STATIC / "app").glob("*.js"):
        text = script.read_text("utf-8")
        for target in re.findall(r'^import .*? from "([^"]+)";$', text, re.M):
            assert target.startswith("./") or target.startswith("../vendor/"), (script, target)
        assert 'fetch("http' not in text and "fetch(`http" not in text


async def test_translations(client: httpx.AsyncClient) -> None:
    for lang in ("ko", "zh", "en"):
        response = await client.get(f"/ui/assets/i18n/{lang}.json")
        assert response.status_code == 200
        assert response.json()["app.title"]
        assert_ui_headers(response)
    assert (await client.get("/ui/assets/i18n/fr.json")).status_code == 404
    assert (await client.get("/ui/assets/i18n/..%2F..%2Fsettings.json")).status_code == 404
    assert (await client.get("/ui/assets/../settings.py")).status_code == 404


async def test_config_names_the_layers_and_limits(client: httpx.AsyncClient) -> None:
    response = await client.get("/ui/config.json")
    assert response.status_code == 200
    body = response.json()
    assert [x["type"] for x in body["layers"]] == [x.type for x in LAYERS]
    assert body["maxLimit"] == 500
    assert body["api"] == "/ngsi-ld/v1"
    assert body["tiles"] is None
    assert set(body["languages"]) == {"ko", "zh", "en"}
    assert_ui_headers(response)


async def test_config_names_incidents_permissions_and_kpi(client: httpx.AsyncClient) -> None:
    body = (await client.get("/ui/config.json")).json()
    assert body["incidents"]["type"] == INCIDENTS.type == "Alert"
    assert body["incidents"]["context"] == INCIDENTS.context
    assert body["incidents"]["boardStates"] == list(BOARD_STATES)
    assert body["ops"] == "/ops"
    assert body["auth"] == {"enabled": False, "me": "/auth/me"}
    assert body["kpi"].startswith("/apps/kpi/report")


async def test_procedures_in_every_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/ui/procedures.json")
    assert response.status_code == 200
    assert_ui_headers(response)
    body = response.json()
    assert set(body) == set(CATEGORIES)
    for steps in body.values():
        for step in steps:
            assert step["id"] and set(step["text"]) == {"ko", "zh", "en"}
    assert body["fire"], "the fire procedure has steps"


async def test_configured_tiles_reach_page_and_policy(app: Starlette) -> None:
    app.state.web_settings = WebSettings(
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png", tile_attribution="© Example"
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dosi.test") as http:
        body = (await http.get("/ui/config.json")).json()
        csp = (await http.get("/")).headers["content-security-policy"]
    assert body["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "kind": "raster",
        "attribution": "© Example",
    }
    assert "img-src 'self' data: https://tiles.example.org;" in csp
    assert "connect-src 'self' https://tiles.example.org;" in csp


def test_policy_ignores_non_http_origins() -> None:
    csp = content_security_policy(WebSettings(extra_origins=["javascript:alert(1)", "x"]))
    assert "connect-src 'self';" in csp


async def test_basemap_is_cached_geojson(client: httpx.AsyncClient, app: Starlette) -> None:
    response = await client.get("/ui/basemap.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.json()["type"] == "FeatureCollection"
    assert app.state.web_basemap == response.content


async def test_api_still_answers(client: httpx.AsyncClient) -> None:
    """The UI routes sit beside the API without shadowing it."""
    response = await client.get("/ngsi-ld/v1/types")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/ui/events"])
async def test_live_stream_limit(app: Starlette, client: httpx.AsyncClient, path: str) -> None:
    from dosi.web.events import Streams

    app.state.web_streams = Streams(limit=0)
    response = await client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
