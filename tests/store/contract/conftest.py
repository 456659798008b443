"""Contract-suite plumbing.

* ``@pytest.mark.requires(capability)`` skips a test on a store that does not list the
  capability (``Store.capabilities``), as SQLAlchemy's compliance suite does.
* ``store`` runs every test on each backend; ``reopen`` opens another store on the same
  URL (durability). While ``dosi.store.sqlite`` still exports the first SQLite store, the
  rewrite in ``dosi.store.sqlite.store`` runs as a third backend, ``sqlite-next``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

import dosi.store.sqlite
from dosi.store import Store, create_store
from dosi.store.sqlite.store import SQLiteStore as NextSQLiteStore
from tests.conftest import STORE_KINDS, drop_pg_schema, store_url

NEXT = "sqlite-next"
KINDS = [*STORE_KINDS]
if getattr(dosi.store.sqlite, "SQLiteStore", None) is not NextSQLiteStore:
    KINDS.insert(1, NEXT)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires(capability): the test needs a store capability (dosi.store.base)"
    )


@pytest.fixture(params=KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def contract_url(store_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A private store URL for this test; a PostgreSQL schema is dropped after it."""
    url, schema = store_url("sqlite" if store_kind == NEXT else store_kind, tmp_path)
    try:
        yield url
    finally:
        if schema:
            await drop_pg_schema(schema)


def _create(kind: str, url: str) -> Store:
    return NextSQLiteStore(url) if kind == NEXT else create_store(url)


@pytest.fixture
async def store(store_kind: str, contract_url: str) -> AsyncIterator[Store]:
    backend = _create(store_kind, contract_url)
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
async def reopen(
    store_kind: str, contract_url: str
) -> AsyncIterator[Callable[[], Awaitable[Store]]]:
    """Open another store on the URL of ``store`` (closed after the test)."""
    opened: list[Store] = []

    async def open_again() -> Store:
        backend = _create(store_kind, contract_url)
        await backend.open()
        opened.append(backend)
        return backend

    try:
        yield open_again
    finally:
        for backend in opened:
            await backend.close()


@pytest.fixture(autouse=True)
def _check_capabilities(request: pytest.FixtureRequest) -> None:
    needed = {c for m in request.node.iter_markers("requires") for c in m.args}
    if not needed or "store" not in request.fixturenames:
        return
    store = request.getfixturevalue("store")
    missing = needed - set(store.capabilities)
    if missing:
        pytest.skip(f"store lacks capabilities: {', '.join(sorted(missing))}")
