"""HTTP benchmarks of the NGSI-LD API (issue: foundation), as ratios against a baseline.

Measures, on one uvicorn worker each, with wrk as the load generator:
  * POST /entities (create) and PATCH /entities/{id}/attrs (update) requests/s, and the
    same request count against a bare ASGI endpoint on the same server stack;
  * p95 latency of a q + geo query over N entities (default 100,000) on both stores;
  * idle server RSS.
Run: .venv/bin/python bench/bench_api.py [--entities 100000] [--duration 10]
     [--stores sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import free_port  # noqa: E402

PG_DSN = os.environ.get("DOSI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
WRK_CREATE = """
counter = 0
request = function()
  counter = counter + 1
  local id = "urn:ngsi-ld:Bench:" .. tostring(math.random(1, 1e9)) .. "-" .. counter
  local body = '{"id":"' .. id .. '","type":"Bench","temperature":{"type":"Property","value":21.5,'
    .. '"observedAt":"2026-11-25T00:00:00Z"},"location":{"type":"GeoProperty","value":'
    .. '{"type":"Point","coordinates":[127.29,36.48]}}}'
  return wrk.format("POST", "/ngsi-ld/v1/entities", {["Content-Type"]="application/json"}, body)
end
"""
WRK_UPDATE = """
counter = 0
request = function()
  counter = counter + 1
  local id = "urn:ngsi-ld:Bench:u" .. (counter % 100)
  local body = '{"temperature":{"type":"Property","value":' .. counter .. '}}'
  return wrk.format("PATCH", "/ngsi-ld/v1/entities/" .. id .. "/attrs",
                    {["Content-Type"]="application/json"}, body)
end
"""


@contextmanager
def server(args: list[str], env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [*args, "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/health", timeout=0.5)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"server {args} did not start") from None
            time.sleep(0.2)
    try:
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def wrk(url: str, script: str, duration: int, connections: int = 32) -> float:
    """Requests/s that wrk reports (non-2xx responses make the run fail)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(
            script + "\nresponse = function(status) if status >= 300 then "
            "wrk.thread:stop() error('status ' .. status) end end\n"
        )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", handle.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(handle.name).unlink()
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def dosi_cmd() -> list[str]:
    return [sys.executable, "-m", "dosi.cli", "serve", "--log-level", "WARNING"]


def hello_cmd() -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.hello_app:app",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def bench_writes(duration: int, data: Path) -> dict[str, float]:
    with server(hello_cmd()) as (url, _):
        hello_create = wrk(url, WRK_CREATE, duration)
        hello_update = wrk(url, WRK_UPDATE, duration)
    with server(dosi_cmd(), {"DOSI_DATA_DIR": str(data)}) as (url, pid):
        time.sleep(1.0)
        idle = rss_mb(pid)
        for i in range(100):
            httpx.post(
                url + "/ngsi-ld/v1/entities",
                json={
                    "id": f"urn:ngsi-ld:Bench:u{i}",
                    "type": "Bench",
                    "temperature": {"type": "Property", "value": 1},
                },
            )
        create = wrk(url, WRK_CREATE, duration)
        update = wrk(url, WRK_UPDATE, duration)
    return {
        "hello_create": hello_create,
        "hello_update": hello_update,
        "create": create,
        "update": update,
        "idle_rss_mb": idle,
    }


def city_batch(start: int, count: int, rng: random.Random) -> list[dict[str, object]]:
    return [
        {
            "id": f"urn:ngsi-ld:Sensor:{i:06d}",
            "type": "Sensor",
            "temperature": {"type": "Property", "value": round(rng.uniform(-5, 35), 1)},
            "location": {
                "type": "GeoProperty",
                "value": {
                    "type": "Point",
                    "coordinates": [
                        round(127.20 + rng.random() * 0.2, 6),
                        round(36.40 + rng.random() * 0.16, 6),
                    ],
                },
            },
        }
        for i in range(start, start + count)
    ]


def bench_geo_query(store: str, entities: int, data: Path) -> dict[str, float]:
    env = {"DOSI_DATA_DIR": str(data)}
    schema = None
    if store == "postgres":
        schema = f"dosi_bench_{uuid.uuid4().hex[:8]}"
        env["DOSI_DATABASE_URL"] = f"{PG_DSN}?schema={schema}"
    rng = random.Random(1)
    try:
        with server(dosi_cmd(), env) as (url, _), httpx.Client(base_url=url, timeout=120) as http:
            started = time.perf_counter()
            for start in range(0, entities, 5000):
                response = http.post(
                    "/ngsi-ld/v1/entityOperations/upsert",
                    json=city_batch(start, min(5000, entities - start), rng),
                )
                response.raise_for_status()
            load_rate = entities / (time.perf_counter() - started)
            latencies = []
            for _ in range(200):
                lon, lat = 127.20 + rng.random() * 0.2, 36.40 + rng.random() * 0.16
                params = {
                    "type": "Sensor",
                    "q": "temperature>20",
                    "georel": "near;maxDistance==500",
                    "geometry": "Point",
                    "coordinates": json.dumps([lon, lat]),
                    "limit": "100",
                }
                t0 = time.perf_counter()
                http.get("/ngsi-ld/v1/entities", params=params).raise_for_status()
                latencies.append((time.perf_counter() - t0) * 1000)
    finally:
        if schema:
            asyncio.run(_drop(schema))
    latencies.sort()
    return {
        "load_entities_per_s": load_rate,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


async def _drop(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        writes = bench_writes(args.duration, Path(tmp) / "w")
        print(
            f"create: {writes['create']:.0f} req/s; bare ASGI {writes['hello_create']:.0f} "
            f"req/s; ratio {writes['create'] / writes['hello_create']:.1%}"
        )
        print(
            f"update: {writes['update']:.0f} req/s; bare ASGI {writes['hello_update']:.0f} "
            f"req/s; ratio {writes['update'] / writes['hello_update']:.1%}"
        )
        print(f"idle RSS: {writes['idle_rss_mb']:.0f} MB")
        for store in args.stores.split(","):
            geo = bench_geo_query(store, args.entities, Path(tmp) / store)
            print(
                f"{store}: loaded {args.entities} at {geo['load_entities_per_s']:.0f}/s; "
                f"q+geo query p50 {geo['p50_ms']:.1f} ms, p95 {geo['p95_ms']:.1f} ms"
            )


if __name__ == "__main__":
    main()
