"""Temporal and notification benchmarks (issue: temporal API, subscriptions).

* Aggregated temporal query: hourly avg/min/max over N entities x 1 day at 1-minute
  resolution, through dosi's TemporalService on PostgreSQL, and the same aggregation as one
  raw SQL query, measured in the same run (ratio = raw time / dosi time).
* Notification fan-out (notifications/s) and PATCH -> notification latency (p50/p95)
  against a real local HTTP receiver.
Run: .venv/bin/python bench/bench_temporal.py [--entities 400]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.core.resolver import DictResolver  # noqa: E402
from tests.receiver import http_receiver, received  # noqa: E402

from dosi.api.app import create_app  # noqa: E402
from dosi.core.entities import EntityService  # noqa: E402
from dosi.core.query import EntityQuery  # noqa: E402
from dosi.core.temporal.history import row_of  # noqa: E402
from dosi.core.temporal.params import TemporalParams  # noqa: E402
from dosi.core.temporal.service import TemporalService  # noqa: E402
from dosi.core.typesel import parse_type_selection  # noqa: E402
from dosi.settings import Settings  # noqa: E402
from dosi.store import create_store  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
DAY = 1_763_942_400.0  # 2025-11-24T00:00:00Z
R = DictResolver()


async def aggregation(entities: int) -> None:
    schema = f"dosi_bench_{uuid.uuid4().hex[:8]}"
    store = create_store(f"{PG}?schema={schema}")
    await store.open()
    try:
        service = EntityService(store)
        temporal = TemporalService(service)
        attr = R.expand("temperature")
        started = time.perf_counter()
        for e in range(entities):
            entity = {
                "id": f"urn:ngsi-ld:Sensor:{e:04d}",
                "type": [R.expand("Sensor")],
                "createdAt": "2025-11-24T00:00:00Z",
                "modifiedAt": "2025-11-24T00:00:00Z",
                "attrs": {},
            }
            await service.batch_upsert("", [entity], update=False, history=False)
            rows = []
            for minute in range(1440):
                t = DAY + minute * 60
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
                instance = {
                    "type": "Property",
                    "value": 15 + (e % 10) + minute / 100,
                    "observedAt": stamp,
                    "createdAt": stamp,
                    "modifiedAt": stamp,
                }
                rows.append(row_of(entity, attr, instance, stamp))
            await store.append_history("", rows)
        load = time.perf_counter() - started
        print(f"loaded {entities * 1440} history rows in {load:.1f} s")
        params = TemporalParams(
            start=DAY,
            end=DAY + 86400,
            aggr_methods=("avg", "min", "max"),
            period=3600,
            representation="aggregatedValues",
        )
        query = EntityQuery(types=parse_type_selection("Sensor", R), limit=1000)
        dosi_times, raw_times = [], []
        conn = await asyncpg.connect(PG, server_settings={"search_path": f'"{schema}",public'})
        # Fresh statistics, as autovacuum would have gathered on a live city database.
        await conn.execute("ANALYZE history")
        for _ in range(5):
            t0 = time.perf_counter()
            result, _ = await temporal.query("", query, params, R)
            dosi_times.append(time.perf_counter() - t0)
            assert len(result) == entities and len(result[0]["temperature"]["avg"]) == 24
            t0 = time.perf_counter()
            raw = await conn.fetch(
                "SELECT entity, date_bin('1 hour', t, to_timestamp($1)) AS b, avg(number), "
                "min(number), max(number) FROM history WHERE tenant = '' AND attr = $2 "
                "AND t >= to_timestamp($1) AND t < to_timestamp($1 + 86400) "
                "GROUP BY entity, b ORDER BY entity, b",
                DAY,
                attr,
            )
            raw_times.append(time.perf_counter() - t0)
            assert len(raw) == entities * 24
        await conn.close()
        d, r = statistics.median(dosi_times), statistics.median(raw_times)
        print(
            f"aggregated hourly avg/min/max, {entities} entities x 1 day: dosi {d * 1000:.0f} ms;"
            f" raw SQL {r * 1000:.0f} ms; ratio {r / d:.0%}"
        )
    finally:
        await store.close()
        conn = await asyncpg.connect(PG)
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


async def notifications(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, http_receiver() as receiver:
        app = create_app(Settings(data_dir=Path(tmp), log_level="WARNING"))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t/ngsi-ld/v1") as http,
        ):
            sub = {
                "type": "Subscription",
                "entities": [{"type": "Sensor"}],
                "notification": {"endpoint": {"uri": receiver.url}},
            }
            assert (await http.post("/subscriptions", json=sub)).status_code == 201
            batch = [
                {
                    "id": f"urn:ngsi-ld:Sensor:{i}",
                    "type": "Sensor",
                    "t": {"type": "Property", "value": i},
                }
                for i in range(count)
            ]
            started = time.perf_counter()
            await http.post("/entityOperations/upsert", json=batch)
            written = time.perf_counter()
            while sum(len(n.body["data"]) for n in list(receiver.received)) < count:  # noqa: ASYNC110 - polls another thread's list
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - started
            rate = count / elapsed
            delivery = count / (time.perf_counter() - written)
            posts = len(receiver.received)
            latencies = []
            for i in range(100):
                before = len(receiver.received)
                t0 = time.monotonic()
                await http.patch(
                    f"/entities/urn:ngsi-ld:Sensor:{i}/attrs",
                    json={"t": {"type": "Property", "value": -i}},
                )
                got = await received(receiver, before + 1)
                latencies.append((got[before].at - t0) * 1000)
            latencies.sort()
            print(
                f"fan-out: {count} entity notifications in {posts} requests, {rate:.0f}/s "
                f"from the write, {delivery:.0f}/s once committed; "
                f"PATCH -> notification p50 "
                f"{statistics.median(latencies):.1f} ms, p95 {latencies[94]:.1f} ms"
            )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=400)
    parser.add_argument("--notifications", type=int, default=2000)
    args = parser.parse_args()
    await aggregation(args.entities)
    await notifications(args.notifications)


if __name__ == "__main__":
    asyncio.run(main())
