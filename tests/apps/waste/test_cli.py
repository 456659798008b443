"""``dosi waste plan`` against a store (SQLite and PostgreSQL) and ``dosi waste report``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from dosi.api.app import create_app
from dosi.cli import app as cli
from dosi.settings import Settings
from tests.apps.waste.simdata import temporal_bins
from tests.apps.waste.test_app import load_bins
from tests.conftest import drop_pg_schema, store_url


async def seed(settings: Settings) -> None:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        await load_bins(http, temporal_bins(bins=8, days=4))


def test_plan_command(store_kind: str, tmp_path: Path) -> None:
    url, schema = store_url(store_kind, tmp_path)
    if store_kind == "sqlite":
        settings = Settings(data_dir=tmp_path)
        where = ["--data-dir", str(tmp_path)]
    else:
        settings = Settings(data_dir=tmp_path, database_url=url)
        where = ["--database-url", url]
    try:
        asyncio.run(seed(settings))
        out = tmp_path / "plan.json"
        args = ["waste", "plan", *where, "--date", "2026-11-06", "--trucks", "2"]
        args += ["--threshold", "0.5", "--time-limit", "0.3", "--output", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        plan = json.loads(out.read_text(encoding="utf-8"))
        assert plan["containers"] == 8 and plan["trucks"] == 2
        assert plan["due"] > 0
        assert f"{plan['due']} of 8 bins due" in result.output
        bad = CliRunner().invoke(cli, ["waste", "plan", *where, "--date", "someday"])
        assert bad.exit_code == 1
        assert "invalid plan parameter" in bad.output
    finally:
        if schema:
            asyncio.run(drop_pg_schema(schema))


def test_report_command(tmp_path: Path) -> None:
    args = ["waste", "report", "--out", str(tmp_path), "--bins", "12", "--days", "2"]
    args += ["--trucks", "2", "--time-limit", "0.1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "waste-report.json").read_text(encoding="utf-8"))
    assert data["summary"]["fixed"]["collections"] == 24
    assert len(data["days"]) == 4
    assert (tmp_path / "waste-report.png").stat().st_size > 1000
    assert (tmp_path / "waste-report.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert "fixed daily rounds" in (tmp_path / "waste-report.md").read_text(encoding="utf-8")
