"""Versioned schema migrations of the SQLite store; ``schema_version`` records each step.

Steps 1-2 are the original scripts of ``schema.MIGRATIONS`` (so files written by earlier
builds open unchanged); later steps are appended here. A step is SQL text (split with
``sqlite3.complete_statement``, so trigger bodies stay whole) or a function of the
connection for data rewrites. Each step runs in its own ``BEGIN IMMEDIATE`` transaction that
re-checks the version, so two processes opening one file migrate it once. Never edit a
released step: append a new one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import Final

import orjson

from dosi.errors import StoreError
from dosi.store.sqlite import schema
from dosi.store.sqlite._index import IndexEntry, index_entry
from dosi.store.sqlite._writes import WriterCache, index

logger = logging.getLogger(__name__)

Step = str | Callable[[sqlite3.Connection], None]

#: Interned names, integer-keyed index rows keyed by entity first (cheap to replace), an
#: index signature per entity, and a trigger that drops index rows with their entity.
V3_INDEX: Final = """
DROP TABLE entity_types;
DROP TABLE entity_attrs;
DROP TABLE geo_rows;
DROP TABLE geo_index;
ALTER TABLE entities ADD COLUMN sig BLOB;
CREATE TABLE names (nid INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE entity_types (
    entity INTEGER NOT NULL, name INTEGER NOT NULL, tenant TEXT NOT NULL,
    PRIMARY KEY (entity, name)
) WITHOUT ROWID;
CREATE INDEX entity_types_name ON entity_types (tenant, name, entity);
CREATE TABLE entity_attrs (
    entity INTEGER NOT NULL, name INTEGER NOT NULL, tenant TEXT NOT NULL,
    kinds INTEGER NOT NULL,
    PRIMARY KEY (entity, name)
) WITHOUT ROWID;
CREATE INDEX entity_attrs_name ON entity_attrs (tenant, name, entity);
CREATE TABLE geo_rows (gid INTEGER PRIMARY KEY, entity INTEGER NOT NULL, name INTEGER NOT NULL);
CREATE INDEX geo_rows_entity ON geo_rows (entity);
CREATE VIRTUAL TABLE geo_index USING rtree (gid, min_lon, max_lon, min_lat, max_lat);
CREATE TRIGGER entities_unindex AFTER DELETE ON entities BEGIN
    DELETE FROM entity_types WHERE entity = old.rowid;
    DELETE FROM entity_attrs WHERE entity = old.rowid;
    DELETE FROM geo_index WHERE gid IN (SELECT gid FROM geo_rows WHERE entity = old.rowid);
    DELETE FROM geo_rows WHERE entity = old.rowid;
END;
"""

REINDEX_BATCH: Final = 1000


def reindex(conn: sqlite3.Connection) -> None:
    """Rebuild every index row and signature from the stored documents."""
    cache = WriterCache()
    last = 0
    while True:
        rows = conn.execute(
            "SELECT rowid, tenant, doc FROM entities WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, REINDEX_BATCH),
        ).fetchall()
        if not rows:
            return
        by_tenant: dict[str, list[tuple[int, IndexEntry]]] = {}
        for rowid, tenant, doc in rows:
            entry = index_entry(orjson.loads(doc))
            conn.execute("UPDATE entities SET sig = ? WHERE rowid = ?", (entry.signature, rowid))
            by_tenant.setdefault(tenant, []).append((rowid, entry))
        for tenant, entries in by_tenant.items():
            index(conn, cache, tenant, entries)
        last = rows[-1][0]


def _v3(conn: sqlite3.Connection) -> None:
    run_script(conn, V3_INDEX)
    reindex(conn)


MIGRATIONS: Final[tuple[Step, ...]] = (*schema.MIGRATIONS, _v3)
VERSION: Final = len(MIGRATIONS)


def statements(script: str) -> Iterator[str]:
    """The complete SQL statements of ``script``, in order."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise StoreError(f"incomplete SQL statement in a migration: {pending.strip()[:60]}")


def run_script(conn: sqlite3.Connection, script: str) -> None:
    for statement in statements(script):
        conn.execute(statement)


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, steps: tuple[Step, ...] = MIGRATIONS) -> int:
    """Bring the database to ``len(steps)``; returns that version. Safe on every open.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    if current_version(conn) > len(steps):
        raise StoreError(
            f"the database has schema version {current_version(conn)}; this dosi knows "
            f"{len(steps)}: upgrade dosi"
        )
    for version, step in enumerate(steps, start=1):
        if version <= current_version(conn):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current_version(conn) < version:
                if isinstance(step, str):
                    run_script(conn, step)
                else:
                    step(conn)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                logger.info("SQLite schema migrated to version %d", version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(steps)
