"""SQLite schema, as ordered migrations (the index of a step is its version)."""

from __future__ import annotations

import sqlite3
from typing import Final

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: entities with type / attribute / geo indexes, tenants, contexts, documents
    """
    CREATE TABLE tenants (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
    CREATE TABLE entities (
        rowid INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        doc BLOB NOT NULL,
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL,
        UNIQUE (tenant, id)
    );
    CREATE TABLE entity_types (
        tenant TEXT NOT NULL, type TEXT NOT NULL, entity INTEGER NOT NULL,
        PRIMARY KEY (tenant, type, entity)
    ) WITHOUT ROWID;
    CREATE INDEX entity_types_entity ON entity_types (entity);
    CREATE TABLE entity_attrs (
        tenant TEXT NOT NULL, attr TEXT NOT NULL, entity INTEGER NOT NULL, kinds TEXT NOT NULL,
        PRIMARY KEY (tenant, attr, entity)
    ) WITHOUT ROWID;
    CREATE INDEX entity_attrs_entity ON entity_attrs (entity);
    CREATE TABLE geo_rows (
        gid INTEGER PRIMARY KEY, entity INTEGER NOT NULL, tenant TEXT NOT NULL,
        attr TEXT NOT NULL
    );
    CREATE INDEX geo_rows_entity ON geo_rows (entity);
    CREATE VIRTUAL TABLE geo_index USING rtree (gid, min_lon, max_lon, min_lat, max_lat);
    CREATE TABLE contexts (
        url TEXT PRIMARY KEY, kind TEXT NOT NULL, body BLOB NOT NULL,
        created_at TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0, last_usage TEXT,
        extra BLOB
    );
    CREATE TABLE documents (
        tenant TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, doc BLOB NOT NULL,
        PRIMARY KEY (tenant, collection, key)
    ) WITHOUT ROWID;
    """,
    # 2: temporal history (TRoE): one row per stored attribute instance state
    """
    CREATE TABLE history (
        rowid INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL, entity TEXT NOT NULL, etype TEXT NOT NULL, attr TEXT NOT NULL,
        instance_id TEXT NOT NULL, dataset_id TEXT, observed_at TEXT,
        created_at TEXT NOT NULL, modified_at TEXT NOT NULL,
        t REAL NOT NULL, t_created REAL NOT NULL, t_modified REAL NOT NULL,
        number REAL, value BLOB NOT NULL, deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX history_entity_attr_t ON history (tenant, entity, attr, t);
    CREATE INDEX history_type_t ON history (tenant, etype, t);
    CREATE INDEX history_instance ON history (tenant, instance_id);
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest version; returns it. Safe to run repeatedly."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    current = row[0] or 0
    for version, script in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            again = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if again < version:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)
