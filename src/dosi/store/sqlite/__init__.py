"""The embedded store: one SQLite file in WAL mode, with an R-tree geo index.

Writes run on one writer thread that *group-commits*: transactions queued while a commit
is in flight are applied together (each in its own savepoint, so one failing plan never
affects another) and made durable by a single fsync. Reads use their own connections, so
they never wait for writes (WAL).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlsplit

import orjson

from dosi.errors import BadRequestData, StoreError
from dosi.geojson import GeoJSONError, bbox, iter_geo_values
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
from dosi.store.sqlite import history
from dosi.store.sqlite.schema import migrate

logger = logging.getLogger(__name__)

CAPABILITIES: Final = frozenset({CAP_GEO_INDEX, CAP_REGEX, CAP_TEMPORAL})
CHUNK: Final = 500
MAX_GROUP: Final = 256
T = TypeVar("T")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: str | None) -> bool:
    return value is not None and _compiled(pattern).search(value) is not None


def check_pattern(pattern: str) -> None:
    try:
        _compiled(pattern)
    except re.error as exc:
        raise BadRequestData(f"invalid regular expression {pattern!r}: {exc}") from None


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: every commit is fsynced before it is acknowledged (group commit pays for it).
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.create_function("regexp", 2, _regexp, deterministic=True)
    return conn


@dataclass
class _Job:
    """A queued write: an entity transaction (plan) or other work on the connection."""

    tenant: str
    ids: list[str]
    plan: Plan | None
    future: Future[Any]
    work: Callable[[sqlite3.Connection], Any] | None = None


class SQLiteStore:
    """The embedded default store (``sqlite:///path/to/dosi.db``)."""

    capabilities = CAPABILITIES

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.netloc:  # sqlite://relative/path is not a thing; keep it as given
            path = parts.netloc + path
        if path.startswith("/./"):
            path = path[1:]
        self.path = path
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite-read")
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._write_conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)

        def start() -> None:
            conn = _connect(self.path)
            migrate(conn)
            self._write_conn = conn

        await asyncio.to_thread(start)
        self._writer = threading.Thread(target=self._write_loop, name="sqlite-write", daemon=True)
        self._writer.start()

    async def close(self) -> None:
        if self._writer is not None:
            self._jobs.put(None)
            await asyncio.to_thread(self._writer.join)
            self._writer = None
        self._readers.shutdown(wait=True)
        for conn in self._read_conns:
            conn.close()
        if self._write_conn is not None:
            self._write_conn.close()
            self._write_conn = None

    # -- reading -----------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._read_conns.append(conn)
        return conn

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._write_conn is None:
            raise StoreError("the store is not open")

        def run() -> T:
            try:
                return work(self._reader())
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite read failed: {exc}") from exc

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    async def tenant_exists(self, tenant: str) -> bool:
        if tenant == "":
            return True
        row = await self._read(
            lambda c: c.execute("SELECT 1 FROM tenants WHERE name = ?", (tenant,)).fetchone()
        )
        return row is not None

    async def list_tenants(self) -> list[str]:
        rows = await self._read(
            lambda c: c.execute("SELECT name FROM tenants ORDER BY name").fetchall()
        )
        return [r[0] for r in rows]

    async def get_entity(self, tenant: str, entity_id: str) -> Entity | None:
        found = await self.get_entities(tenant, [entity_id])
        return found.get(entity_id)

    async def get_entities(self, tenant: str, ids: Sequence[str]) -> dict[str, Entity]:
        return await self._read(lambda c: _load(c, tenant, list(ids)))

    async def iter_entities(self, tenant: str, where: Candidates) -> AsyncIterator[Entity]:
        if where.id_pattern is not None:
            check_pattern(where.id_pattern)
        after = where.after_id
        while True:
            sql, params = _candidate_sql(tenant, where, after, "e.id, e.doc", CHUNK)
            rows = await self._read(_fetch_all(sql, params))
            for _, doc in rows:
                yield orjson.loads(doc)
            if len(rows) < CHUNK:
                return
            after = rows[-1][0]

    async def count_entities(self, tenant: str, where: Candidates) -> int:
        if where.id_pattern is not None:
            check_pattern(where.id_pattern)
        sql, params = _candidate_sql(tenant, where, where.after_id, "COUNT(*)", None)
        row = await self._read(lambda c: c.execute(sql, params).fetchone())
        return int(row[0])

    async def type_stats(self, tenant: str) -> list[TypeStats]:
        def work(c: sqlite3.Connection) -> list[TypeStats]:
            counts = dict(
                c.execute(
                    "SELECT type, COUNT(*) FROM entity_types WHERE tenant = ? GROUP BY type",
                    (tenant,),
                ).fetchall()
            )
            attrs: dict[str, dict[str, AttributeStats]] = {t: {} for t in counts}
            rows = c.execute(
                "SELECT t.type, a.attr, COUNT(*), group_concat(DISTINCT a.kinds) "
                "FROM entity_types t JOIN entity_attrs a "
                "ON a.entity = t.entity AND a.tenant = t.tenant "
                "WHERE t.tenant = ? GROUP BY t.type, a.attr",
                (tenant,),
            ).fetchall()
            for type_, attr, count, kinds in rows:
                attrs[type_][attr] = AttributeStats(
                    count, frozenset(k for k in (kinds or "").split(",") if k)
                )
            return [TypeStats(t, counts[t], attrs[t]) for t in sorted(counts)]

        return await self._read(work)

    # -- writing -----------------------------------------------------------------------
    async def transact(self, tenant: str, ids: Sequence[str], plan: Plan) -> Writes:
        if self._writer is None:
            raise StoreError("the store is not open")
        future: Future[Any] = Future()
        self._jobs.put(_Job(tenant, list(dict.fromkeys(ids)), plan, future))
        writes: Writes = await asyncio.wrap_future(future)
        return writes

    def _write_loop(self) -> None:
        conn = self._write_conn
        assert conn is not None
        while True:
            job = self._jobs.get()
            if job is None:
                return
            group = [job] if job.future.set_running_or_notify_cancel() else []
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                if more.future.set_running_or_notify_cancel():  # skip what was cancelled
                    group.append(more)
            if group:
                self._commit_group(conn, group)
            if stop:
                return

    def _commit_group(self, conn: sqlite3.Connection, group: list[_Job]) -> None:
        results: list[tuple[_Job, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in group:
                conn.execute("SAVEPOINT job")
                try:
                    writes = _apply(conn, job)
                except BaseException as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    results.append((job, exc))
                else:
                    conn.execute("RELEASE job")
                    results.append((job, writes))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            error = StoreError(f"SQLite write failed: {exc}")
            for job in group:
                job.future.set_exception(error)
            return
        for job, outcome in results:
            if isinstance(outcome, BaseException):
                if isinstance(outcome, sqlite3.IntegrityError):
                    outcome = StoreError(f"SQLite integrity error: {outcome}")
                elif isinstance(outcome, sqlite3.Error):
                    outcome = StoreError(f"SQLite write failed: {outcome}")
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)

    # -- documents and contexts -------------------------------------------------------
    async def put_document(
        self, tenant: str, collection: str, key: str, doc: dict[str, Any]
    ) -> None:
        await self._exec(
            "INSERT INTO documents (tenant, collection, key, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
            (tenant, collection, key, orjson.dumps(doc)),
        )

    async def get_document(self, tenant: str, collection: str, key: str) -> dict[str, Any] | None:
        row = await self._read(
            lambda c: c.execute(
                "SELECT doc FROM documents WHERE tenant = ? AND collection = ? AND key = ?",
                (tenant, collection, key),
            ).fetchone()
        )
        return None if row is None else orjson.loads(row[0])

    async def list_documents(
        self, tenant: str, collection: str, *, after: str | None = None, limit: int | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT key, doc FROM documents WHERE tenant = ? AND collection = ? AND key > ? "
                "ORDER BY key LIMIT ?",
                (tenant, collection, after or "", -1 if limit is None else limit),
            ).fetchall()
        )
        return [(key, orjson.loads(doc)) for key, doc in rows]

    async def delete_document(self, tenant: str, collection: str, key: str) -> bool:
        return (
            await self._exec(
                "DELETE FROM documents WHERE tenant = ? AND collection = ? AND key = ?",
                (tenant, collection, key),
            )
            > 0
        )

    async def delete_documents(self, tenant: str, collection: str, keys: Sequence[str]) -> int:
        rows = [(tenant, collection, key) for key in keys]

        def work(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany(
                "DELETE FROM documents WHERE tenant = ? AND collection = ? AND key = ?", rows
            )
            return conn.total_changes - before

        count: int = await self._submit(work)
        return count

    async def put_context(self, context: StoredContext) -> None:
        await self._exec(
            "INSERT INTO contexts (url, kind, body, created_at, hits, last_usage, extra) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, "
            "body = excluded.body, created_at = excluded.created_at, extra = excluded.extra",
            (
                context.url,
                context.kind,
                orjson.dumps(context.body),
                context.created_at,
                context.hits,
                context.last_usage,
                orjson.dumps(context.extra),
            ),
        )

    async def get_context(self, url: str) -> StoredContext | None:
        row = await self._read(
            lambda c: c.execute(
                "SELECT url, kind, body, created_at, hits, last_usage, extra FROM contexts "
                "WHERE url = ?",
                (url,),
            ).fetchone()
        )
        return None if row is None else _context(row)

    async def list_contexts(self) -> list[StoredContext]:
        rows = await self._read(
            lambda c: c.execute(
                "SELECT url, kind, body, created_at, hits, last_usage, extra FROM contexts "
                "ORDER BY created_at, url"
            ).fetchall()
        )
        return [_context(r) for r in rows]

    async def delete_context(self, url: str) -> bool:
        return await self._exec("DELETE FROM contexts WHERE url = ?", (url,)) > 0

    async def _exec(self, sql: str, params: tuple[Any, ...]) -> int:
        """One statement through the writer thread, committed with its group."""
        count: int = await self._submit(lambda conn: conn.execute(sql, params).rowcount)
        return count

    async def _submit(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the writer connection inside the next group commit."""
        if self._writer is None:
            raise StoreError("the store is not open")
        future: Future[Any] = Future()
        self._jobs.put(_Job("", [], None, future, work))
        result: T = await asyncio.wrap_future(future)
        return result

    # -- temporal history ------------------------------------------------------------
    async def history(self, tenant: str, query: HistoryQuery) -> list[AttributeInstance]:
        return await self._read(lambda c: history.read(c, tenant, query))

    async def aggregate_history(
        self,
        tenant: str,
        query: HistoryQuery,
        origin: float,
        period: float,
        *,
        distinct: bool = False,
    ) -> list[Bucket]:
        return await self._read(
            lambda c: history.aggregate(c, tenant, query, origin, period, distinct)
        )

    async def append_history(self, tenant: str, rows: Sequence[AttributeInstance]) -> None:
        await self._submit(lambda c: history.insert_rows(c, tenant, rows))

    async def delete_history(
        self,
        tenant: str,
        entity_id: str,
        attr: str | None = None,
        instance_id: str | None = None,
    ) -> int:
        count: int = await self._submit(
            lambda c: history.delete(c, tenant, entity_id, attr, instance_id)
        )
        return count

    async def replace_history_instance(self, tenant: str, row: AttributeInstance) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            if history.delete(conn, tenant, row.entity_id, row.attr, row.instance_id) == 0:
                return False
            history.insert_rows(conn, tenant, [row])
            return True

        replaced: bool = await self._submit(work)
        return replaced

    async def purge_history(self, tenant: str, before: float, entity_type: str | None) -> int:
        count: int = await self._submit(lambda c: history.purge(c, tenant, before, entity_type))
        return count


def _fetch_all(sql: str, params: list[Any]) -> Callable[[sqlite3.Connection], list[Any]]:
    return lambda conn: conn.execute(sql, params).fetchall()


def _context(row: tuple[Any, ...]) -> StoredContext:
    url, kind, body, created_at, hits, last_usage, extra = row
    return StoredContext(
        url=url,
        kind=kind,
        body=orjson.loads(body),
        created_at=created_at,
        hits=hits,
        last_usage=last_usage,
        extra=orjson.loads(extra) if extra else {},
    )


def _load(conn: sqlite3.Connection, tenant: str, ids: list[str]) -> dict[str, Entity]:
    found: dict[str, Entity] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT id, doc FROM entities WHERE tenant = ? AND id IN ({marks})",
            (tenant, *chunk),
        ).fetchall()
        found.update((entity_id, orjson.loads(doc)) for entity_id, doc in rows)
    return found


def _apply(conn: sqlite3.Connection, job: _Job) -> Any:
    if job.work is not None:
        return job.work(conn)
    assert job.plan is not None
    current = _load(conn, job.tenant, job.ids)
    writes = job.plan(current)  # the plan's own errors reach the caller unchanged
    try:
        _write(conn, job.tenant, writes, current, set(job.ids))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"the plan produced a document that cannot be stored: {exc!r}") from exc
    return writes


def _write(
    conn: sqlite3.Connection,
    tenant: str,
    writes: Writes,
    current: dict[str, Entity],
    loaded: set[str],
) -> None:
    if writes.upserts or writes.deletes or writes.documents:
        conn.execute(
            "INSERT OR IGNORE INTO tenants (name, created_at) VALUES (?, datetime('now'))",
            (tenant,),
        )
    for entity_id in writes.deletes:
        row = conn.execute(
            "DELETE FROM entities WHERE tenant = ? AND id = ? RETURNING rowid",
            (tenant, entity_id),
        ).fetchone()
        if row is not None:
            _drop_index(conn, row[0])
    # Index rows must be refreshed for every id that may exist: known or never loaded.
    stale = {e["id"] for e in writes.upserts if e["id"] in current or e["id"] not in loaded}
    _upsert_all(conn, tenant, writes.upserts, existing=stale)
    if writes.history:
        history.insert_rows(conn, tenant, writes.history)
    if writes.documents:
        conn.executemany(
            "INSERT INTO documents (tenant, collection, key, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
            [(tenant, c, k, orjson.dumps(d)) for c, k, d in writes.documents],
        )


def _drop_index(conn: sqlite3.Connection, rowid: int) -> None:
    conn.execute("DELETE FROM entity_types WHERE entity = ?", (rowid,))
    conn.execute("DELETE FROM entity_attrs WHERE entity = ?", (rowid,))
    gids = conn.execute("SELECT gid FROM geo_rows WHERE entity = ?", (rowid,)).fetchall()
    if gids:
        conn.executemany("DELETE FROM geo_index WHERE gid = ?", gids)
        conn.execute("DELETE FROM geo_rows WHERE entity = ?", (rowid,))


def _upsert_all(
    conn: sqlite3.Connection, tenant: str, entities: list[Entity], existing: Any
) -> None:
    """Write documents and refresh their index rows, batching the index inserts."""
    type_rows: list[tuple[str, str, int]] = []
    attr_rows: list[tuple[str, str, int, str]] = []
    geo_rows: list[tuple[int, int, str, str]] = []
    boxes: list[tuple[int, float, float, float, float]] = []
    next_gid = None
    for entity in entities:
        rowid = conn.execute(
            "INSERT INTO entities (tenant, id, doc, created_at, modified_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, "
            "modified_at = excluded.modified_at RETURNING rowid",
            (
                tenant,
                entity["id"],
                orjson.dumps(entity),
                entity.get("createdAt", ""),
                entity.get("modifiedAt", ""),
            ),
        ).fetchone()[0]
        if entity["id"] in existing:
            _drop_index(conn, rowid)
        type_rows.extend((tenant, t, rowid) for t in entity["type"])
        attr_rows.extend(
            (tenant, attr, rowid, ",".join(sorted({str(i.get("type")) for i in instances})))
            for attr, instances in entity["attrs"].items()
        )
        for attr, geometry in iter_geo_values(entity["attrs"]):
            try:
                min_lon, min_lat, max_lon, max_lat = bbox(geometry)
            except GeoJSONError:
                logger.warning("entity %s: unindexable geometry in %s", entity["id"], attr)
                continue
            if next_gid is None:
                next_gid = conn.execute("SELECT COALESCE(MAX(gid), 0) FROM geo_rows").fetchone()[0]
            next_gid += 1
            geo_rows.append((next_gid, rowid, tenant, attr))
            boxes.append((next_gid, min_lon, max_lon, min_lat, max_lat))
    conn.executemany(
        "INSERT OR IGNORE INTO entity_types (tenant, type, entity) VALUES (?, ?, ?)", type_rows
    )
    conn.executemany(
        "INSERT INTO entity_attrs (tenant, attr, entity, kinds) VALUES (?, ?, ?, ?)", attr_rows
    )
    conn.executemany(
        "INSERT INTO geo_rows (gid, entity, tenant, attr) VALUES (?, ?, ?, ?)", geo_rows
    )
    conn.executemany(
        "INSERT INTO geo_index (gid, min_lon, max_lon, min_lat, max_lat) VALUES (?, ?, ?, ?, ?)",
        boxes,
    )


def _candidate_sql(
    tenant: str, where: Candidates, after: str | None, columns: str, limit: int | None
) -> tuple[str, list[Any]]:
    clauses = ["e.tenant = ?"]
    params: list[Any] = [tenant]
    if where.ids is not None:
        ids = sorted(where.ids)
        clauses.append(f"e.id IN ({','.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    if after is not None:
        clauses.append("e.id > ?")
        params.append(after)
    if where.id_pattern is not None:
        clauses.append("e.id REGEXP ?")
        params.append(where.id_pattern)
    if where.types is not None:
        types = sorted(where.types)
        clauses.append(
            "e.rowid IN (SELECT entity FROM entity_types WHERE tenant = ? AND type IN "
            f"({','.join('?' * len(types))}))"
        )
        params.extend([tenant, *types])
    if where.attrs is not None:
        attrs = sorted(where.attrs)
        clauses.append(
            "e.rowid IN (SELECT entity FROM entity_attrs WHERE tenant = ? AND attr IN "
            f"({','.join('?' * len(attrs))}))"
        )
        params.extend([tenant, *attrs])
    source = "entities e"
    if where.geo is not None:
        # Drive the query from the R-tree: the box is small next to a city's entities.
        min_lon, min_lat, max_lon, max_lat = where.geo.bbox
        source = (
            "(SELECT DISTINCT g.entity FROM geo_index r JOIN geo_rows g ON g.gid = r.gid "
            "WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ? "
            "AND g.attr = ? AND g.tenant = ?) AS hit CROSS JOIN entities e"
        )
        clauses.insert(0, "e.rowid = hit.entity")
        params[:0] = [min_lon, max_lon, min_lat, max_lat, where.geo.attr, tenant]
    sql = f"SELECT {columns} FROM {source} WHERE {' AND '.join(clauses)}"
    if limit is not None:
        sql += f" ORDER BY e.id LIMIT {int(limit)}"
    return sql, params


__all__ = ["CAPABILITIES", "SQLiteStore"]
