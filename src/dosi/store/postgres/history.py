"""Temporal history on PostgreSQL: monthly partitions, reads and in-database aggregation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg
import orjson

from dosi.store.base import AttributeInstance, Bucket, HistoryQuery, epoch

COLUMNS: Final = {"time": "t", "created": "t_created", "modified": "t_modified"}
SELECT: Final = (
    "entity, etype, attr, instance_id, dataset_id, observed_at, created_at, modified_at, "
    "extract(epoch from t)::float8, number, value, deleted"
)
PARTITION_LOCK: Final = 0x64747370  # "dtsp"


def _month(moment: float) -> tuple[int, int]:
    when = datetime.fromtimestamp(moment, UTC)
    return when.year, when.month


async def ensure_partitions(
    conn: asyncpg.Connection, rows: Sequence[AttributeInstance], known: set[tuple[int, int]]
) -> None:
    """Create the monthly partitions the rows fall in (once per process and month)."""
    for year, month in sorted({_month(r.time) for r in rows} - known):
        start = f"{year:04d}-{month:02d}-01"
        end = f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
        name = f"history_{year:04d}{month:02d}"
        await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK)
        exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name)
        if not exists:
            # Rows of this month that reached the default partition move to the new one.
            await conn.execute(
                "CREATE TEMP TABLE history_staging (LIKE history INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            await conn.execute(
                "WITH moved AS (DELETE FROM history_default WHERE t >= $1::timestamptz "
                "AND t < $2::timestamptz RETURNING *) INSERT INTO history_staging "
                "SELECT * FROM moved",
                datetime.fromisoformat(start + "T00:00:00+00:00"),
                datetime.fromisoformat(end + "T00:00:00+00:00"),
            )
            await conn.execute(
                f"CREATE TABLE {name} PARTITION OF history FOR VALUES FROM ('{start}') TO ('{end}')"
            )
            await conn.execute("INSERT INTO history SELECT * FROM history_staging")
            await conn.execute("DROP TABLE history_staging")
        known.add((year, month))


async def insert_rows(
    conn: asyncpg.Connection,
    tenant: str,
    rows: Sequence[AttributeInstance],
    known: set[tuple[int, int]],
) -> None:
    if not rows:
        return
    await ensure_partitions(conn, rows, known)
    await conn.executemany(
        "INSERT INTO history (tenant, entity, etype, attr, instance_id, dataset_id, "
        "observed_at, created_at, modified_at, t, t_created, t_modified, number, value, deleted)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10), to_timestamp($11), "
        "to_timestamp($12), $13, $14, $15)",
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
                orjson.dumps(r.instance).decode(),
                r.deleted,
            )
            for r in rows
        ],
    )


def where(tenant: str, query: HistoryQuery) -> tuple[str, list[Any], str]:
    column = COLUMNS.get(query.time_column, "t")
    args: list[Any] = [tenant, list(query.entity_ids)]
    clauses = ["tenant = $1", "entity = ANY($2::text[])"]
    if query.attrs is not None:
        args.append(sorted(query.attrs))
        clauses.append(f"attr = ANY(${len(args)}::text[])")
    if query.start is not None:
        args.append(query.start)
        clauses.append(f"{column} >= to_timestamp(${len(args)})")
    if query.end is not None:
        args.append(query.end)
        clauses.append(f"{column} < to_timestamp(${len(args)})")
    return " AND ".join(clauses), args, column


def read_sql(tenant: str, query: HistoryQuery) -> tuple[str, list[Any]]:
    condition, args, column = where(tenant, query)
    if query.last_n is None:
        return (
            f"SELECT {SELECT} FROM history WHERE {condition} "
            f"ORDER BY entity, attr, {column}, instance_id",
            args,
        )
    args.append(query.last_n)
    return (
        f"SELECT {SELECT} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY entity, attr "
        f"ORDER BY {column} DESC, instance_id DESC) AS rn FROM history WHERE {condition}) h "
        f"WHERE rn <= ${len(args)} ORDER BY entity, attr, {column}, instance_id",
        args,
    )


def aggregate_sql(
    tenant: str, query: HistoryQuery, origin: float, period: float, distinct: bool = False
) -> tuple[str, list[Any]]:
    condition, args, column = where(tenant, query)
    args.extend([origin, period])
    o, p = f"${len(args) - 1}", f"${len(args)}"
    return (
        f"SELECT entity, attr, dataset_id, "
        f"floor((date_part('epoch', {column}) - {o}) / {p})::bigint AS bucket, "
        f"COUNT(*), {'COUNT(DISTINCT value)' if distinct else '0'}, COUNT(number), "
        "SUM(number), SUM(number * number), "
        "MIN(number), "
        f"MAX(number) FROM history WHERE {condition} AND NOT deleted "
        f"AND {column} >= to_timestamp({o}) "
        "GROUP BY entity, attr, dataset_id, bucket ORDER BY entity, attr, dataset_id, bucket",
        args,
    )


def to_bucket(record: Sequence[Any]) -> Bucket:
    entity, attr, dataset, index, count, distinct, numeric, total, sumsq, low, high = record
    return Bucket(
        entity,
        attr,
        dataset,
        int(index),
        int(count),
        int(distinct),
        int(numeric),
        total,
        sumsq,
        low,
        high,
    )
