"""Batch upsert throughput on the embedded store, as a ratio to raw executemany.

dosi path: parse each entity (validation, expansion) and ``EntityService.batch_upsert`` in
batches of 1,000 (one group-committed transaction each). Baseline: the same documents,
pre-serialized, inserted with ``executemany`` into the same store's entities table in
transactions of 1,000 rows, in the same run.
Run: .venv/bin/python bench/bench_store.py [--entities 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_api import city_batch  # noqa: E402
from dosi.core.clock import utc_now  # noqa: E402
from dosi.core.entities import EntityService  # noqa: E402
from dosi.core.jsonld import ContextResolver  # noqa: E402
from dosi.core.representation import parse_entity  # noqa: E402
from dosi.settings import Settings  # noqa: E402
from dosi.store import create_store  # noqa: E402

BATCH = 1000


async def dosi_upsert(path: Path, bodies: list[dict[str, object]]) -> float:
    store = create_store(f"sqlite:///{path}")
    await store.open()
    service = EntityService(store)
    resolver = ContextResolver(Settings(), store)
    ctx = resolver.core()
    started = time.perf_counter()
    for start in range(0, len(bodies), BATCH):
        now = utc_now()
        parsed = [parse_entity(b, ctx, now=now) for b in bodies[start : start + BATCH]]
        outcome = await service.batch_upsert("", parsed, update=False)
        assert not outcome.errors
    elapsed = time.perf_counter() - started
    await store.close()
    return len(bodies) / elapsed


async def raw_rows(path: Path, bodies: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """The documents dosi stored, pre-serialized exactly as it stores them."""
    store = create_store(f"sqlite:///{path}")
    await store.open()
    ctx = ContextResolver(Settings(), store).core()
    now = utc_now()
    rows = []
    for body in bodies:
        entity = parse_entity(body, ctx, now=now)
        rows.append(("", entity["id"], orjson.dumps(entity), now, now))
    await store.close()
    return rows


def raw_insert(path: Path, rows: list[tuple[object, ...]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO entities (tenant, id, doc, created_at, modified_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows[start : start + BATCH],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(rows) / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=50_000)
    args = parser.parse_args()
    bodies = city_batch(0, args.entities, random.Random(3))
    with tempfile.TemporaryDirectory() as tmp:
        dosi_rate = await dosi_upsert(Path(tmp) / "dosi.db", bodies)
        rows = await raw_rows(Path(tmp) / "raw.db", bodies)
        raw_rate = raw_insert(Path(tmp) / "raw.db", rows)
    print(
        f"batch upsert: dosi {dosi_rate:.0f} entities/s; raw executemany {raw_rate:.0f} rows/s;"
        f" ratio {dosi_rate / raw_rate:.1%}"
    )


if __name__ == "__main__":
    asyncio.run(main())
