"""The simulator through the real agent: what the platform stores is still valid Smart
Data Models data; ``dosi simulate`` and ``dosi demo`` run."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dosi.api.app import create_app
from dosi.api.media import link_header
from dosi.cli import app as cli
from dosi.settings import Settings
from dosi.sim.runner import run_simulation
from dosi.sim.schemas import errors
from dosi.sim.simulator import CitySimulator, SimConfig
from dosi.sim.targets import AgentProvisioner, MemoryPublisher
from dosi.store import Store
from tests.ingest.conftest import eventually
from tests.live import live_dosi

START = 1_790_000_000.0


async def test_stored_entities_are_valid_smart_data_models(store: Store, tmp_path: Path) -> None:
    broker = f"sim-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path, mqtt_url=f"memory://{broker}")
    app = create_app(settings, store=store)
    counts = {
        "waste": 3,
        "air": 2,
        "flood": 2,
        "water": 1,
        "parking": 3,
        "lighting": 3,
        "traffic": 2,
        "cctv": 2,
    }
    sim = CitySimulator(
        SimConfig(
            start=START,
            counts=counts,
            rate=2_000,
            speedup=60,
            scenarios=frozenset({"flood", "fire"}),
        )
    )
    async with app.router.lifespan_context(app):
        agent = app.state.ingest
        counters = await run_simulation(
            sim, MemoryPublisher(broker), provisioner=AgentProvisioner(agent), max_messages=90
        )
        assert counters.sent == 90

        async def stored() -> bool:
            return bool(agent.stats.accepted == 90)

        await eventually(stored)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            for device in sim.devices:
                family = device.family
                response = await http.get(
                    f"/ngsi-ld/v1/entities/{device.entity_id}",
                    params={"options": "keyValues"},
                    headers={"Link": link_header(family.context)},
                )
                assert response.status_code == 200, response.text
                stored = response.json()
                for command in family.commands:
                    stored.pop(command, None)
                    stored.pop(f"{command}_status", None)
                    stored.pop(f"{command}_info", None)
                assert errors(stored) == [], (device.device_id, stored)
                assert stored["type"] == family.entity_type
                assert set(device.static()) <= set(stored)
    assert agent.stats.accepted == 90
    assert not agent.stats.rejected


def test_simulate_cli_inproc(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--city",
            "shenzhen",
            "--duration",
            "2",
            "--rate",
            "100",
            "--scale",
            "0.1",
            "--scenario",
            "flood",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Shenzhen" in result.output
    assert "failed 0" in result.output
    assert "agent: accepted" in result.output
    listed = CliRunner().invoke(cli, ["deadletters", "list", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize(
    "bad",
    [
        ["--target", "carrier-pigeon"],
        ["--scenario", "meteor"],
        ["--count", "dragons=3"],
        ["--city", "atlantis"],
    ],
)
def test_simulate_cli_refuses_bad_options(tmp_path: Path, bad: list[str]) -> None:
    result = CliRunner().invoke(
        cli, ["simulate", "--duration", "1", "--data-dir", str(tmp_path), *bad]
    )
    assert result.exit_code != 0


@pytest.mark.slow
def test_demo_serves_fast_and_the_city_lives(tmp_path: Path) -> None:
    began = time.monotonic()
    with live_dosi("demo", tmp_path, env={"DOSI_MQTT_URL": ""}) as server:
        first_response = time.monotonic() - began
        assert first_response < 5.0
        link = {
            "Link": link_header(
                "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"
            )
        }
        deadline = time.monotonic() + 20
        count = 0
        while time.monotonic() < deadline:
            response = httpx.get(
                f"{server.url}/ngsi-ld/v1/entities",
                params={
                    "type": "ParkingSpot",
                    "q": 'status=="occupied"|status=="free"',
                    "count": "true",
                    "limit": "1",
                },
                headers=link,
            )
            count = int(response.headers.get("NGSILD-Results-Count", "0"))
            if count >= 100:
                break
            time.sleep(0.5)
        assert count >= 100
        stats = httpx.get(f"{server.url}/iot/stats").json()
        assert stats["mqtt"]["url"] == "memory://demo"
        assert stats["accepted"] > 0
    log = server.log.read_text()
    assert "in-process" in log
