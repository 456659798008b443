"""PostgreSQL schema, as ordered migrations (the index of a step is its version)."""

from __future__ import annotations

from typing import Final

import asyncpg

#: Advisory lock key serialising migrations (and CREATE EXTENSION) across processes.
MIGRATION_LOCK: Final = 0x646F7369  # "dosi"

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: entities with GIN type/attribute indexes, PostGIS geo index, tenants, contexts,
    #    documents
    """
    CREATE TABLE tenants (name text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE entities (
        tenant text NOT NULL,
        id text COLLATE "C" NOT NULL,
        types text[] NOT NULL,
        attrs text[] NOT NULL,
        attr_kinds jsonb NOT NULL,
        doc text NOT NULL,
        created_at text NOT NULL,
        modified_at text NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE INDEX entities_types ON entities USING gin (types);
    CREATE INDEX entities_attrs ON entities USING gin (attrs);
    CREATE TABLE geo (
        tenant text NOT NULL,
        entity text COLLATE "C" NOT NULL,
        attr text NOT NULL,
        geom geometry(Geometry, 4326) NOT NULL,
        FOREIGN KEY (tenant, entity) REFERENCES entities (tenant, id) ON DELETE CASCADE
    );
    CREATE INDEX geo_geom ON geo USING gist (geom);
    CREATE INDEX geo_entity ON geo (tenant, entity);
    CREATE TABLE contexts (
        url text PRIMARY KEY, kind text NOT NULL, body text NOT NULL, created_at text NOT NULL,
        hits bigint NOT NULL DEFAULT 0, last_usage text, extra text
    );
    CREATE TABLE documents (
        tenant text NOT NULL, collection text NOT NULL, key text COLLATE "C" NOT NULL,
        doc text NOT NULL, PRIMARY KEY (tenant, collection, key)
    );
    """,
    # 2: temporal history (TRoE), natively partitioned by sample time (monthly partitions
    #    are created on demand; the default partition only catches what slips through)
    """
    CREATE TABLE history (
        tenant text NOT NULL, entity text COLLATE "C" NOT NULL, etype text NOT NULL,
        attr text NOT NULL, instance_id text NOT NULL, dataset_id text, observed_at text,
        created_at text NOT NULL, modified_at text NOT NULL,
        t timestamptz NOT NULL, t_created timestamptz NOT NULL, t_modified timestamptz NOT NULL,
        number double precision, value text NOT NULL, deleted boolean NOT NULL DEFAULT false
    ) PARTITION BY RANGE (t);
    CREATE TABLE history_default PARTITION OF history DEFAULT;
    CREATE INDEX history_entity_attr_t ON history (tenant, entity, attr, t);
    CREATE INDEX history_type_t ON history (tenant, etype, t);
    CREATE INDEX history_instance ON history (tenant, instance_id);
    """,
)


async def migrate(conn: asyncpg.Connection, schema: str) -> int:
    """Create the schema and bring it to the newest version; safe to run concurrently."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_version (version int NOT NULL)'
        )
        current = await conn.fetchval(f'SELECT MAX(version) FROM "{schema}".schema_version') or 0
        for version, script in enumerate(MIGRATIONS, start=1):
            if version > current:
                await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                await conn.execute(script)
                await conn.execute(
                    f'INSERT INTO "{schema}".schema_version (version) VALUES ($1)', version
                )
    return len(MIGRATIONS)
