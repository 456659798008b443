"""The OpenAPI document (GET /openapi.json) against the API it describes.

Schemathesis derives requests for every operation from the document and sends them to the
app in-process (with its lifespan, on each store). Each answer must not be a server error
and must match the document (status, body schema). The run is bounded: a few examples per
operation, derandomized under CI=true (the hypothesis profile of tests/conftest.py).

The one 5xx that is the client's doing is LdContextNotAvailable (503): a Link header or
``@context`` naming a URL dosi cannot resolve offline, as ETSI GS CIM 009 prescribes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from dosi.api.app import create_app
from dosi.api.openapi import openapi_document
from dosi.errors import LdContextNotAvailable
from dosi.settings import Settings
from tests.conftest import drop_pg_schema, store_url

#: Requests per operation and store (valid by the document; the API may still refuse them).
EXAMPLES = {"sqlite": 5, "postgres": 2}
SPEC_5XX = frozenset({LdContextNotAvailable.type_uri})


def server_error_unless_the_spec_says_so(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    if response.status_code == 503:
        try:
            if response.json().get("type") in SPEC_5XX:
                return None
        except ValueError:
            pass
    return not_a_server_error(ctx, response, case)


CHECKS = [server_error_unless_the_spec_says_so, response_schema_conformance]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(scope="module")
def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starlette]:
    data = tmp_path_factory.mktemp(f"openapi-{backend}")
    url, schema = store_url(backend, data)
    settings = Settings(
        data_dir=data, database_url=url, public_url="http://testserver", max_limit=100
    )
    yield create_app(settings)
    asgi.shutdown_lifespans()  # schemathesis started the lifespan: stop it now
    if schema is not None:
        asyncio.run(drop_pg_schema(schema))


@pytest.fixture(scope="module")
def api_schema(app: Starlette) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


OPERATIONS = sorted(
    (path, method.upper()) for path, item in openapi_document()["paths"].items() for method in item
)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_matches_its_document(
    api_schema: schemathesis.BaseSchema, backend: str, path: str, method: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES[backend], deadline=None, suppress_health_check=list(HealthCheck)
    )
    def answers_as_documented(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_as_documented()


async def test_document_covers_every_ngsi_ld_route() -> None:
    app = create_app(Settings())
    documented = {
        (_openapi_path(path), method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
    }
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path == "/openapi.json":
            served.add((route.path, "GET"))
        if isinstance(route, Mount) and route.path in ("/ngsi-ld/v1", "/iot"):
            for sub in route.routes:
                assert isinstance(sub, Route)
                path = _openapi_path(route.path + sub.path)
                served |= {(path, m) for m in sub.methods or () if m != "HEAD"}
    missing = served - documented
    assert not missing, sorted(missing)
    assert (documented - served) == set(), sorted(documented - served)


def _openapi_path(path: str) -> str:
    """Path parameters blanked (names differ between the router and the document)."""
    return re.sub(r"\{[^}]+\}", "{}", path)


async def test_served(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path)
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        body = (await http.get("/openapi.json")).json()
    assert body["openapi"] == "3.1.0"
    assert "/ngsi-ld/v1/entities" in body["paths"] and "/iot/services/{id}/keys" in body["paths"]
