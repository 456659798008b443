"""The production store: PostgreSQL + PostGIS through asyncpg.

URL: ``postgresql://user@host:port/db?schema=NAME&pool_size=N``; ``schema`` (default
``dosi``) keeps each deployment, or each test, in its own schema. Entity documents are
stored as JSON text (key order kept), with typed index columns beside them: GIN indexes on
types and attribute names, and a GiST index on every GeoProperty geometry.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import orjson

from dosi.errors import BadRequestData, StoreError
from dosi.geojson import GeoJSONError, iter_geo_values, validate_geometry
from dosi.store._history import to_row
from dosi.store.base import (
    CAP_GEO_INDEX,
    CAP_REGEX,
    CAP_TEMPORAL,
    AttributeInstance,
    AttributeStats,
    Bucket,
    Candidates,
    Entity,
    HistoryQuery,
    Plan,
    StoredContext,
    TypeStats,
    Writes,
)
from dosi.store.postgres import history
from dosi.store.postgres.schema import migrate

logger = logging.getLogger(__name__)

CAPABILITIES: Final = frozenset({CAP_GEO_INDEX, CAP_REGEX, CAP_TEMPORAL})
CHUNK: Final = 500
RETRIES: Final = 8
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_RETRYABLE = (
    asyncpg.UniqueViolationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)


class PostgresStore:
    """PostgreSQL + PostGIS backend of the Store contract."""

    capabilities = CAPABILITIES

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.pop("schema", "dosi")
        if not _SCHEMA.match(self.schema):
            raise StoreError(f"invalid schema name {self.schema!r}")
        self.pool_size = int(query.pop("pool_size", "10"))
        scheme = "postgresql"
        self.dsn = urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), ""))
        self._pool: asyncpg.Pool | None = None
        self._partitions: set[tuple[int, int]] = set()

    # -- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        try:
            conn = await asyncpg.connect(self.dsn)
            try:
                await migrate(conn, self.schema)
            finally:
                await conn.close()
            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=1,
                max_size=self.pool_size,
                # A runaway query (e.g. a pathological idPattern) is cut off, not left to
                # hold a connection.
                server_settings={
                    "search_path": f'"{self.schema}", public',
                    "statement_timeout": "30s",
                },
            )
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"cannot open PostgreSQL store: {exc}") from exc

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("the store is not open")
        return self._pool

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        try:
            return list(await self.pool.fetch(sql, *args))
        except asyncpg.InvalidRegularExpressionError as exc:
            raise BadRequestData(f"invalid regular expression: {exc}") from None
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"PostgreSQL query failed: {exc}") from exc

    async def _execute(self, sql: str, *args: Any) -> str:
        try:
            result: str = await self.pool.execute(sql, *args)
            return result
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"PostgreSQL statement failed: {exc}") from exc

    # -- tenants and entities ---------------------------------------------------------
    async def tenant_exists(self, tenant: str) -> bool:
        if tenant == "":
            return True
        return bool(await self._fetch("SELECT 1 FROM tenants WHERE name = $1", tenant))

    async def list_tenants(self) -> list[str]:
        return [r[0] for r in await self._fetch("SELECT name FROM tenants ORDER BY name")]

    async def get_entity(self, tenant: str, entity_id: str) -> Entity | None:
        return (await self.get_entities(tenant, [entity_id])).get(entity_id)

    async def get_entities(self, tenant: str, ids: Sequence[str]) -> dict[str, Entity]:
        rows = await self._fetch(
            "SELECT id, doc FROM entities WHERE tenant = $1 AND id = ANY($2::text[])",
            tenant,
            list(ids),
        )
        return {r[0]: orjson.loads(r[1]) for r in rows}

    async def iter_entities(self, tenant: str, where: Candidates) -> AsyncIterator[Entity]:
        _check_pattern(where.id_pattern)
        after = where.after_id
        while True:
            sql, args = _candidate_sql(tenant, where, after, "e.id, e.doc", CHUNK)
            rows = await self._fetch(sql, *args)
            for row in rows:
                yield orjson.loads(row[1])
            if len(rows) < CHUNK:
                return
            after = rows[-1][0]

    async def count_entities(self, tenant: str, where: Candidates) -> int:
        _check_pattern(where.id_pattern)
        sql, args = _candidate_sql(tenant, where, where.after_id, "COUNT(*)", None)
        rows = await self._fetch(sql, *args)
        return int(rows[0][0])

    async def type_stats(self, tenant: str) -> list[TypeStats]:
        counts = await self._fetch(
            "SELECT t, COUNT(*) FROM entities, unnest(types) AS t WHERE tenant = $1 GROUP BY t",
            tenant,
        )
        rows = await self._fetch(
            "SELECT t, a.key, COUNT(DISTINCT e.id), array_agg(DISTINCT k) "
            "FROM entities e, unnest(e.types) AS t, jsonb_each(e.attr_kinds) AS a, "
            "jsonb_array_elements_text(a.value) AS k WHERE e.tenant = $1 GROUP BY t, a.key",
            tenant,
        )
        attrs: dict[str, dict[str, AttributeStats]] = {r[0]: {} for r in counts}
        for type_, attr, count, kinds in rows:
            attrs.setdefault(type_, {})[attr] = AttributeStats(int(count), frozenset(kinds))
        return [TypeStats(r[0], int(r[1]), attrs[r[0]]) for r in sorted(counts)]

    async def transact(self, tenant: str, ids: Sequence[str], plan: Plan) -> Writes:
        wanted = sorted(set(ids))
        for attempt in range(RETRIES):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    return await _run(conn, tenant, wanted, plan, self._partitions)
            except _RETRYABLE:
                if attempt == RETRIES - 1:
                    raise StoreError("too many conflicting concurrent writes") from None
                await asyncio.sleep(0.002 * (attempt + 1))
            except (OSError, asyncpg.PostgresError) as exc:
                raise StoreError(f"PostgreSQL write failed: {exc}") from exc
        raise StoreError("unreachable")

    # -- temporal history ------------------------------------------------------------
    async def history(self, tenant: str, query: HistoryQuery) -> list[AttributeInstance]:
        sql, args = history.read_sql(tenant, query)
        return [to_row(r) for r in await self._fetch(sql, *args)]

    async def aggregate_history(
        self,
        tenant: str,
        query: HistoryQuery,
        origin: float,
        period: float,
        *,
        distinct: bool = False,
    ) -> list[Bucket]:
        sql, args = history.aggregate_sql(tenant, query, origin, period, distinct)
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                # Room to hash-aggregate in memory; JIT costs more than it saves here.
                await conn.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
                rows = await conn.fetch(sql, *args)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"PostgreSQL query failed: {exc}") from exc
        return [history.to_bucket(r) for r in rows]

    async def append_history(self, tenant: str, rows: Sequence[AttributeInstance]) -> None:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", tenant
                )
                await history.insert_rows(conn, tenant, rows, self._partitions)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"PostgreSQL write failed: {exc}") from exc

    async def delete_history(
        self,
        tenant: str,
        entity_id: str,
        attr: str | None = None,
        instance_id: str | None = None,
    ) -> int:
        sql = "DELETE FROM history WHERE tenant = $1 AND entity = $2"
        args: list[Any] = [tenant, entity_id]
        if attr is not None:
            args.append(attr)
            sql += f" AND attr = ${len(args)}"
        if instance_id is not None:
            args.append(instance_id)
            sql += f" AND instance_id = ${len(args)}"
        status = await self._execute(sql, *args)
        return int(status.split()[-1])

    async def replace_history_instance(self, tenant: str, row: AttributeInstance) -> bool:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                status = await conn.execute(
                    "DELETE FROM history WHERE tenant = $1 AND entity = $2 AND attr = $3 "
                    "AND instance_id = $4",
                    tenant,
                    row.entity_id,
                    row.attr,
                    row.instance_id,
                )
                if status == "DELETE 0":
                    return False
                await history.insert_rows(conn, tenant, [row], self._partitions)
                return True
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreError(f"PostgreSQL write failed: {exc}") from exc

    async def purge_history(self, tenant: str, before: float, entity_type: str | None) -> int:
        if entity_type is None:
            status = await self._execute(
                "DELETE FROM history WHERE tenant = $1 AND t < to_timestamp($2)", tenant, before
            )
        else:
            status = await self._execute(
                "DELETE FROM history WHERE tenant = $1 AND etype = $2 AND t < to_timestamp($3)",
                tenant,
                entity_type,
                before,
            )
        return int(status.split()[-1])

    # -- documents and contexts -------------------------------------------------------
    async def put_document(
        self, tenant: str, collection: str, key: str, doc: dict[str, Any]
    ) -> None:
        await self._execute(
            "INSERT INTO documents (tenant, collection, key, doc) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
            tenant,
            collection,
            key,
            orjson.dumps(doc).decode(),
        )

    async def get_document(self, tenant: str, collection: str, key: str) -> dict[str, Any] | None:
        rows = await self._fetch(
            "SELECT doc FROM documents WHERE tenant = $1 AND collection = $2 AND key = $3",
            tenant,
            collection,
            key,
        )
        return orjson.loads(rows[0][0]) if rows else None

    async def list_documents(
        self, tenant: str, collection: str, *, after: str | None = None, limit: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        rows = await self._fetch(
            "SELECT key, doc FROM documents WHERE tenant = $1 AND collection = $2 AND key > $3 "
            "ORDER BY key LIMIT $4",
            tenant,
            collection,
            after or "",
            limit,
        )
        return [(r[0], orjson.loads(r[1])) for r in rows]

    async def delete_document(self, tenant: str, collection: str, key: str) -> bool:
        status = await self._execute(
            "DELETE FROM documents WHERE tenant = $1 AND collection = $2 AND key = $3",
            tenant,
            collection,
            key,
        )
        return status != "DELETE 0"

    async def delete_documents(self, tenant: str, collection: str, keys: Sequence[str]) -> int:
        status = await self._execute(
            "DELETE FROM documents WHERE tenant = $1 AND collection = $2 AND key = ANY($3::text[])",
            tenant,
            collection,
            list(keys),
        )
        return int(status.split()[-1])

    async def put_context(self, context: StoredContext) -> None:
        await self._execute(
            "INSERT INTO contexts (url, kind, body, created_at, hits, last_usage, extra) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (url) DO UPDATE SET "
            "kind = excluded.kind, body = excluded.body, created_at = excluded.created_at, "
            "extra = excluded.extra",
            context.url,
            context.kind,
            orjson.dumps(context.body).decode(),
            context.created_at,
            context.hits,
            context.last_usage,
            orjson.dumps(context.extra).decode(),
        )

    async def get_context(self, url: str) -> StoredContext | None:
        rows = await self._fetch(
            "SELECT url, kind, body, created_at, hits, last_usage, extra FROM contexts "
            "WHERE url = $1",
            url,
        )
        return _context(rows[0]) if rows else None

    async def list_contexts(self) -> list[StoredContext]:
        rows = await self._fetch(
            "SELECT url, kind, body, created_at, hits, last_usage, extra FROM contexts "
            "ORDER BY created_at, url"
        )
        return [_context(r) for r in rows]

    async def delete_context(self, url: str) -> bool:
        return await self._execute("DELETE FROM contexts WHERE url = $1", url) != "DELETE 0"


async def _run(
    conn: asyncpg.Connection,
    tenant: str,
    ids: list[str],
    plan: Plan,
    partitions: set[tuple[int, int]],
) -> Writes:
    rows = await conn.fetch(
        "SELECT id, doc FROM entities WHERE tenant = $1 AND id = ANY($2::text[]) "
        "ORDER BY id FOR UPDATE",
        tenant,
        ids,
    )
    current = {r[0]: orjson.loads(r[1]) for r in rows}
    writes = plan(current)  # the plan's own errors reach the caller unchanged
    if not (writes.upserts or writes.deletes or writes.history or writes.documents):
        return writes
    try:
        await _write(conn, tenant, ids, writes, current, partitions)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"the plan produced a document that cannot be stored: {exc!r}") from exc
    return writes


async def _write(
    conn: asyncpg.Connection,
    tenant: str,
    ids: list[str],
    writes: Writes,
    current: dict[str, Entity],
    partitions: set[tuple[int, int]],
) -> None:
    await conn.execute(
        "INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", tenant
    )
    if writes.deletes:
        await conn.execute(
            "DELETE FROM entities WHERE tenant = $1 AND id = ANY($2::text[])",
            tenant,
            writes.deletes,
        )
    new_rows: list[tuple[Any, ...]] = []  # loaded and absent: a plain INSERT
    old_rows: list[tuple[Any, ...]] = []  # loaded and present: an UPDATE
    blind_rows: list[tuple[Any, ...]] = []  # never loaded: an upsert
    loaded = set(ids)
    for entity in writes.upserts:
        row = _row(tenant, entity)
        if entity["id"] in current:
            old_rows.append(row)
        elif entity["id"] in loaded:
            new_rows.append(row)
        else:
            blind_rows.append(row)
    if blind_rows:
        await conn.executemany(
            "INSERT INTO entities (tenant, id, types, attrs, attr_kinds, doc, created_at, "
            "modified_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) "
            "ON CONFLICT (tenant, id) DO UPDATE SET types = excluded.types, "
            "attrs = excluded.attrs, attr_kinds = excluded.attr_kinds, doc = excluded.doc, "
            "created_at = excluded.created_at, modified_at = excluded.modified_at",
            blind_rows,
        )
    if old_rows:
        await conn.executemany(
            "UPDATE entities SET types = $3, attrs = $4, attr_kinds = $5::jsonb, doc = $6, "
            "created_at = $7, modified_at = $8 WHERE tenant = $1 AND id = $2",
            old_rows,
        )
    if new_rows:  # a concurrent insert of the same id raises UniqueViolation → retry
        await conn.executemany(
            "INSERT INTO entities (tenant, id, types, attrs, attr_kinds, doc, created_at, "
            "modified_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
            new_rows,
        )
    upserted = [e["id"] for e in writes.upserts]
    if upserted:
        await conn.execute(
            "DELETE FROM geo WHERE tenant = $1 AND entity = ANY($2::text[])", tenant, upserted
        )
        geo_rows = [
            (tenant, entity["id"], attr, orjson.dumps(geometry).decode())
            for entity in writes.upserts
            for attr, geometry in iter_geo_values(entity["attrs"])
            if _indexable(geometry)
        ]
        if geo_rows:
            await conn.executemany(
                "INSERT INTO geo (tenant, entity, attr, geom) "
                "VALUES ($1, $2, $3, ST_SetSRID(ST_GeomFromGeoJSON($4), 4326))",
                geo_rows,
            )
    await history.insert_rows(conn, tenant, writes.history, partitions)
    if writes.documents:
        await conn.executemany(
            "INSERT INTO documents (tenant, collection, key, doc) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
            [(tenant, c, k, orjson.dumps(d).decode()) for c, k, d in writes.documents],
        )


def _indexable(geometry: Any) -> bool:
    try:
        validate_geometry(geometry)
    except GeoJSONError:
        return False
    return True


def _row(tenant: str, entity: Entity) -> tuple[Any, ...]:
    kinds = {
        attr: sorted({str(i.get("type")) for i in instances})
        for attr, instances in entity["attrs"].items()
    }
    return (
        tenant,
        entity["id"],
        list(entity["type"]),
        list(entity["attrs"]),
        orjson.dumps(kinds).decode(),
        orjson.dumps(entity).decode(),
        entity.get("createdAt", ""),
        entity.get("modifiedAt", ""),
    )


def _check_pattern(pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise BadRequestData(f"invalid regular expression {pattern!r}: {exc}") from None


def _context(row: asyncpg.Record) -> StoredContext:
    return StoredContext(
        url=row[0],
        kind=row[1],
        body=orjson.loads(row[2]),
        created_at=row[3],
        hits=row[4],
        last_usage=row[5],
        extra=orjson.loads(row[6]) if row[6] else {},
    )


def _candidate_sql(
    tenant: str, where: Candidates, after: str | None, columns: str, limit: int | None
) -> tuple[str, list[Any]]:
    args: list[Any] = [tenant]
    clauses = ["e.tenant = $1"]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if where.ids is not None:
        clauses.append(f"e.id = ANY({arg(sorted(where.ids))}::text[])")
    if after is not None:
        clauses.append(f"e.id > {arg(after)}")
    if where.id_pattern is not None:
        clauses.append(f"e.id ~ {arg(where.id_pattern)}")
    if where.types is not None:
        clauses.append(f"e.types && {arg(sorted(where.types))}::text[]")
    if where.attrs is not None:
        clauses.append(f"e.attrs && {arg(sorted(where.attrs))}::text[]")
    if where.geo is not None:
        min_lon, min_lat, max_lon, max_lat = where.geo.bbox
        clauses.append(
            "EXISTS (SELECT 1 FROM geo g WHERE g.tenant = e.tenant AND g.entity = e.id "
            f"AND g.attr = {arg(where.geo.attr)} AND g.geom && ST_MakeEnvelope("
            f"{arg(min_lon)}, {arg(min_lat)}, {arg(max_lon)}, {arg(max_lat)}, 4326))"
        )
    sql = f"SELECT {columns} FROM entities e WHERE {' AND '.join(clauses)}"
    if limit is not None:
        sql += f" ORDER BY e.id LIMIT {int(limit)}"
    return sql, args


__all__ = ["CAPABILITIES", "PostgresStore"]
