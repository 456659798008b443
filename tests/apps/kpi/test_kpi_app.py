"""The KPI app through the real platform: entities in, indicators out (HTTP, CLI, entities)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pytest
from typer.testing import CliRunner

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.apps.kpi.command import report_text
from dosi.cli import app as cli
from dosi.settings import Settings
from dosi.store import Store

SDM = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"
NOW = datetime.now(UTC).replace(microsecond=0)
START, END = NOW - timedelta(hours=2), NOW + timedelta(minutes=1)
PERIOD = f"{START.isoformat()}/{END.isoformat()}"


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def prop(value: Any, minutes_ago: float | None = None) -> dict[str, Any]:
    attr: dict[str, Any] = {"type": "Property", "value": value}
    if minutes_ago is not None:
        attr["observedAt"] = iso(minutes_ago)
    return attr


def headers(domain: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Link": link_header(SDM.format(domain))}


CITY: list[tuple[str, dict[str, Any]]] = [
    ("WasteManagement", {"id": "urn:w:1", "type": "WasteContainer", "fillingLevel": prop(0.3)}),
    ("WasteManagement", {"id": "urn:w:2", "type": "WasteContainer", "status": prop("ok")}),
    (
        "Streetlighting",
        {
            "id": "urn:l:1",
            "type": "Streetlight",
            "status": prop("ok"),
            "controllingMethod": prop("individual"),
        },
    ),
    ("Streetlighting", {"id": "urn:l:2", "type": "Streetlight", "status": prop("defectiveLamp")}),
    ("Parking", {"id": "urn:p:1", "type": "ParkingSpot", "status": prop("free")}),
    ("Parking", {"id": "urn:p:2", "type": "ParkingSpot", "status": prop("unknown")}),
    (
        "Alert",
        {
            "id": "urn:a:1",
            "type": "Alert",
            "state": prop("acknowledged"),
            "detectedAt": prop(iso(60)),
            "acknowledgedAt": prop(iso(54)),
        },
    ),
]
STATION = "urn:ngsi-ld:AirQualityObserved:k:1"
GAUGE = "urn:ngsi-ld:FloodMonitoring:k:1"


async def load_city(http: httpx.AsyncClient) -> None:
    for domain, entity in CITY:
        created = await http.post("/ngsi-ld/v1/entities", json=entity, headers=headers(domain))
        assert created.status_code == 201, created.text
    env = headers("Environment")
    station = {
        "id": STATION,
        "type": "AirQualityObserved",
        "pm25": prop(10, 90),
        "airQualityIndex": prop(60, 90),
    }
    gauge = {"id": GAUGE, "type": "FloodMonitoring", "floodLevel": prop("normal", 90)}
    for entity in (station, gauge):
        created = await http.post("/ngsi-ld/v1/entities", json=entity, headers=env)
        assert created.status_code == 201, created.text
    later = {"pm25": prop(20, 60), "airQualityIndex": prop(120, 60)}
    await http.patch(f"/ngsi-ld/v1/entities/{STATION}/attrs", json=later, headers=env)
    warned = {"floodLevel": prop("warning", 60)}
    await http.patch(f"/ngsi-ld/v1/entities/{GAUGE}/attrs", json=warned, headers=env)


EXPECTED = {
    "iso37120-8.1": 15.0,
    "iso37120-8.2": None,
    "dosi-air-days-above": 1.0,
    "dosi-waste-telemetry": 50.0,
    "dosi-lighting-managed": 50.0,
    "dosi-lighting-faults": 50.0,
    "dosi-parking-realtime": 50.0,
    "dosi-incident-response": 6.0,
    "dosi-flood-warnings": 1.0,
}


async def test_reports_over_http_cli_and_entities(
    store: Store, store_kind: str, tmp_path: Path
) -> None:
    config = {"kpi": {"publish_every": 0.2, "publish_period": "PT3H"}}
    settings = Settings(data_dir=tmp_path, apps=["kpi"], app_settings=config)
    app = create_app(settings, store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert app.state.apps.failed == {}
        await load_city(http)

        listed = await http.get("/apps/kpi/indicators")
        assert listed.status_code == 200
        assert [i["id"] for i in listed.json()] == list(EXPECTED)

        got = await http.get("/apps/kpi/report", params={"period": PERIOD})
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/json"
        values = {i["id"]: i["value"] for i in got.json()["indicators"]}
        assert values == pytest.approx(EXPECTED)

        got = await http.get("/apps/kpi/report", params={"period": PERIOD, "format": "csv"})
        assert got.headers["content-type"].startswith("text/csv")
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(got.text))}
        assert float(rows["dosi-incident-response"]["value"]) == 6.0

        got = await http.get(
            "/apps/kpi/report", params={"period": PERIOD, "format": "html", "lang": "ko"}
        )
        doc = lxml.html.document_fromstring(got.text)
        assert "도시 지표" in doc.findtext(".//h1")
        assert doc.xpath("//svg")

        bad = await http.get("/apps/kpi/report", params={"format": "xml"})
        assert bad.status_code == 400
        assert bad.json()["type"].endswith("BadRequestData")
        bad = await http.get("/apps/kpi/report", params={"period": "soon"})
        assert bad.status_code == 400

        published = await published_kpi(http, "dosi-waste-telemetry")
        assert published["kpiValue"]["value"] == 50.0
        assert published["kpiValue"]["unitCode"] == "P1"
        assert published["name"]["languageMap"]["ko"] == "적재량 원격 감시 쓰레기통 비율"

    text = await report_text(store, settings, period=PERIOD, fmt="csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert float(rows["iso37120-8.1"]["value"]) == 15.0

    if store_kind == "sqlite":  # the command line opens the store itself
        out = tmp_path / "report.html"
        args = ["kpi", "report", "--format", "html", "--period", PERIOD, "--lang", "zh"]
        args += ["--data-dir", str(tmp_path), "--output", str(out)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, args)
        assert result.exit_code == 0, result.output
        page = lxml.html.document_fromstring(out.read_text(encoding="utf-8"))
        assert page.findtext(".//h1") == "城市指标"
        result = await asyncio.to_thread(
            CliRunner().invoke,
            cli,
            ["kpi", "report", "--format", "xml", "--data-dir", str(tmp_path)],
        )
        assert result.exit_code == 2


async def published_kpi(http: httpx.AsyncClient, indicator: str) -> dict[str, Any]:
    url = f"/ngsi-ld/v1/entities/urn:ngsi-ld:KeyPerformanceIndicator:dosi:{indicator}"
    for _ in range(100):
        got = await http.get(url, headers={"Link": link_header(SDM.format("Environment"))})
        if got.status_code == 200:
            body: dict[str, Any] = got.json()
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{indicator} was not published")
