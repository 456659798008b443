"""Entity transactions on the writer connection: load, plan, write documents and indexes.

Runs entirely on the writer thread, inside the transaction the writer opened, so a plan
sees exactly the documents it replaces (ETSI GS CIM 009 operations are read-modify-write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Final

import orjson

from dosi.errors import StoreError
from dosi.store.base import Entity, Plan, Writes
from dosi.store.sqlite import history
from dosi.store.sqlite._index import IndexEntry, index_entry, names_of

IN_JSON: Final = "IN (SELECT value FROM json_each(?))"
#: Statements that drop the index rows of one entity (the delete trigger runs the same).
UNINDEX: Final = (
    "DELETE FROM entity_types WHERE entity = ?",
    "DELETE FROM entity_attrs WHERE entity = ?",
    "DELETE FROM geo_index WHERE gid IN (SELECT gid FROM geo_rows WHERE entity = ?)",
    "DELETE FROM geo_rows WHERE entity = ?",
)


def json_list(values: Iterable[Any]) -> str:
    """A JSON array parameter for ``json_each`` (one bound value, however many items)."""
    return orjson.dumps(list(values)).decode()


class WriterCache:
    """What the writer thread remembers between jobs: IRI → integer id of the ``names``
    table, and the tenants that exist.

    Only rows a job *found* are cached, never rows it inserted (its savepoint may still be
    rolled back): found rows are committed, or written by an earlier job of the current
    group commit, and ``reset`` forgets everything if that commit fails.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._tenants: set[str] = set()

    def reset(self) -> None:
        self._ids.clear()
        self._tenants.clear()

    def ensure_tenant(self, conn: sqlite3.Connection, tenant: str) -> None:
        if tenant in self._tenants:
            return
        inserted = conn.execute(
            "INSERT OR IGNORE INTO tenants (name, created_at) VALUES (?, datetime('now'))",
            (tenant,),
        ).rowcount
        if not inserted:
            self._tenants.add(tenant)

    def intern(self, conn: sqlite3.Connection, iris: set[str]) -> dict[str, int]:
        missing = [iri for iri in iris if iri not in self._ids]
        if missing:
            self._ids.update(
                conn.execute(
                    f"SELECT iri, nid FROM names WHERE iri {IN_JSON}", (json_list(missing),)
                ).fetchall()
            )
        ids = {iri: self._ids[iri] for iri in iris if iri in self._ids}
        for iri in iris - ids.keys():
            ids[iri] = conn.execute(
                "INSERT INTO names (iri) VALUES (?) RETURNING nid", (iri,)
            ).fetchone()[0]
        return ids


def run_transaction(
    conn: sqlite3.Connection, cache: WriterCache, tenant: str, ids: Sequence[str], plan: Plan
) -> Writes:
    """Load ``ids``, call ``plan`` and apply its writes (the caller owns the transaction).

    The plan's own exceptions propagate unchanged; a document that cannot be stored is a
    StoreError.
    """
    try:
        wanted = json_list(ids)
    except TypeError as exc:
        raise StoreError(f"entity ids must be strings: {exc}") from exc
    rows = conn.execute(
        f"SELECT id, rowid, sig, doc FROM entities WHERE tenant = ? AND id {IN_JSON}",
        (tenant, wanted),
    ).fetchall()
    found = {entity_id: (rowid, sig) for entity_id, rowid, sig, _ in rows}
    docs = {entity_id: doc for entity_id, _, _, doc in rows}
    current = {i: orjson.loads(docs[i]) for i in ids if i in docs}
    writes = plan(current)
    try:
        apply(conn, cache, tenant, writes, found, absent=set(ids) - found.keys())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"the plan produced writes that cannot be stored: {exc!r}") from exc
    return writes


def apply(
    conn: sqlite3.Connection,
    cache: WriterCache,
    tenant: str,
    writes: Writes,
    found: dict[str, tuple[int, bytes | None]],
    absent: set[str],
) -> None:
    """Deletes first, then upserts (the last upsert of an id wins), then history rows and
    documents (the notification outbox commits with the change it announces).

    ``found`` maps the ids known to exist to (rowid, index signature); ``absent`` holds
    ids known not to exist. Other upserted ids are looked up.
    """
    if writes.upserts or writes.deletes or writes.documents:
        cache.ensure_tenant(conn, tenant)
    if writes.deletes:
        conn.executemany(
            "DELETE FROM entities WHERE tenant = ? AND id = ?",
            [(tenant, entity_id) for entity_id in writes.deletes],
        )
        for entity_id in writes.deletes:
            found.pop(entity_id, None)
            absent.add(entity_id)
    if writes.upserts:
        latest = {_entity_id(e): e for e in writes.upserts}
        unknown = [i for i in latest if i not in found and i not in absent]
        if unknown:
            for entity_id, rowid, sig in conn.execute(
                f"SELECT id, rowid, sig FROM entities WHERE tenant = ? AND id {IN_JSON}",
                (tenant, json_list(unknown)),
            ):
                found[entity_id] = (rowid, sig)
        _upsert(conn, cache, tenant, latest, found)
    if writes.history:
        history.insert_rows(conn, tenant, writes.history)
    if writes.documents:
        conn.executemany(
            "INSERT INTO documents (tenant, collection, key, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tenant, collection, key) DO UPDATE SET doc = excluded.doc",
            [(tenant, c, k, orjson.dumps(d)) for c, k, d in writes.documents],
        )


def _entity_id(entity: Any) -> str:
    entity_id = entity.get("id") if isinstance(entity, dict) else None
    if not isinstance(entity_id, str):
        raise StoreError(f"an upserted entity needs a string id, not {entity_id!r}")
    return entity_id


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _upsert(
    conn: sqlite3.Connection,
    cache: WriterCache,
    tenant: str,
    entities: dict[str, Entity],
    found: dict[str, tuple[int, bytes | None]],
) -> None:
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    stale: list[tuple[int]] = []
    fresh: list[tuple[int, IndexEntry]] = []
    next_rowid: int | None = None
    for entity_id, entity in entities.items():
        entry = index_entry(entity)
        doc = orjson.dumps(entity)
        created, modified = _text(entity.get("createdAt")), _text(entity.get("modifiedAt"))
        known = found.get(entity_id)
        if known is not None:
            rowid, signature = known
            updates.append((doc, created, modified, entry.signature, rowid))
            if signature != entry.signature:  # types, attributes or geometries changed
                stale.append((rowid,))
                fresh.append((rowid, entry))
            continue
        if next_rowid is None:
            next_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM entities").fetchone()[0]
        next_rowid += 1
        inserts.append((next_rowid, tenant, entity_id, doc, created, modified, entry.signature))
        fresh.append((next_rowid, entry))
    if updates:
        conn.executemany(
            "UPDATE entities SET doc = ?, created_at = ?, modified_at = ?, sig = ? WHERE rowid = ?",
            updates,
        )
    for statement in UNINDEX if stale else ():
        conn.executemany(statement, stale)
    if inserts:
        conn.executemany(
            "INSERT INTO entities (rowid, tenant, id, doc, created_at, modified_at, sig) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
    if fresh:
        index(conn, cache, tenant, fresh)


def index(
    conn: sqlite3.Connection, cache: WriterCache, tenant: str, entries: list[tuple[int, IndexEntry]]
) -> None:
    """Insert the type, attribute and geo index rows of entities (by rowid)."""
    nid = cache.intern(conn, names_of([entry for _, entry in entries]))
    conn.executemany(
        "INSERT OR IGNORE INTO entity_types (entity, name, tenant) VALUES (?, ?, ?)",
        [(rowid, nid[t], tenant) for rowid, entry in entries for t in entry.types],
    )
    conn.executemany(
        "INSERT INTO entity_attrs (entity, name, tenant, kinds) VALUES (?, ?, ?, ?)",
        [(rowid, nid[a], tenant, mask) for rowid, entry in entries for a, mask in entry.attrs],
    )
    boxes = [(rowid, nid[a], box) for rowid, entry in entries for a, box in entry.boxes]
    if boxes:
        last = conn.execute("SELECT COALESCE(MAX(gid), 0) FROM geo_rows").fetchone()[0]
        gids = range(last + 1, last + 1 + len(boxes))
        conn.executemany(
            "INSERT INTO geo_rows (gid, entity, name) VALUES (?, ?, ?)",
            [(gid, rowid, name) for gid, (rowid, name, _) in zip(gids, boxes, strict=True)],
        )
        conn.executemany(
            "INSERT INTO geo_index (gid, min_lon, max_lon, min_lat, max_lat) "
            "VALUES (?, ?, ?, ?, ?)",
            [(gid, b[0], b[2], b[1], b[3]) for gid, (_, _, b) in zip(gids, boxes, strict=True)],
        )
