"""The ``dosi`` command line: serve the platform, run the demo city."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

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
    on_ready = []
    if demo:
        from dosi.demo.loader import load_sample_city

        if not settings.apps:
            settings = settings.model_copy(update={"apps": ["air"]})

        on_ready.append(load_sample_city)
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


@app.command()
def version() -> None:
    """Print the dosi version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
