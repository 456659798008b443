"""The flood app through the real platform: readings in, levels written back, signals out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from shapely.geometry import Point, shape
from starlette.applications import Starlette

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.api.services import Services
from dosi.ops.signals import SIGNALS, Signal
from dosi.settings import Settings
from dosi.store import Store

ENV = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
HEADERS = {"Content-Type": "application/json", "Link": link_header(ENV)}
GAUGE = "urn:ngsi-ld:FloodMonitoring:sejong:RG-001"
WHERE = [127.26, 36.48]
#: alpha = beta = 1 makes the forecast 2·y(t) - y(t-1) for readings one step apart.
PLAIN = {"alpha": 1.0, "beta": 1.0, "step": "PT5M", "horizon": "PT5M", "hysteresis": 0.1}


class RecordingSink:
    def __init__(self) -> None:
        self.signals: list[Signal] = []

    async def signal(self, signal: Signal) -> None:
        self.signals.append(signal)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def gauge(level: float, at: datetime) -> dict[str, Any]:
    return {
        "id": GAUGE,
        "type": "FloodMonitoring",
        "name": {"type": "Property", "value": "Geum river at Sejong"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": WHERE}},
        "referenceLevel": {"type": "Property", "value": 1.0},
        "alertLevel": {"type": "Property", "value": 2.5},
        "dangerLevel": {"type": "Property", "value": 4.0},
        "currentLevel": {"type": "Property", "value": level, "observedAt": iso(at)},
    }


def build(
    store: Store, tmp_path: Path, apps: list[str], sink: RecordingSink | None = None
) -> Starlette:
    settings = Settings(data_dir=tmp_path, apps=apps, app_settings={"flood": PLAIN})

    async def register(services: Services) -> None:
        # the app looks the service up per signal, so replacing it after set-up is seen
        if sink is None:
            app.state.registry.pop(SIGNALS, None)
        else:
            app.state.registry[SIGNALS] = sink

    app = create_app(settings, store=store, on_ready=[register])
    return app


async def rated(http: httpx.AsyncClient, at: datetime) -> dict[str, Any]:
    """The gauge once the reading at ``at`` has been rated."""
    for _ in range(200):
        got = await http.get(f"/ngsi-ld/v1/entities/{GAUGE}", headers={"Link": link_header(ENV)})
        body: dict[str, Any] = got.json()
        seen = body.get("floodLevel", {}).get("observedAt")
        if seen and datetime.fromisoformat(seen) == at:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the reading at {at} was not rated")


async def read(http: httpx.AsyncClient, level: float, at: datetime) -> dict[str, Any]:
    patch = {"currentLevel": {"type": "Property", "value": level, "observedAt": iso(at)}}
    response = await http.patch(f"/ngsi-ld/v1/entities/{GAUGE}/attrs", json=patch, headers=HEADERS)
    assert response.status_code == 204, response.text
    return await rated(http, at)


async def test_levels_forecast_and_signals(store: Store, tmp_path: Path) -> None:
    sink = RecordingSink()
    app = build(store, tmp_path, ["flood"], sink)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert app.state.apps.failed == {}
        created = await http.post("/ngsi-ld/v1/entities", json=gauge(1.0, start), headers=HEADERS)
        assert created.status_code == 201, created.text
        body = await rated(http, start)
        assert body["floodLevel"]["value"] == "normal"
        assert "forecastLevel" not in body  # one reading: no trend yet
        # thresholds: attention 1.75 (halfway from referenceLevel), warning 2.5, alarm 4.0
        steps = [
            # (level, floodLevel, forecast 2y - y_prev, signals so far)
            (1.5, "normal", 2.0, 1),  # the forecast reaches attention
            (1.8, "attention", 2.1, 1),
            (4.2, "alarm", 6.6, 2),
            (4.2, "alarm", 4.2, 2),
            (3.95, "alarm", 3.7, 2),  # within the hysteresis band: still alarm
            (3.0, "warning", 2.05, 3),  # down to warning
            (2.45, "warning", 1.9, 3),  # within the band of warning
            (1.0, "normal", -0.45, 4),  # clear
        ]
        for n, (level, name, expected, count) in enumerate(steps, start=1):
            body = await read(http, level, start + timedelta(minutes=5 * n))
            assert body["floodLevel"]["value"] == name, (n, level)
            assert body["forecastLevel"]["value"] == pytest.approx(expected), (n, level)
            assert body["forecastLevel"]["unitCode"] == "MTR"
            assert "riseRate" in body
            assert len(sink.signals) == count, (n, level, sink.signals)

    first, alarm, down, clear = sink.signals
    assert [s.severity for s in sink.signals] == ["warning", "critical", "major", "major"]
    assert [s.clear for s in sink.signals] == [False, False, False, True]
    assert {s.key for s in sink.signals} == {f"app:flood:{GAUGE}"}
    assert {s.category for s in sink.signals} == {"flood"}
    assert alarm.readings["alertLevel"] == "alarm"
    assert alarm.readings["level"] == 4.2
    assert alarm.observed_at == start + timedelta(minutes=15)
    assert alarm.entity_ids == (GAUGE,)
    assert alarm.location == {"type": "Point", "coordinates": WHERE}
    assert alarm.area is not None and shape(alarm.area).contains(Point(WHERE))
    assert set(alarm.title) == {"ko", "zh", "en"}
    assert "Geum river at Sejong" in alarm.title["en"]
    assert "경보" in alarm.title["ko"]
    assert "6.60" in alarm.title["zh"]  # the forecast is named
    assert first.readings["floodLevel"] == "normal"  # raised on the forecast alone
    assert "정상" in clear.title["ko"]
    assert down.readings["alertLevel"] == "warning"


async def test_without_a_signal_service_levels_are_still_written(
    store: Store, tmp_path: Path
) -> None:
    app = build(store, tmp_path, ["flood"])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        await http.post("/ngsi-ld/v1/entities", json=gauge(3.0, start), headers=HEADERS)
        body = await rated(http, start)
        assert body["floodLevel"]["value"] == "warning"
        body = await read(http, 4.5, start + timedelta(minutes=5))
        assert body["floodLevel"]["value"] == "alarm"
        assert body["riseRate"]["value"] == pytest.approx(1.5 * 12)


async def test_windows_are_seeded_from_history(store: Store, tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    plain = build(store, tmp_path, [])
    async with (
        plain.router.lifespan_context(plain),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://t") as http,
    ):
        await http.post("/ngsi-ld/v1/entities", json=gauge(1.0, start), headers=HEADERS)
        for n in (1, 2):
            patch = {
                "currentLevel": {
                    "type": "Property",
                    "value": 1.0,
                    "observedAt": iso(start + timedelta(minutes=5 * n)),
                }
            }
            await http.patch(f"/ngsi-ld/v1/entities/{GAUGE}/attrs", json=patch, headers=HEADERS)

    app = build(store, tmp_path, ["flood"])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        body = await read(http, 1.3, start + timedelta(minutes=15))
        # least squares over 1.0, 1.0, 1.0, 1.3 every 5 min: 0.09 m per step = 1.08 m/h
        # (without the history it would be 0.3 m per step = 3.6 m/h)
        assert body["riseRate"]["value"] == pytest.approx(1.08)


async def test_a_reading_without_a_time_is_rated_once(store: Store, tmp_path: Path) -> None:
    app = build(store, tmp_path, ["flood"])
    untimed = gauge(3.0, datetime.now(UTC))
    del untimed["currentLevel"]["observedAt"]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        await http.post("/ngsi-ld/v1/entities", json=untimed, headers=HEADERS)
        link = {"Link": link_header(ENV)}
        for _ in range(200):
            body = (await http.get(f"/ngsi-ld/v1/entities/{GAUGE}", headers=link)).json()
            if "floodLevel" in body:
                break
            await asyncio.sleep(0.02)
        assert body["floodLevel"]["value"] == "warning"
        await asyncio.sleep(0.3)  # our own write-back must not be taken for a new reading
        history = await http.get(
            f"/ngsi-ld/v1/temporal/entities/{GAUGE}", params={"attrs": "floodLevel"}, headers=link
        )
        assert history.status_code == 200, history.text
        levels = history.json()["floodLevel"]
        assert isinstance(levels, dict) or len(levels) == 1, levels
