"""Device ingestion benchmarks (issue: device ingestion), as ratios in one run.

Sustained throughput, found by a rate search: a publisher process sends JSON measures
(``{"t": .., "h": ..}``, 1,000 devices) at a fixed rate for 8 s to the real Mosquitto; a
rate is *sustained* when every message is consumed and the consumer finishes at most
0.5 s after the publisher. Rates double until one fails, then three bisection steps;
the result is N / (first publish → last message consumed) at the best sustained rate.

* raw: the same publisher and ``mosquitto_sub`` (the broker's C client, no work per
  message) as the subscriber.
* dosi: the device agent in this process, as ``dosi serve`` runs it (the app's lifespan,
  a fresh SQLite store, temporal history and the audit trail on): a message counts when
  its attributes are committed.
* dosi, ingest path only (diagnostic): the agent without temporal history and audit
  records, to show what the store's history and audit writes cost.
* provisioning: 100,000 devices (static location and name; their entities are created)
  through ``POST /iot/devices`` in chunks of 10,000, in-process (ASGI, no sockets).

Run: .venv/bin/python bench/bench_ingest.py [--qos 0] [--provision 100000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dosi.api.app import create_app  # noqa: E402
from dosi.core.entities import EntityService  # noqa: E402
from dosi.core.jsonld import ContextResolver  # noqa: E402
from dosi.ingest.agent import IngestAgent, IngestOptions  # noqa: E402
from dosi.ingest.registry import parse_device, parse_group  # noqa: E402
from dosi.settings import Settings  # noqa: E402
from dosi.store import create_store  # noqa: E402

BROKER = ("127.0.0.1", 1883)
DEVICES = 1_000
MAX_LAG = 0.5
GROUP = {
    "entity_type": "Sensor",
    "attributes": [
        {
            "object_id": "t",
            "name": "temperature",
            "value_type": "Number",
            "unit_code": "CEL",
            "min": -50,
            "max": 80,
        },
        {"object_id": "h", "name": "humidity", "value_type": "Number", "min": 0, "max": 100},
    ],
}

# outcome of one trial: (sustained, consumed count, first publish, last consumed, publish end)
Trial = tuple[bool, int, float, float, float]


# -- helper processes (this file re-executed with --publish / --subscribe) ---------------
def publish(prefix: str, rate: float, count: int, qos: int) -> None:
    """Publish ``count`` messages at ``rate``; print the start and end times."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.max_inflight_messages_set(1_000)
    client.max_queued_messages_set(0)
    client.connect(*BROKER)
    client.loop_start()
    started = time.time()
    print(f"{started:.6f}", flush=True)
    for i in range(count):
        ahead = started + i / rate - time.time()
        if ahead > 0.001:
            time.sleep(ahead)
        payload = b'{"t":%d.5,"h":%d}' % (i % 40, 30 + i % 50)
        client.publish(f"{prefix}/d{i % DEVICES}/attrs", payload, qos=qos)
    print(f"{time.time():.6f}", flush=True)
    time.sleep(0.5)
    client.loop_stop()
    client.disconnect()


def _publisher(prefix: str, rate: float, count: int, qos: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--publish", prefix, str(rate), str(count), str(qos)],
        stdout=subprocess.PIPE,
        text=True,
    )


# -- trials ------------------------------------------------------------------------------
def raw_trial(rate: float, seconds: float, qos: int) -> Trial:
    """The same publisher into ``mosquitto_sub`` (the broker's own C client), which exits
    after ``count`` messages: its exit is the last message's arrival."""
    count = int(rate * seconds)
    prefix = f"/bench-raw-{uuid.uuid4().hex[:8]}"
    sub = subprocess.Popen(
        [
            "mosquitto_sub",
            "-h",
            BROKER[0],
            "-p",
            str(BROKER[1]),
            "-q",
            str(qos),
            "-C",
            str(count),
            "-t",
            f"{prefix}/+/attrs",
            "-F",
            "",
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # subscribed (mosquitto_sub has no readiness signal)
    pub = _publisher(prefix, rate, count, qos)
    assert pub.stdout is not None
    started = float(pub.stdout.readline())
    ended = float(pub.stdout.readline())
    try:
        sub.wait(timeout=max(0.1, ended + MAX_LAG + 1.0 - time.time()))
        consumed, last = count, time.time()
    except subprocess.TimeoutExpired:
        sub.kill()
        sub.wait()
        consumed, last = 0, time.time()
    pub.wait(timeout=30)
    return _verdict(consumed, count, started, last, ended)


def _verdict(consumed: int, count: int, started: float, last: float, ended: float) -> Trial:
    ok = consumed == count and last - ended <= MAX_LAG
    return ok, consumed, started, last, ended


async def agent_trial(agent: IngestAgent, key: str, rate: float, seconds: float, qos: int) -> Trial:
    count = int(rate * seconds)
    base = agent.stats.accepted
    refused = _refused(agent)
    pub = _publisher(f"/{key}", rate, count, qos)
    assert pub.stdout is not None
    started = float(await asyncio.to_thread(pub.stdout.readline))
    ending = asyncio.create_task(asyncio.to_thread(pub.stdout.readline))
    consumed, last = 0, 0.0
    deadline: float | None = None
    while consumed < count and (deadline is None or time.time() < deadline):
        await asyncio.sleep(0.002)
        now = agent.stats.accepted - base
        if now > consumed:
            consumed, last = now, time.time()
        if deadline is None and ending.done():
            deadline = float(ending.result()) + MAX_LAG + 1.0
    ended = float(await ending)
    await asyncio.to_thread(pub.wait, 30)
    # settle: the next trial starts once everything published here was consumed
    settle = time.time() + 120
    while agent.stats.accepted - base < count:
        if time.time() > settle or _refused(agent) != refused:
            raise RuntimeError(
                f"the agent did not store every message: {dict(agent.stats.rejected)}"
            )
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    return _verdict(consumed, count, started, last, ended)


def _refused(agent: IngestAgent) -> int:
    """Refusals of this benchmark's messages. The agent subscribes to every device
    topic on the shared broker: other users' messages (unknown API keys) are not ours."""
    return sum(n for reason, n in agent.stats.rejected.items() if reason != "wrong-apikey")


async def search(trial: Callable[[float], Awaitable[Trial]], label: str) -> tuple[float, float]:
    """Best sustained rate: (its target, measured msg/s)."""
    best: tuple[float, float] = (0.0, 0.0)
    rate, failed = 2_000.0, None
    while failed is None and rate <= 128_000:
        ok, consumed, started, last, ended = await trial(rate)
        _report(label, rate, ok, consumed, started, last, ended)
        if ok:
            best = (rate, consumed / (last - started))
            rate *= 2
        else:
            failed = rate
    if failed is not None and best[0]:
        low, high = best[0], failed
        for _ in range(3):
            rate = (low + high) / 2
            ok, consumed, started, last, ended = await trial(rate)
            _report(label, rate, ok, consumed, started, last, ended)
            if ok:
                low, best = rate, (rate, consumed / (last - started))
            else:
                high = rate
    return best


def _report(
    label: str, rate: float, ok: bool, consumed: int, started: float, last: float, ended: float
) -> None:
    print(
        f"  {label} @ {rate:>8,.0f}/s: {'sustained' if ok else 'NOT sustained'}; consumed "
        f"{consumed:,} (lag {last - ended:+.2f} s)",
        flush=True,
    )


async def with_app_agent(work: Callable[[IngestAgent, str], Awaitable[Any]], data: Path) -> Any:
    """The product: the app's lifespan with its agent (history and audit on)."""
    settings = Settings(data_dir=data, mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        agent: IngestAgent = app.state.ingest
        key = await _provision(agent)
        return await work(agent, key)


async def with_bare_agent(work: Callable[[IngestAgent, str], Awaitable[Any]], data: Path) -> Any:
    """Diagnostic: an agent whose entity service has no audit hook and no history."""
    settings = Settings(data_dir=data, mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}")
    store = create_store(f"sqlite:///{data}.db")
    await store.open()
    agent = IngestAgent(
        settings,
        store,
        ContextResolver(settings, store),
        EntityService(store),
        IngestOptions(history=False),
    )
    await agent.start()
    try:
        key = await _provision(agent)
        return await work(agent, key)
    finally:
        await agent.stop()
        await store.close()


async def _provision(agent: IngestAgent) -> str:
    key = f"bench{uuid.uuid4().hex[:10]}"
    await agent.registry.add_groups("", [parse_group({"apikey": key, **GROUP})])
    await agent.registry.add_devices(
        "", [parse_device({"device_id": f"d{i}", "apikey": key}) for i in range(DEVICES)]
    )
    assert agent.transport is not None
    async with asyncio.timeout(10):
        await agent.transport.wait_connected()  # type: ignore[union-attr]
    return key


async def provisioning(total: int, data: Path) -> float:
    app = create_app(Settings(data_dir=data))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as http:
            key = f"prov{uuid.uuid4().hex[:10]}"
            response = await http.post(
                "/iot/services", json={"apikey": key, "entity_type": "WasteContainer"}
            )
            assert response.status_code == 201, response.text
            started = time.perf_counter()
            for start in range(0, total, 10_000):
                chunk = [
                    {
                        "device_id": f"bin-{i:06d}",
                        "apikey": key,
                        "static_attributes": {
                            "location": {
                                "type": "GeoProperty",
                                "value": {
                                    "type": "Point",
                                    "coordinates": [
                                        round(127.2 + (i % 300) / 1000, 4),
                                        round(36.4 + (i // 300 % 300) / 1000, 4),
                                    ],
                                },
                            },
                            "name": f"bin {i}",
                        },
                    }
                    for i in range(start, min(total, start + 10_000))
                ]
                response = await http.post("/iot/devices", json={"devices": chunk})
                assert response.status_code == 201, response.text
            elapsed = time.perf_counter() - started
            count = await http.get(
                "/ngsi-ld/v1/entities",
                params={"type": "WasteContainer", "count": "true", "limit": "1"},
            )
            assert int(count.headers["NGSILD-Results-Count"]) == total
    return elapsed


async def run(args: argparse.Namespace, tmp: Path) -> None:
    seconds, qos = args.seconds, args.qos

    async def raw(rate: float) -> Trial:
        return await asyncio.to_thread(raw_trial, rate, seconds, qos)

    _, raw_measured = await search(raw, "raw")
    print(f"raw Mosquitto publish→subscribe: {raw_measured:,.0f} msg/s", flush=True)

    async def measure(agent: IngestAgent, key: str) -> tuple[float, float]:
        async def trial(rate: float) -> Trial:
            return await agent_trial(agent, key, rate, seconds, qos)

        return await search(trial, "dosi")

    _, dosi = await with_app_agent(measure, tmp / "app")
    print(
        f"dosi MQTT message → attributes stored: {dosi:,.0f} msg/s "
        f"({dosi / raw_measured:.1%} of raw)",
        flush=True,
    )
    _, bare = await with_bare_agent(measure, tmp / "bare")
    print(
        f"dosi ingest path only (no history, no audit): {bare:,.0f} msg/s "
        f"({bare / raw_measured:.1%} of raw)",
        flush=True,
    )
    if args.provision:
        elapsed = await provisioning(args.provision, tmp / "prov")
        print(
            f"provisioning {args.provision:,} devices (and their entities): {elapsed:.1f} s "
            f"({args.provision / elapsed:,.0f} devices/s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--qos", type=int, default=0, choices=(0, 1))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--provision", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--publish":
        publish(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
