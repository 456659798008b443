"""``Candidates`` as SQL, and the paging strategy that streams them in id order.

Two ways to stream a prefilter in id order, chosen per call:

* *driven*: when the ids, the geo box (R-tree), the types or the attributes select at most
  ``DRIVE_LIMIT`` entities, their ids are fetched once, sorted, and read page by page;
* *scan*: otherwise the (tenant, id) index is walked from ``after_id`` and each row is
  probed with correlated ``EXISTS`` subqueries, so the total work stays linear however many
  pages are read (an ``IN (subquery)`` would be rebuilt for every page).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from dosi.store.base import AttributeStats, Candidates, Entity, TypeStats
from dosi.store.sqlite._index import kind_names
from dosi.store.sqlite._writes import IN_JSON, json_list

DRIVE_LIMIT: Final = 2000
#: Page sizes grow so a caller that wants 20 entities does not parse 1,000.
PAGE_SIZES: Final = (50, 200, 1000)

Row = tuple[str, Entity]


@dataclass(slots=True)
class Filter:
    """A SQL condition over ``entities e`` and its parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses)


def name_ids(conn: sqlite3.Connection, iris: frozenset[str]) -> str | None:
    """The interned ids of ``iris`` as a SQL list literal; None if none is known."""
    ids = [
        int(r[0])
        for r in conn.execute(
            f"SELECT nid FROM names WHERE iri {IN_JSON}", (json_list(iris),)
        ).fetchall()
    ]
    return ", ".join(map(str, ids)) if ids else None


def _bbox(where: Candidates) -> tuple[float, float, float, float]:
    """(min_lon, max_lon, min_lat, max_lat); a box crossing the antimeridian is widened."""
    assert where.geo is not None
    min_lon, min_lat, max_lon, max_lat = where.geo.bbox
    if min_lon > max_lon:
        min_lon, max_lon = -180.0, 180.0
    return min_lon, max_lon, min_lat, max_lat


BOX: Final = "r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?"


def build(
    conn: sqlite3.Connection, tenant: str, where: Candidates, *, correlated: bool
) -> Filter | None:
    """The condition for ``where`` (None when nothing can match).

    ``correlated`` probes the index tables per entity row (for paging, where ``ids`` drive
    the pages and are left out); otherwise each prefilter is an ``IN (subquery)``
    evaluated once (for counting).
    """
    found = Filter()
    found.add("e.tenant = ?", tenant)
    if where.ids is not None:
        if not where.ids:
            return None
        if not correlated:  # pages are driven by the ids themselves
            found.add(f"e.id {IN_JSON}", json_list(where.ids))
    if where.after_id is not None:
        found.add("e.id > ?", where.after_id)
    if where.id_pattern is not None:
        found.add("e.id REGEXP ?", where.id_pattern)
    for iris, table in ((where.types, "entity_types"), (where.attrs, "entity_attrs")):
        if iris is None:
            continue
        ids = name_ids(conn, iris) if iris else None
        if ids is None:
            return None
        if correlated:
            found.add(
                f"EXISTS (SELECT 1 FROM {table} x WHERE x.entity = e.rowid AND x.name IN ({ids}))"
            )
        else:
            found.add(
                f"e.rowid IN (SELECT entity FROM {table} WHERE tenant = ? AND name IN ({ids}))",
                tenant,
            )
    if where.geo is not None:
        ids = name_ids(conn, frozenset({where.geo.attr}))
        if ids is None:
            return None
        if correlated:
            found.add(
                "EXISTS (SELECT 1 FROM geo_rows g CROSS JOIN geo_index r ON r.gid = g.gid "
                f"WHERE g.entity = e.rowid AND g.name = {ids} AND {BOX})",
                *_bbox(where),
            )
        else:
            found.add(
                "e.rowid IN (SELECT g.entity FROM geo_index r CROSS JOIN geo_rows g "
                f"ON g.gid = r.gid WHERE {BOX} AND g.name = {ids})",
                *_bbox(where),
            )
    return found


def count(conn: sqlite3.Connection, tenant: str, where: Candidates) -> int:
    """Candidates counted in SQL; a geo box drives the count from the R-tree."""
    source, params = "entities e", []
    if where.geo is not None:
        ids = name_ids(conn, frozenset({where.geo.attr}))
        if ids is None:
            return 0
        source = (
            "(SELECT DISTINCT g.entity FROM geo_index r CROSS JOIN geo_rows g ON g.gid = r.gid "
            f"WHERE {BOX} AND g.name = {ids}) hit CROSS JOIN entities e ON e.rowid = hit.entity"
        )
        params = list(_bbox(where))
        where = dataclasses.replace(where, geo=None)
    found = build(conn, tenant, where, correlated=False)
    if found is None:
        return 0
    row = conn.execute(f"SELECT COUNT(*) FROM {source} WHERE {found.sql}", [*params, *found.params])
    return int(row.fetchone()[0])


def _driver(conn: sqlite3.Connection, tenant: str, where: Candidates) -> list[str] | None:
    """The sorted ids of the most selective small prefilter, or None (then scan)."""
    if where.ids is not None:
        return sorted(i for i in where.ids if where.after_id is None or i > where.after_id)
    sources: list[tuple[str, list[Any]]] = []
    if where.geo is not None:
        ids = name_ids(conn, frozenset({where.geo.attr}))
        if ids is None:
            return []
        sources.append(
            (
                "geo_index r CROSS JOIN geo_rows x ON x.gid = r.gid "
                f"WHERE {BOX} AND x.name = {ids}",
                list(_bbox(where)),
            )
        )
    for iris, table in ((where.types, "entity_types"), (where.attrs, "entity_attrs")):
        if iris is not None:
            ids = name_ids(conn, iris) if iris else None
            if ids is None:
                return []
            sources.append((f"{table} x WHERE x.tenant = ? AND x.name IN ({ids})", [tenant]))
    after = "" if where.after_id is None else " AND e.id > ?"
    tail = [] if where.after_id is None else [where.after_id]
    for source, params in sources:
        source_from, source_where = source.split(" WHERE ", 1)
        rows = conn.execute(
            f"SELECT DISTINCT e.id FROM {source_from} CROSS JOIN entities e ON e.rowid = x.entity "
            f"WHERE {source_where} AND e.tenant = ?{after} LIMIT {DRIVE_LIMIT + 1}",
            [*params, tenant, *tail],
        ).fetchall()
        if len(rows) <= DRIVE_LIMIT:
            return sorted(r[0] for r in rows)
    return None


class Pager:
    """Produces the pages of one ``iter_entities`` call; each ``next_page`` runs on a
    reader thread and returns parsed documents (an empty page ends the stream)."""

    def __init__(self, tenant: str, where: Candidates) -> None:
        self.tenant = tenant
        self.where = where
        self.after = where.after_id
        self.pages = 0
        self.done = False
        self.driven: list[str] | None = None
        self.started = False
        self.filter: Filter | None = None

    def _size(self) -> int:
        return PAGE_SIZES[min(self.pages, len(PAGE_SIZES) - 1)]

    def next_page(self, conn: sqlite3.Connection) -> list[Entity]:
        if not self.started:
            self.started = True
            self.filter = build(conn, self.tenant, self.where, correlated=True)
            if self.filter is None:
                self.done = True
            else:
                self.driven = _driver(conn, self.tenant, self.where)
        while not self.done:
            rows = self._driven_page(conn) if self.driven is not None else self._scan_page(conn)
            self.pages += 1
            if rows:
                self.after = rows[-1][0]
                return [doc for _, doc in rows]
        return []

    def _select(self, conn: sqlite3.Connection, extra: str, params: list[Any]) -> list[Row]:
        assert self.filter is not None
        sql = f"SELECT e.id, e.doc FROM entities e WHERE {self.filter.sql}{extra}"
        cursor = conn.execute(sql, [*self.filter.params, *params])
        return [(entity_id, orjson.loads(doc)) for entity_id, doc in cursor]

    def _driven_page(self, conn: sqlite3.Connection) -> list[Row]:
        assert self.driven is not None
        size = self._size()
        chunk, self.driven = self.driven[:size], self.driven[size:]
        if not self.driven:
            self.done = True
        if not chunk:
            return []
        return self._select(conn, f" AND e.id {IN_JSON} ORDER BY e.id", [json_list(chunk)])

    def _scan_page(self, conn: sqlite3.Connection) -> list[Row]:
        size = self._size()
        after, params = ("", []) if self.after is None else (" AND e.id > ?", [self.after])
        rows = self._select(conn, f"{after} ORDER BY e.id LIMIT {size}", params)
        if len(rows) < size:
            self.done = True
        return rows


def type_stats(conn: sqlite3.Connection, tenant: str) -> list[TypeStats]:
    """Entity count per type and, per (type, attribute), entity count and kinds."""
    counts = dict(
        conn.execute(
            "SELECT name, COUNT(*) FROM entity_types WHERE tenant = ? GROUP BY name", (tenant,)
        ).fetchall()
    )
    pairs = conn.execute(
        "SELECT t.name, a.name, COUNT(*), group_concat(DISTINCT a.kinds) "
        "FROM entity_types t CROSS JOIN entity_attrs a ON a.entity = t.entity "
        "WHERE t.tenant = ? GROUP BY t.name, a.name",
        (tenant,),
    ).fetchall()
    nids = set(counts) | {attr for _, attr, _, _ in pairs}
    iri: dict[int, str] = dict(
        conn.execute(f"SELECT nid, iri FROM names WHERE nid {IN_JSON}", (json_list(nids),))
    )
    attrs: dict[int, dict[str, AttributeStats]] = {t: {} for t in counts}
    for type_nid, attr_nid, n, masks in pairs:
        mask = 0
        for part in str(masks).split(","):
            mask |= int(part)
        attrs[type_nid][iri[attr_nid]] = AttributeStats(n, kind_names(mask))
    stats = [TypeStats(iri[t], n, attrs[t]) for t, n in counts.items()]
    return sorted(stats, key=lambda s: s.type)
