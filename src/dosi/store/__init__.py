"""Storage backends behind one contract; the URL scheme picks the backend."""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

from dosi.errors import StoreError
from dosi.store.base import (
    AttributeInstance,
    AttributeStats,
    Bucket,
    Candidates,
    Entity,
    GeoPrefilter,
    HistoryQuery,
    Plan,
    Store,
    StoredContext,
    TypeStats,
    Writes,
)

#: URL scheme → "module:Class", imported only when used (as encode/databases does).
BACKENDS = {
    "sqlite": "dosi.store.sqlite:SQLiteStore",
    "postgresql": "dosi.store.postgres:PostgresStore",
    "postgres": "dosi.store.postgres:PostgresStore",
}


def create_store(url: str) -> Store:
    """An unopened store for ``url`` (``sqlite:///path/dosi.db`` or ``postgresql://...``)."""
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    try:
        module_name, class_name = BACKENDS[scheme].split(":")
    except KeyError:
        raise StoreError(f"no store backend for URL scheme {scheme!r}") from None
    cls = getattr(importlib.import_module(module_name), class_name)
    store: Store = cls(url)
    return store


__all__ = [
    "BACKENDS",
    "AttributeInstance",
    "AttributeStats",
    "Bucket",
    "Candidates",
    "Entity",
    "GeoPrefilter",
    "HistoryQuery",
    "Plan",
    "Store",
    "StoredContext",
    "TypeStats",
    "Writes",
    "create_store",
]
