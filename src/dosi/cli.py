"""The ``dosi`` command line: serve the platform, run the demo city."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from dosi import __version__
from dosi.settings import DEFAULT_PORT, Settings, load_settings

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


@app.command()
def version() -> None:
    """Print the dosi version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
