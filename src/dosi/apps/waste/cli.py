"""What ``dosi waste plan`` and ``dosi waste report`` do (the typer commands in
``dosi.cli`` only parse options).

``plan`` loads the app on the configured store exactly as the server does, so a plan made
from the command line reads the same history and writes the same route entities.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from dosi.apps.waste.const import DOMAIN, SERVICE
from dosi.apps.waste.report import ReportConfig, simulate
from dosi.apps.waste.service import Planner, PlanRequest
from dosi.settings import Settings

STAGES = {"history": "reading fill history", "solve": "routing trucks", "write": "writing routes"}


@contextmanager
def _progress(console: Console) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=30),
        TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        yield progress


async def _plan(settings: Settings, request: PlanRequest, tenant: str, console: Console) -> Any:
    from dosi.apps.loader import load_apps
    from dosi.core.changes import ChangeFeed
    from dosi.core.entities import EntityService
    from dosi.core.jsonld import ContextResolver
    from dosi.store import create_store

    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = create_store(settings.store_url())
    await store.open()
    try:
        feed = ChangeFeed()
        loaded = await load_apps(
            [DOMAIN],
            EntityService(store, feed),
            feed,
            ContextResolver(settings, store),
            settings.app_settings,
        )
        if DOMAIN in loaded.failed:
            raise RuntimeError(f"the waste app failed to start: {loaded.failed[DOMAIN]}")
        try:
            planner: Planner = loaded.running[DOMAIN].use(SERVICE)
            limit = request.time_limit or planner.settings.time_limit
            with _progress(console) as progress:
                tasks: dict[str, TaskID] = {}

                def on_progress(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(STAGES[stage], total=total)
                    if stage == "solve":
                        progress.update(
                            tasks[stage], total=limit, completed=0 if not done else limit
                        )
                    else:
                        progress.update(tasks[stage], total=total, completed=done)

                async def tick() -> None:
                    started = time.monotonic()
                    while True:
                        await asyncio.sleep(0.2)
                        if "solve" in tasks:
                            done = min(limit, time.monotonic() - started)
                            progress.update(tasks["solve"], completed=done)
                        else:
                            started = time.monotonic()

                ticker = asyncio.create_task(tick(), name="waste:cli:progress")
                try:
                    return await planner.plan(request, tenant=tenant, progress=on_progress)
                finally:
                    ticker.cancel()
        finally:
            await loaded.unload()
    finally:
        await store.close()


def run_plan(
    settings: Settings,
    request: PlanRequest,
    *,
    tenant: str = "",
    output: Path | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Plan a round on the configured store, print a summary, optionally save the JSON."""
    console = console or Console()
    document: dict[str, Any] = asyncio.run(_plan(settings, request, tenant, console))
    table = Table("vehicle", "stops", "km", "minutes", "litres")
    for route in document["routes"]:
        table.add_row(
            route["vehicle"],
            str(len(route["stops"])),
            f"{route['distance'] / 1000:.1f}",
            f"{route['duration'] / 60:.0f}",
            f"{route['load']:,}",
        )
    console.print(table)
    console.print(
        f"{document['plannedFor']}: {document['due']} of {document['containers']} bins due, "
        f"{document['collected']} routed, {len(document['dropped'])} dropped, "
        f"{document['distance'] / 1000:.1f} km"
    )
    if output is not None:
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"plan written to {output}")
    return document


def run_report(
    config: ReportConfig, out_dir: Path, *, console: Console | None = None
) -> dict[str, Any]:
    """Simulate both policies, print the table, write report.md/.json and the plot."""
    from dosi.apps.waste.plot import save_plot

    console = console or Console()
    with _progress(console) as progress:
        task = progress.add_task(f"simulating {config.days} days", total=config.days)
        report = simulate(config, lambda done, total: progress.update(task, completed=done))
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = report.to_markdown()
    (out_dir / "waste-report.md").write_text(markdown + "\n", encoding="utf-8")
    data = report.to_json()
    (out_dir / "waste-report.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    paths = save_plot(report, out_dir / "waste-report")
    console.print(markdown)
    console.print("written: " + ", ".join(str(p) for p in [out_dir / "waste-report.md", *paths]))
    return data


def report_config(
    *,
    city: str,
    seed: int,
    bins: int,
    days: int,
    start: date | None,
    trucks: int,
    capacity: int,
    threshold: float,
    time_limit: float,
) -> ReportConfig:
    config = ReportConfig(
        city=city,
        seed=seed,
        bins=bins,
        days=days,
        trucks=trucks,
        capacity=capacity,
        threshold=threshold,
        time_limit=time_limit,
    )
    return replace(config, start=start) if start is not None else config


__all__ = ["report_config", "run_plan", "run_report"]
