"""``SQLiteStore``: the Store contract on one SQLite file (WAL, R-tree geo index).

Durability: only the writer thread commits, and a job is acknowledged after its COMMIT
returned. With the default ``synchronous=NORMAL`` in WAL mode the commit is written to the
WAL file (the OS holds it), so an acknowledged write survives a crash of the dosi process;
the WAL is fsynced at checkpoints, so a power cut may lose the last commits but never
corrupts the file. ``?synchronous=full`` fsyncs every commit (power-cut durable); group
commit then shares one fsync among all the writers that queued meanwhile.

Reads run on ``readers`` threads with their own connections, so they never wait for the
writer (WAL) and never block the event loop; each page of ``iter_entities`` is one hop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final, TypeVar

import orjson

from dosi.errors import StoreError
from dosi.store.base import (
    CAP_GEO_INDEX,
    CAP_REGEX,
    CAP_TEMPORAL,
    AttributeInstance,
    Bucket,
    Candidates,
    Entity,
    HistoryQuery,
    Plan,
    StoredContext,
    TypeStats,
    Writes,
)
from dosi.store.sqlite import _query, history
from dosi.store.sqlite._connections import check_pattern, connect
from dosi.store.sqlite._errors import translate
from dosi.store.sqlite._options import parse_url
from dosi.store.sqlite._writer import Writer
from dosi.store.sqlite._writes import IN_JSON, WriterCache, json_list, run_transaction
from dosi.store.sqlite.migrations import migrate

logger = logging.getLogger(__name__)

T = TypeVar("T")
CAPABILITIES: Final = frozenset({CAP_GEO_INDEX, CAP_REGEX, CAP_TEMPORAL})
CONTEXT_COLUMNS: Final = "url, kind, body, created_at, hits, last_usage, extra"


class SQLiteStore:
    """The embedded default store (``sqlite:///relative.db``, ``sqlite:////abs/dosi.db``)."""

    capabilities = CAPABILITIES

    def __init__(self, url: str) -> None:
        self.options = parse_url(url)
        self.path = self.options.path
        self._writer: Writer | None = None
        self._cache = WriterCache()
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._read_conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------
    async def open(self) -> None:
        if self._writer is not None:
            raise StoreError("the SQLite store is already open")
        conn = await asyncio.to_thread(self._open_writer)
        self._writer = Writer(conn, on_abort=self._cache.reset)
        self._readers = ThreadPoolExecutor(
            max_workers=self.options.readers, thread_name_prefix="dosi-sqlite-reader"
        )

    def _open_writer(self) -> sqlite3.Connection:
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of {self.path}: {exc}") from exc
        try:
            conn = connect(self.options, writer=True)
        except sqlite3.Error as exc:
            raise translate(exc, f"open of {self.path}") from exc
        try:
            migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc, "migration") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        writer, readers = self._writer, self._readers
        self._writer = self._readers = None
        if writer is not None:
            await asyncio.to_thread(writer.stop)
        if readers is not None:
            await asyncio.to_thread(readers.shutdown, wait=True)
        with self._conns_lock:
            conns, self._read_conns = self._read_conns, []
        for conn in conns:
            conn.close()

    # -- plumbing ----------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.options, writer=False)
            self._local.conn = conn
            with self._conns_lock:
                self._read_conns.append(conn)
        return conn

    async def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        readers = self._readers
        if readers is None:
            raise StoreError("the SQLite store is not open")

        def run() -> T:
            try:
                return work(self._reader())
            except sqlite3.Error as exc:
                raise translate(exc, "read") from exc

        try:
            return await asyncio.get_running_loop().run_in_executor(readers, run)
        except RuntimeError as exc:  # the executor was shut down by close()
            if self._readers is None:
                raise StoreError("the SQLite store is closed") from exc
            raise

    async def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        writer = self._writer
        if writer is None:
            raise StoreError("the SQLite store is not open")
        return await writer.run(work)

    # -- tenants -----------------------------------------------------------------------
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

    # -- entities --------------------------------------------------------------------
    async def get_entity(self, tenant: str, entity_id: str) -> Entity | None:
        return (await self.get_entities(tenant, [entity_id])).get(entity_id)

    async def get_entities(self, tenant: str, ids: Sequence[str]) -> dict[str, Entity]:
        if not ids:
            return {}
        wanted = json_list(dict.fromkeys(ids))

        def work(conn: sqlite3.Connection) -> dict[str, Entity]:
            cursor = conn.execute(
                f"SELECT id, doc FROM entities WHERE tenant = ? AND id {IN_JSON}",
                (tenant, wanted),
            )
            return {entity_id: orjson.loads(doc) for entity_id, doc in cursor}

        return await self._read(work)

    async def iter_entities(self, tenant: str, where: Candidates) -> AsyncIterator[Entity]:
        if where.id_pattern is not None:
            check_pattern(where.id_pattern)
        pager = _query.Pager(tenant, where)
        while not pager.done:
            for entity in await self._read(pager.next_page):
                yield entity

    async def count_entities(self, tenant: str, where: Candidates) -> int:
        if where.id_pattern is not None:
            check_pattern(where.id_pattern)
        return await self._read(lambda c: _query.count(c, tenant, where))

    async def transact(self, tenant: str, ids: Sequence[str], plan: Plan) -> Writes:
        wanted = list(dict.fromkeys(ids))
        return await self._write(lambda c: run_transaction(c, self._cache, tenant, wanted, plan))

    async def type_stats(self, tenant: str) -> list[TypeStats]:
        return await self._read(lambda c: _query.type_stats(c, tenant))

    # -- documents ---------------------------------------------------------------------
    async def put_document(
        self, tenant: str, collection: str, key: str, doc: dict[str, Any]
    ) -> None:
        body = _dump(doc)
        await self._write(
            lambda c: c.execute(
                "INSERT INTO documents (tenant, collection, key, doc) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
                (tenant, collection, key, body),
            )
        )

    async def get_document(self, tenant: str, collection: str, key: str) -> dict[str, Any] | None:
        row = await self._read(
            lambda c: c.execute(
                "SELECT doc FROM documents WHERE tenant = ? AND collection = ? AND key = ?",
                (tenant, collection, key),
            ).fetchone()
        )
        return None if row is None else _load(row[0])

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
        return [(key, _load(doc)) for key, doc in rows]

    async def delete_document(self, tenant: str, collection: str, key: str) -> bool:
        deleted: int = await self._write(
            lambda c: (
                c.execute(
                    "DELETE FROM documents WHERE tenant = ? AND collection = ? AND key = ?",
                    (tenant, collection, key),
                ).rowcount
            )
        )
        return deleted > 0

    async def delete_documents(self, tenant: str, collection: str, keys: Sequence[str]) -> int:
        rows = [(tenant, collection, key) for key in dict.fromkeys(keys)]

        def work(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany(
                "DELETE FROM documents WHERE tenant = ? AND collection = ? AND key = ?", rows
            )
            return conn.total_changes - before

        return await self._write(work)

    # -- @contexts -------------------------------------------------------------------
    async def put_context(self, context: StoredContext) -> None:
        """Insert, or replace body, kind, created_at and extra (usage counters stay)."""
        row = (
            context.url,
            context.kind,
            _dump(context.body),
            context.created_at,
            context.hits,
            context.last_usage,
            _dump(context.extra),
        )
        await self._write(
            lambda c: c.execute(
                f"INSERT INTO contexts ({CONTEXT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, body = excluded.body, "
                "created_at = excluded.created_at, extra = excluded.extra",
                row,
            )
        )

    async def get_context(self, url: str) -> StoredContext | None:
        row = await self._read(
            lambda c: c.execute(
                f"SELECT {CONTEXT_COLUMNS} FROM contexts WHERE url = ?", (url,)
            ).fetchone()
        )
        return None if row is None else _context(row)

    async def list_contexts(self) -> list[StoredContext]:
        rows = await self._read(
            lambda c: c.execute(
                f"SELECT {CONTEXT_COLUMNS} FROM contexts ORDER BY created_at, url"
            ).fetchall()
        )
        return [_context(r) for r in rows]

    async def delete_context(self, url: str) -> bool:
        deleted: int = await self._write(
            lambda c: c.execute("DELETE FROM contexts WHERE url = ?", (url,)).rowcount
        )
        return deleted > 0

    # -- temporal history (SQL in ``history``) ------------------------------------------
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
        await self._write(lambda c: history.insert_rows(c, tenant, rows))

    async def delete_history(
        self,
        tenant: str,
        entity_id: str,
        attr: str | None = None,
        instance_id: str | None = None,
    ) -> int:
        deleted: int = await self._write(
            lambda c: history.delete(c, tenant, entity_id, attr, instance_id)
        )
        return deleted

    async def replace_history_instance(self, tenant: str, row: AttributeInstance) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            if history.delete(conn, tenant, row.entity_id, row.attr, row.instance_id) == 0:
                return False
            history.insert_rows(conn, tenant, [row])
            return True

        replaced: bool = await self._write(work)
        return replaced

    async def purge_history(self, tenant: str, before: float, entity_type: str | None) -> int:
        purged: int = await self._write(lambda c: history.purge(c, tenant, before, entity_type))
        return purged


def _dump(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError as exc:
        raise StoreError(f"the value cannot be stored as JSON: {exc}") from exc


def _load(raw: bytes) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(raw)
    return value


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
