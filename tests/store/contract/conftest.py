"""Contract-suite plumbing: ``@pytest.mark.requires(capability)`` skips a test on a store
that does not list the capability (``Store.capabilities``), as SQLAlchemy's compliance
suite does with ``__requires__``."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires(capability): the test needs a store capability (dosi.store.base)"
    )


@pytest.fixture(autouse=True)
def _check_capabilities(request: pytest.FixtureRequest) -> None:
    needed = {c for m in request.node.iter_markers("requires") for c in m.args}
    if not needed or "store" not in request.fixturenames:
        return
    store = request.getfixturevalue("store")
    missing = needed - set(store.capabilities)
    if missing:
        pytest.skip(f"store lacks capabilities: {', '.join(sorted(missing))}")
