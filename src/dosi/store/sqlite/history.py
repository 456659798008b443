"""Temporal history on SQLite: row mapping and the SQL of history reads and aggregation."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

import orjson

from dosi.store._history import to_row
from dosi.store.base import AttributeInstance, Bucket, HistoryQuery, epoch

COLUMNS: Final = {"time": "t", "created": "t_created", "modified": "t_modified"}
SELECT: Final = (
    "entity, etype, attr, instance_id, dataset_id, observed_at, created_at, modified_at, t, "
    "number, value, deleted"
)


def insert_rows(conn: sqlite3.Connection, tenant: str, rows: Sequence[AttributeInstance]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO history (tenant, entity, etype, attr, instance_id, dataset_id, "
        "observed_at, created_at, modified_at, t, t_created, t_modified, number, value, deleted)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                tenant,
                r.entity_id,
                r.entity_type,
                r.attr,
                r.instance_id,
                r.dataset_id,
                r.observed_at,
                r.created_at,
                r.modified_at,
                r.time,
                epoch(r.created_at),
                epoch(r.modified_at),
                r.number,
                orjson.dumps(r.instance),
                int(r.deleted),
            )
            for r in rows
        ],
    )


def where(tenant: str, query: HistoryQuery) -> tuple[str, list[Any], str]:
    column = COLUMNS.get(query.time_column, "t")
    ids = list(query.entity_ids)
    clauses = ["tenant = ?", f"entity IN ({','.join('?' * len(ids))})" if ids else "0"]
    params: list[Any] = [tenant, *ids]
    if query.attrs is not None:
        attrs = sorted(query.attrs)
        clauses.append(f"attr IN ({','.join('?' * len(attrs))})" if attrs else "0")
        params.extend(attrs)
    if query.start is not None:
        clauses.append(f"{column} >= ?")
        params.append(query.start)
    if query.end is not None:
        clauses.append(f"{column} < ?")
        params.append(query.end)
    return " AND ".join(clauses), params, column


def read(conn: sqlite3.Connection, tenant: str, query: HistoryQuery) -> list[AttributeInstance]:
    condition, params, column = where(tenant, query)
    if query.last_n is None:
        sql = (
            f"SELECT {SELECT} FROM history WHERE {condition} ORDER BY entity, attr, {column}, rowid"
        )
    else:
        sql = (
            f"SELECT {SELECT} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY entity, attr "
            f"ORDER BY {column} DESC, rowid DESC) AS rn FROM history WHERE {condition}) "
            f"WHERE rn <= ? ORDER BY entity, attr, {column}, rowid"
        )
        params.append(query.last_n)
    return [to_row(r) for r in conn.execute(sql, params).fetchall()]


def aggregate(
    conn: sqlite3.Connection,
    tenant: str,
    query: HistoryQuery,
    origin: float,
    period: float,
    distinct: bool = False,
) -> list[Bucket]:
    condition, params, column = where(tenant, query)
    sql = (
        f"SELECT entity, attr, dataset_id, CAST(({column} - ?) / ? AS INTEGER) AS bucket, "
        f"COUNT(*), {'COUNT(DISTINCT value)' if distinct else '0'}, COUNT(number), "
        "SUM(number), SUM(number * number), "
        "MIN(number), "
        f"MAX(number) FROM history WHERE {condition} AND deleted = 0 AND {column} >= ? "
        "GROUP BY entity, attr, dataset_id, bucket ORDER BY entity, attr, dataset_id, bucket"
    )
    rows = conn.execute(sql, [origin, period, *params, origin]).fetchall()
    return [Bucket(*row) for row in rows]


def delete(
    conn: sqlite3.Connection,
    tenant: str,
    entity_id: str,
    attr: str | None,
    instance_id: str | None,
) -> int:
    sql = "DELETE FROM history WHERE tenant = ? AND entity = ?"
    params: list[Any] = [tenant, entity_id]
    if attr is not None:
        sql += " AND attr = ?"
        params.append(attr)
    if instance_id is not None:
        sql += " AND instance_id = ?"
        params.append(instance_id)
    return conn.execute(sql, params).rowcount


def purge(conn: sqlite3.Connection, tenant: str, before: float, entity_type: str | None) -> int:
    if entity_type is None:
        return conn.execute(
            "DELETE FROM history WHERE tenant = ? AND t < ?", (tenant, before)
        ).rowcount
    return conn.execute(
        "DELETE FROM history WHERE tenant = ? AND etype = ? AND t < ?",
        (tenant, entity_type, before),
    ).rowcount
