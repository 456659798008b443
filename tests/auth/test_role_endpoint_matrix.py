"""Every role against every endpoint the app serves: the route table is walked, each
method of each route is called with a token of each role, and the answer must follow the
permission table (403 exactly where the role lacks the permission, never 401 with a
valid token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from dosi.api.app import create_app
from dosi.auth.policy import is_public, required_permission
from dosi.auth.roles import Role, permissions_of
from dosi.settings import Settings
from dosi.store import Store

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
ISSUER = "urn:dosi:matrix"
TENANT = "sejong"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, concrete path) for every route, parameters filled with a dummy value."""
    for route in routes:
        if isinstance(route, Mount):
            yield from endpoints(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            path = _PARAM.sub(lambda m: f"urn:ngsi-ld:X:{m.group(1)}", prefix + route.path)
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, path


async def test_every_role_on_every_endpoint(store: Store, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, auth_enabled=True, auth_issuer=ISSUER)
    app = create_app(settings, store=store)
    table = sorted(set(endpoints(list(app.router.routes))))
    assert len(table) > 60  # the whole API, not a sample
    checked = 0
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=30
        ) as http,
    ):
        for role in Role:
            token = app.state.auth.issuer.issue(f"user-{role.value}", {TENANT: [role.value]})
            headers = {"Authorization": f"Bearer {token}", "NGSILD-Tenant": TENANT}
            granted = permissions_of({role})
            for method, path in table:
                if is_public(path) or path.startswith("/ui/events"):
                    continue  # public, or a stream (opened with a ticket, tested apart)
                needed = required_permission(method, path)
                response = await http.request(method, path, headers=headers, json={})
                where = (
                    f"{role.value} {method} {path}: {response.status_code} {response.text[:200]}"
                )
                if needed is not None and needed not in granted:
                    assert response.status_code == 403, where
                else:
                    assert response.status_code not in (401, 403), where
                checked += 1
    assert checked >= len(Role) * 50
