"""End-to-end: the real ``dosi`` command serves the API and the demo city."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from dosi.api.media import link_header
from dosi.demo.sample_city import SDM
from tests.conftest import PG_DSN, need_service
from tests.live import live_dosi

pytestmark = pytest.mark.slow


def test_demo_serves_sample_city(tmp_path: Path) -> None:
    with live_dosi("demo", tmp_path) as server:
        link = {"Link": link_header(SDM.format("WasteManagement"))}
        response = httpx.get(
            f"{server.url}/ngsi-ld/v1/entities",
            params={"type": "WasteContainer", "count": "true", "limit": "5"},
            headers=link,
        )
        assert response.status_code == 200, response.text
        assert response.headers["NGSILD-Results-Count"] == "40"
        first = response.json()[0]
        assert first["type"] == "WasteContainer"
        assert 0 <= first["fillingLevel"]["value"] <= 1
    assert (tmp_path / "dosi.db").exists()


def test_serve_persists_across_restart(tmp_path: Path) -> None:
    entity = {
        "id": "urn:ngsi-ld:Thing:1",
        "type": "Thing",
        "size": {"type": "Property", "value": 3},
    }
    with live_dosi("serve", tmp_path) as server:
        created = httpx.post(f"{server.url}/ngsi-ld/v1/entities", json=entity)
        assert created.status_code == 201, created.text
    with live_dosi("serve", tmp_path) as server:
        got = httpx.get(f"{server.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:1")
        assert got.status_code == 200
        assert got.json()["type"].endswith("Thing")


def test_serve_on_postgres(tmp_path: Path) -> None:
    need_service("PostgreSQL", "127.0.0.1", 5432)
    import asyncio
    import uuid

    from tests.conftest import drop_pg_schema

    schema = f"dosi_cli_{uuid.uuid4().hex[:10]}"
    env = {"DOSI_DATABASE_URL": f"{PG_DSN}?schema={schema}"}
    try:
        with live_dosi("serve", tmp_path, env) as server:
            entity = {"id": "urn:ngsi-ld:Thing:pg", "type": "Thing"}
            assert httpx.post(f"{server.url}/ngsi-ld/v1/entities", json=entity).status_code == 201
            got = httpx.get(f"{server.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:pg")
            assert got.status_code == 200
        assert not (tmp_path / "dosi.db").exists()
    finally:
        asyncio.run(drop_pg_schema(schema))
