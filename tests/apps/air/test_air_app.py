"""The air app through the real platform: readings in, indices written back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.apps.air.units import for_us, to_ug_m3
from dosi.apps.loader import discover, order
from dosi.errors import AppError
from dosi.settings import Settings
from dosi.store import Store

ENV = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
HEADERS = {"Content-Type": "application/json", "Link": link_header(ENV)}
STATION = {
    "id": "urn:ngsi-ld:AirQualityObserved:sejong:001",
    "type": "AirQualityObserved",
    "pm10": {"type": "Property", "value": 100, "unitCode": "GQ"},
    "pm25": {"type": "Property", "value": 50, "unitCode": "GQ"},
}


async def rated(http: httpx.AsyncClient) -> dict[str, Any]:
    for _ in range(100):
        got = await http.get(
            f"/ngsi-ld/v1/entities/{STATION['id']}", headers={"Link": link_header(ENV)}
        )
        body: dict[str, Any] = got.json()
        if "airQualityIndex" in body:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("no index was written back")


@pytest.mark.parametrize(
    ("standard", "index", "level", "primary"),
    [("korea", 204, "unhealthy", ["pm25"]), ("china", 75, "good", ["pm10"])],
)
async def test_indices_written_back(
    store: Store, tmp_path: Path, standard: str, index: int, level: str, primary: list[str]
) -> None:
    settings = Settings(
        data_dir=tmp_path, apps=["air"], app_settings={"air": {"standard": standard}}
    )
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert app.state.apps.failed == {}
        response = await http.post("/ngsi-ld/v1/entities", json=STATION, headers=HEADERS)
        assert response.status_code == 201, response.text
        body = await rated(http)
        assert body["airQualityIndex"]["value"] == index
        assert body["airQualityLevel"]["value"] == level
        assert body["airQualityIndex"]["primaryPollutant"]["value"] == primary
        worse = {"pm25": {"type": "Property", "value": 90, "unitCode": "GQ"}}
        await http.patch(f"/ngsi-ld/v1/entities/{STATION['id']}/attrs", json=worse, headers=HEADERS)
        for _ in range(100):
            body = await rated(http)
            if body["airQualityIndex"]["value"] != index:
                break
            await asyncio.sleep(0.05)
        assert body["airQualityIndex"]["value"] > index


def test_units() -> None:
    assert to_ug_m3("co", 1.0, "GP") == 1000.0
    assert round(to_ug_m3("no2", 53, "61"), 1) == 99.7  # 53 ppb of NO2 ≈ 99.7 µg/m³
    assert round(for_us({"no2": 99.7})["no2"]) == 53


def test_loader_order_and_errors() -> None:
    manifests = discover()
    assert "air" in manifests
    assert [m.domain for m in order(["air"], manifests)] == ["air"]
    with pytest.raises(AppError):
        order(["nope"], manifests)
