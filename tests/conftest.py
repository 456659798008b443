"""Shared fixtures: the parametrized ``store`` (SQLite and PostgreSQL) and service checks.

Tests that need a local service skip with a reason outside CI and fail loudly when
``CI=true`` and the service is unreachable.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from dosi.store import Store, create_store

PG_DSN = os.environ.get("DOSI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Fuzzing explores new inputs on developer machines; CI replays a fixed sequence so a
# landing is never decided by luck (a failure found locally becomes a regular test).
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if IN_CI else "dev")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
STORE_KINDS = ["sqlite", "postgres"]


def service_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip (outside CI) or fail (in CI) when a local service is unreachable."""
    if service_up(host, port):
        return
    message = f"{name} at {host}:{port} is unreachable"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services must be up)")
    pytest.skip(message)


def reference(*parts: str) -> Path:
    """A file under ../shared/reference (skips if the shared folder is absent)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"reference data missing: {path}")
        pytest.skip(f"reference data missing: {path}")
    return path


async def drop_pg_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def store_url(kind: str, tmp_path: Path) -> tuple[str, str | None]:
    """A fresh, private store URL of ``kind`` and the PostgreSQL schema to drop after."""
    if kind == "sqlite":
        return f"sqlite:///{(tmp_path / 'dosi.db').as_posix()}", None
    need_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"dosi_t_{uuid.uuid4().hex[:12]}"
    return f"{PG_DSN}?schema={schema}", schema


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def store(store_kind: str, tmp_path: Path) -> AsyncIterator[Store]:
    url, schema = store_url(store_kind, tmp_path)
    backend = create_store(url)
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()
        if schema:
            await drop_pg_schema(schema)
