"""The platform's app services: provide/use between apps and routes under /apps/{domain}."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dosi.api.app import create_app
from dosi.apps.loader import LoadedApps
from dosi.core.changes import ChangeFeed
from dosi.core.entities import EntityService
from dosi.errors import AppError
from dosi.platform import AppPlatform
from dosi.settings import Settings
from dosi.store import Store


async def hello(request: Request) -> Response:
    return JSONResponse({"hello": request.path_params["name"]})


async def test_provide_use_and_routes(store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        services = app.state.services
        registry = app.state.registry
        context = await services.resolver.resolve(None)
        first = AppPlatform(
            "first",
            EntityService(store, ChangeFeed()),
            services.feed,
            context,
            {},
            registry=registry,
        )
        second = AppPlatform(
            "second", services.entities, services.feed, context, {}, registry=registry
        )
        first.provide("greeter", "hi")
        with pytest.raises(AppError):
            second.provide("greeter", "again")
        assert second.use("greeter") == "hi"
        with pytest.raises(AppError):
            second.use("missing")

        missing = await http.get("/apps/first/hello/x")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/json"
        assert missing.json()["type"].endswith("ResourceNotFound")

        first.expose([Route("/hello/{name}", hello)])
        app.state.apps = LoadedApps(running={"first": first, "second": second})
        got = await http.get("/apps/first/hello/sejong")
        assert got.status_code == 200, got.text
        assert got.json() == {"hello": "sejong"}
        assert (await http.get("/apps/second/hello/x")).status_code == 404

        await first.unload()
        with pytest.raises(AppError):
            second.use("greeter")
        assert (await http.get("/apps/first/hello/sejong")).status_code == 404
