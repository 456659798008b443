"""The ``dosi`` command line: serve the platform, run the demo city."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from dosi import __version__
from dosi.settings import DEFAULT_PORT, Settings, load_settings

if TYPE_CHECKING:
    from dosi.store import Store

T = TypeVar("T")

app = typer.Typer(help="dosi (都市): an open, standards-based smart-city platform.")
logger = logging.getLogger("dosi")

Host = Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")]
Port = Annotated[int | None, typer.Option(help=f"Port to listen on (default {DEFAULT_PORT}).")]
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Embedded store folder (DOSI_DATA_DIR).")
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="postgresql://... selects PostgreSQL (DOSI_DATABASE_URL)."),
]
ContextDir = Annotated[
    Path | None,
    typer.Option("--context-dir", help="Preloaded @contexts with index.json (DOSI_CONTEXT_DIR)."),
]
LogLevel = Annotated[str | None, typer.Option("--log-level", help="DEBUG, INFO, WARNING, ...")]


def _settings(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database_url: str | None,
    context_dir: Path | None,
    log_level: str | None,
) -> Settings:
    return load_settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        context_dir=context_dir,
        log_level=log_level,
    )


def _run(settings: Settings, *, demo: bool) -> None:
    import uvicorn

    from dosi.api.app import create_app
    from dosi.logging import configure_logging

    configure_logging(settings.log_level, json_lines=settings.log_json)
    on_ready: list[Callable[..., Awaitable[object]]] = []
    if demo:
        from dosi.demo.loader import load_sample_city

        if not settings.apps:
            settings = settings.model_copy(update={"apps": ["air", "flood", "kpi", "waste"]})

        on_ready.append(load_sample_city)
        settings = _demo_mqtt(settings)
        from dosi.sim.demo import start_demo_city

        on_ready.append(start_demo_city)
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    application = create_app(settings, on_ready=on_ready)
    typer.echo(
        f"dosi {__version__}: NGSI-LD API at http://{settings.host}:{settings.port}/ngsi-ld/v1"
    )
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )


@app.command()
def serve(
    host: Host = None,
    port: Port = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    context_dir: ContextDir = None,
    log_level: LogLevel = None,
) -> None:
    """Serve the NGSI-LD API (and the control room) on the configured store."""
    _run(_settings(host, port, data_dir, database_url, context_dir, log_level), demo=False)


@app.command()
def demo(
    host: Host = None,
    port: Port = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    context_dir: ContextDir = None,
    log_level: LogLevel = None,
) -> None:
    """Serve a sample city (Sejong) on the embedded store: same options as serve."""
    _run(_settings(host, port, data_dir, database_url, context_dir, log_level), demo=True)


user_app = typer.Typer(help="Built-in users (for cities without an identity provider).")
app.add_typer(user_app, name="user")


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open the configured store, run ``work`` on it, close it."""
    import asyncio

    from dosi.store import create_store

    async def run() -> T:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = create_store(settings.store_url())
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[
        list[str],
        typer.Option(help="TENANT=ROLE, e.g. =operator (default tenant) or sejong=city-admin."),
    ],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user with roles per tenant."""
    from dosi.auth.users import UserStore

    roles: dict[str, list[str]] = {}
    for item in role:
        tenant, _, name = item.rpartition("=")
        roles.setdefault(tenant, []).append(name)
    settings = _settings(None, None, data_dir, database_url, None, None)
    user = _with_store(settings, lambda store: UserStore(store).add(username, password, roles))
    typer.echo(f"added {user.username} with roles {user.roles}")


@user_app.command("list")
def user_list(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """List users, their roles and whether they are disabled."""
    from rich.console import Console
    from rich.table import Table

    from dosi.auth.users import UserStore

    settings = _settings(None, None, data_dir, database_url, None, None)
    users = _with_store(settings, lambda store: UserStore(store).list())
    table = Table("user", "roles", "disabled", "created")
    for user in users:
        table.add_row(user.username, str(user.roles), str(user.disabled), user.created_at)
    Console().print(table)


@user_app.command("disable")
def user_disable(username: str, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Disable a user: their password no longer gets a token."""
    from dosi.auth.users import UserStore

    settings = _settings(None, None, data_dir, database_url, None, None)
    _with_store(settings, lambda store: UserStore(store).set_disabled(username, True))
    typer.echo(f"disabled {username}")


# -- device agent and city simulator (dosi.ingest, dosi.sim) ---------------------------


def _demo_mqtt(settings: Settings) -> Settings:
    """The demo uses the configured MQTT broker if it answers, else the in-process one."""
    import socket
    from urllib.parse import urlsplit

    url = settings.mqtt_url
    if url and url.startswith("mqtt://"):
        parts = urlsplit(url)
        try:
            with socket.create_connection((parts.hostname or "", parts.port or 1883), 0.5):
                return settings
        except OSError:
            logger.warning("demo: MQTT broker %s unreachable", parts.hostname)
    elif url:
        return settings
    logger.info("demo: no MQTT broker; the simulator feeds the device agent in-process")
    return settings.model_copy(update={"mqtt_url": "memory://demo"})


def _counts(scale: float, count: list[str] | None) -> dict[str, int]:
    from dosi.sim.fleet import DEFAULT_COUNTS, FAMILIES

    counts = {key: max(0, round(n * scale)) for key, n in DEFAULT_COUNTS.items()}
    for item in count or []:
        key, _, number = item.partition("=")
        if key not in FAMILIES or not number.isdigit():
            raise typer.BadParameter(
                f"{item!r}: use FAMILY=N with FAMILY one of {', '.join(FAMILIES)}",
                param_hint="--count",
            )
        counts[key] = int(number)
    return counts


@app.command()
def simulate(
    city: Annotated[str, typer.Option(help="sejong or shenzhen.")] = "sejong",
    target: Annotated[
        str,
        typer.Option(help="inproc (embedded platform), mqtt or http (a running dosi server)."),
    ] = "inproc",
    rate: Annotated[float, typer.Option(help="Readings per second, all devices together.")] = 50.0,
    duration: Annotated[float, typer.Option(help="Wall-clock seconds to run.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Same seed, same city and readings.")] = 7,
    scale: Annotated[float, typer.Option(help="Multiply the default device counts.")] = 1.0,
    count: Annotated[
        list[str] | None, typer.Option(help="FAMILY=N, e.g. waste=500 (repeatable).")
    ] = None,
    scenario: Annotated[
        list[str] | None, typer.Option(help="flood, fire or air-episode (repeatable).")
    ] = None,
    speedup: Annotated[float, typer.Option(help="Simulated seconds per second.")] = 1.0,
    start: Annotated[
        str | None, typer.Option(help="Simulated start time (ISO 8601); default now.")
    ] = None,
    url: Annotated[str, typer.Option(help="dosi server (mqtt/http targets).")] = (
        f"http://127.0.0.1:{DEFAULT_PORT}"
    ),
    mqtt_url: Annotated[
        str | None, typer.Option("--mqtt-url", help="MQTT broker (default DOSI_MQTT_URL).")
    ] = None,
    tenant: Annotated[str, typer.Option(help="NGSILD-Tenant to provision in.")] = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = None,
) -> None:
    """Simulate a city's devices publishing Smart Data Models readings to the agent."""
    import asyncio
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dosi.logging import configure_logging
    from dosi.sim.environment import SCENARIOS
    from dosi.sim.launch import TARGETS, launch
    from dosi.sim.runner import Counters
    from dosi.sim.simulator import CitySimulator, SimConfig

    if target not in TARGETS:
        raise typer.BadParameter(f"use one of {', '.join(TARGETS)}", param_hint="--target")
    scenarios = frozenset(s for s in SCENARIOS if s in (scenario or []))
    if len(scenarios) != len(set(scenario or [])):
        raise typer.BadParameter(f"use {', '.join(SCENARIOS)}", param_hint="--scenario")
    started: float | None = None
    if start is not None:
        try:
            moment = datetime.fromisoformat(start)
        except ValueError:
            raise typer.BadParameter("an ISO 8601 date-time", param_hint="--start") from None
        started = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    settings = _settings(None, None, data_dir, database_url, None, log_level or "WARNING")
    configure_logging(settings.log_level, json_lines=settings.log_json)
    if target == "inproc" and settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        config = SimConfig(
            city=city,
            seed=seed,
            counts=_counts(scale, count),
            rate=rate,
            speedup=speedup,
            start=started,
            scenarios=scenarios,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console = Console()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=20),
        TimeElapsedColumn(),
        TextColumn("{task.fields[counters]}"),
        console=console,
    )
    task = progress.add_task(city, total=duration, counters="")

    def on_ready(sim: CitySimulator) -> None:
        families = ", ".join(f"{k} {v}" for k, v in config.counts.items() if v)
        console.print(
            f"{sim.spec.label}: {len(sim.devices)} devices ({families}), one reading per "
            f"device every {sim.period:.1f} simulated s, target {target}"
        )

    def on_progress(counters: Counters) -> None:
        when = datetime.fromtimestamp(counters.sim_time, UTC).strftime("%H:%M:%S")
        progress.update(
            task,
            completed=min(duration, counters.elapsed),
            counters=(
                f"{counters.sent:,} sent {counters.rate:,.0f}/s · {counters.refused:,} refused"
                f" · {counters.failed:,} failed · {counters.commands} cmd · {when}Z"
            ),
        )

    with progress:
        outcome = asyncio.run(
            launch(
                config,
                target,
                settings=settings,
                url=url,
                mqtt_url=mqtt_url or settings.mqtt_url or "mqtt://127.0.0.1:1883",
                tenant=tenant,
                duration=duration,
                on_progress=on_progress,
                on_ready=on_ready,
            )
        )
    counters = outcome.counters
    console.print(
        f"sent {counters.sent:,} readings from {outcome.devices:,} devices in "
        f"{counters.elapsed:.1f} s ({counters.rate:,.0f}/s); refused {counters.refused:,}, "
        f"failed {counters.failed:,}"
    )
    if counters.last_error:
        console.print(f"last error: {counters.last_error}")
    if outcome.agent is not None:
        agent = outcome.agent
        console.print(
            f"agent: accepted {agent['accepted']:,}, rejected {agent['rejectedTotal']:,} "
            f"{agent['rejected'] or ''}, in {agent['batches']:,} batches"
        )


deadletters_app = typer.Typer(help="Device messages the agent refused (dead letters).")
app.add_typer(deadletters_app, name="deadletters")
Tenant = Annotated[str, typer.Option(help="NGSILD-Tenant ('' is the default tenant).")]


@deadletters_app.command("list")
def deadletters_list(
    tenant: Tenant = "",
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    reason: Annotated[str | None, typer.Option(help="Only this reason.")] = None,
    device: Annotated[str | None, typer.Option(help="Only this device id.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List dead letters: when, why, which device, where from."""
    from rich.console import Console
    from rich.table import Table

    from dosi.ingest.deadletters import DeadLetters

    settings = _settings(None, None, data_dir, database_url, None, None)
    letters = _with_store(
        settings,
        lambda store: DeadLetters(store).list(tenant, limit=limit, reason=reason, device_id=device),
    )
    table = Table("id", "at", "reason", "device", "endpoint", "size", "detail")
    for letter in letters:
        table.add_row(
            letter["id"],
            letter["at"],
            letter["reason"],
            str(letter.get("device_id") or "-"),
            letter["endpoint"],
            str(letter["size"]),
            letter["detail"],
        )
    Console().print(table)


@deadletters_app.command("show")
def deadletters_show(
    letter_id: str,
    tenant: Tenant = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print one dead letter with its payload (as text when it is UTF-8)."""
    import base64
    import json

    from dosi.ingest.deadletters import DeadLetters

    settings = _settings(None, None, data_dir, database_url, None, None)
    letter = _with_store(settings, lambda store: DeadLetters(store).get(tenant, letter_id))
    if letter is None:
        typer.echo(f"no dead letter {letter_id!r} in tenant {tenant!r}", err=True)
        raise typer.Exit(1)
    raw = base64.b64decode(letter["payload_base64"])
    try:
        letter["payload_text"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        letter["payload_text"] = None
    typer.echo(json.dumps(letter, indent=2, ensure_ascii=False))


@deadletters_app.command("purge")
def deadletters_purge(
    tenant: Tenant = "",
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete every dead letter of a tenant."""
    from dosi.ingest.deadletters import DeadLetters

    if not yes:
        typer.confirm(f"delete all dead letters of tenant {tenant!r}?", abort=True)
    settings = _settings(None, None, data_dir, database_url, None, None)
    removed = _with_store(settings, lambda store: DeadLetters(store).purge(tenant))
    typer.echo(f"deleted {removed} dead letters")


kpi_app = typer.Typer(help="City indicators (ISO 37120 / ISO 37122) from the platform's data.")
app.add_typer(kpi_app, name="kpi")


@kpi_app.command("report")
def kpi_report(
    report_format: Annotated[
        str, typer.Option("--format", help="json, csv or html (with inline SVG charts).")
    ] = "json",
    period: Annotated[
        str | None,
        typer.Option(help="P30D (ending now), start/end, start/P7D, 2026, 2026-11 or 2026-11-24."),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of names in HTML: ko, zh or en.")] = "en",
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout.")] = None,
    tenant: Tenant = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Compute the city indicators over a period and print them."""
    from dosi.apps.kpi.command import report_text
    from dosi.errors import DosiError

    settings = _settings(None, None, data_dir, database_url, None, None)
    try:
        text = _with_store(
            settings,
            lambda store: report_text(
                store, settings, period=period, fmt=report_format, lang=lang, tenant=tenant
            ),
        )
    except DosiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("agency-sim")
def agency_sim(
    secret: Annotated[str, typer.Option(help="Shared secret of the message signatures.")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8112,
    fail_first: Annotated[
        int, typer.Option(help="Answer the first N valid messages with 503 (retry demo).")
    ] = 0,
) -> None:
    """Play the linked agencies (112, 119, disaster, ...): verify, log, answer a reference."""
    from dosi.logging import configure_logging
    from dosi.ops.services.agency import run

    configure_logging("INFO", json_lines=False)
    typer.echo(f"agency simulator on http://{host}:{port} (GET /received)")
    run(host, port, secret, fail_first=fail_first)


# -- operations rules (dosi.ops.rules) ------------------------------------------------
rules_app = typer.Typer(help="Operations rules: what raises an alarm, and when.")
app.add_typer(rules_app, name="rules")


def _rules_run(data_dir: Path | None, database_url: str | None) -> tuple[Settings, Any]:
    settings = _settings(None, None, data_dir, database_url, None, None)
    return settings, functools.partial(_with_store, settings)


@rules_app.command("list")
def rules_list(
    tenant: Tenant = "", data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """List the rules of a tenant."""
    from dosi.ops.rules import commands

    settings, run = _rules_run(data_dir, database_url)
    commands.list_rules(run, settings, tenant)


@rules_app.command("add")
def rules_add(
    file: Annotated[Path, typer.Argument(help="A rule in JSON, or YAML (.yaml, .yml).")],
    tenant: Annotated[str | None, typer.Option(help="Tenant (default: the file's).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a rule from a file; an existing rule with its id gets a new version."""
    from dosi.ops.rules import commands

    settings, run = _rules_run(data_dir, database_url)
    commands.add_rule(run, settings, file, tenant)


@rules_app.command("show")
def rules_show(
    rule_id: str, tenant: Tenant = "", data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Print one rule as JSON."""
    from dosi.ops.rules import commands

    settings, run = _rules_run(data_dir, database_url)
    commands.show_rule(run, settings, tenant, rule_id)


@rules_app.command("delete")
def rules_delete(
    rule_id: str, tenant: Tenant = "", data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """Delete a rule and its versions."""
    from dosi.ops.rules import commands

    settings, run = _rules_run(data_dir, database_url)
    commands.delete_rule(run, settings, tenant, rule_id)


@rules_app.command("versions")
def rules_versions(
    rule_id: str, tenant: Tenant = "", data_dir: DataDir = None, database_url: DatabaseUrl = None
) -> None:
    """List the versions of a rule."""
    from dosi.ops.rules import commands

    settings, run = _rules_run(data_dir, database_url)
    commands.rule_versions(run, settings, tenant, rule_id)


# -- smart waste collection (dosi.apps.waste) ------------------------------------------

waste_app = typer.Typer(help="Smart waste collection: plan rounds, compare with fixed rounds.")
app.add_typer(waste_app, name="waste")


@waste_app.command("plan")
def waste_plan(
    date: Annotated[str | None, typer.Option(help="Round day (YYYY-MM-DD); default next.")] = None,
    trucks: Annotated[int | None, typer.Option(help="Trucks (default: settings).")] = None,
    capacity: Annotated[int | None, typer.Option(help="Litres per truck.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Due fill level (0-1).")] = None,
    time_limit: Annotated[float | None, typer.Option(help="Solver seconds.")] = None,
    output: Annotated[Path | None, typer.Option(help="Also write the plan JSON here.")] = None,
    tenant: Annotated[str, typer.Option(help="NGSILD-Tenant ('' is the default).")] = "",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = None,
) -> None:
    """Plan a collection round from the bins' fill history; write the routes."""
    from dosi.apps.waste.cli import run_plan
    from dosi.apps.waste.service import PlanRequest
    from dosi.errors import DosiError
    from dosi.logging import configure_logging

    settings = _settings(None, None, data_dir, database_url, None, log_level or "WARNING")
    configure_logging(settings.log_level, json_lines=settings.log_json)
    raw = {"date": date, "trucks": trucks, "capacity": capacity, "threshold": threshold}
    try:
        request = PlanRequest.parse({**raw, "timeLimit": time_limit})
        run_plan(settings, request, tenant=tenant, output=output)
    except DosiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@waste_app.command("report")
def waste_report(
    out: Annotated[Path, typer.Option(help="Folder for the table and the plot.")] = Path(
        "waste-report"
    ),
    city: Annotated[str, typer.Option(help="sejong or shenzhen.")] = "sejong",
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    bins: Annotated[int, typer.Option(help="Waste bins to simulate.")] = 500,
    days: Annotated[int, typer.Option(help="Days to compare.")] = 28,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    trucks: Annotated[int, typer.Option(help="Trucks.")] = 5,
    capacity: Annotated[int, typer.Option(help="Litres per truck.")] = 80_000,
    threshold: Annotated[float, typer.Option(help="Due fill level (0-1).")] = 0.8,
    time_limit: Annotated[float, typer.Option(help="Solver seconds per day.")] = 2.0,
) -> None:
    """Simulate fixed daily rounds against predictive planning; table and plot."""
    from datetime import date as Date

    from dosi.apps.waste.cli import report_config, run_report

    try:
        first = Date.fromisoformat(start) if start else None
    except ValueError:
        raise typer.BadParameter("a date YYYY-MM-DD", param_hint="--start") from None
    config = report_config(
        city=city,
        seed=seed,
        bins=bins,
        days=days,
        start=first,
        trucks=trucks,
        capacity=capacity,
        threshold=threshold,
        time_limit=time_limit,
    )
    run_report(config, out)


@app.command()
def version() -> None:
    """Print the dosi version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
