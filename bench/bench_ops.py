"""Operations-centre benchmark: a device reading → its incident, while devices keep talking.

Target (issue): from a reading ingested to the incident it raises, p95 ≤ 200 ms while the
device agent ingests 5,000 msg/s.

The app runs as ``dosi serve`` runs it (lifespan, a fresh SQLite store, temporal history
and the audit trail on, the agent on the real Mosquitto). A threshold rule is created
through ``/ops/rules``: ``temperature > 60`` on the ``Sensor`` devices of
``bench_ingest``. Each phase runs two publisher processes at once:

* background: ``bench_ingest``'s publisher, ordinary readings (at most 39.5 °C) from
  1,000 devices at a fixed rate (none in the baseline phase);
* triggers: N readings of 70.5 °C spread over the phase, each from a device of its own,
  each stamped with the wall-clock time just before it is published.

A subscriber on the change feed follows each trigger: its reading's update and the
``Alert`` entity (the incident) it raised, each with the write's timestamp and the time
it was delivered on the feed. Latency = incident delivered on the feed − trigger
published; a trigger without an incident counts as infinitely late (a p95 shown as
"missing"). Stages: decoded (the reading's ``modifiedAt``, set when the agent decodes it),
stored (the reading's update delivered on the feed: batching and the store write), the
incident (its ``Alert`` delivered on the feed: rules engine and incident service).

Phases: no background load (the baseline); the fallback rates, highest first, until one is
kept up; the target rate last, whose backlog is waited for at most ``--drain`` seconds
after its publisher finished. A rate is *kept up* when every message is stored and the
last one at most 0.5 s after the publisher finished (as in ``bench_ingest``).

Triggers are few (about 13 a second by default): the target is the latency of one
reading's incident under device load, not the incident service's throughput.

Run: .venv/bin/python bench/bench_ops.py [--rate 5000] [--seconds 4] [--triggers 40]
                                         [--fallback 2000,1000,500] [--drain 10] [--qos 0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

HOT: Final = 70.5  # within the group's 80 °C maximum, above any background reading


# -- the trigger process (this file re-executed with --trigger) ----------------------------
# It needs only paho, so it starts before the module imports dosi: under load that import
# takes seconds, paid by every process that re-executes a bench module.
def trigger(host: str, port: int, prefix: str, qos: int) -> None:
    """Connect and print ``ready``. Then, per stdin line ``<first> <count> <start time>
    <spacing>``, publish one hot reading from each of the devices ``x<first>``,
    ``x<first + 1>``, ... from the start time on, ``spacing`` seconds apart, and print the
    ``[device id, publish time]`` pairs as one JSON line."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect(host, port)
    client.loop_start()
    print("ready", flush=True)
    for line in sys.stdin:
        first, count, begin, spacing = line.split()
        stamps: list[tuple[str, float]] = []
        for i in range(int(count)):
            ahead = float(begin) + i * float(spacing) - time.time()
            if ahead > 0.001:
                time.sleep(ahead)
            device = f"x{int(first) + i}"
            stamps.append((device, time.time()))
            client.publish(f"{prefix}/{device}/attrs", b'{"t":%.1f}' % HOT, qos=qos)
        print(json.dumps(stamps), flush=True)
    client.loop_stop()
    client.disconnect()


if __name__ == "__main__" and sys.argv[1:2] == ["--trigger"]:
    trigger(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    sys.exit(0)


import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import BROKER, DEVICES, GROUP, MAX_LAG, _publisher  # noqa: E402
from dosi.api.app import create_app  # noqa: E402
from dosi.core.changes import ChangeFeed, Subscriber  # noqa: E402
from dosi.core.jsonld import ActiveContext  # noqa: E402
from dosi.ingest.agent import IngestAgent  # noqa: E402
from dosi.ingest.mqtt import MqttTransport  # noqa: E402
from dosi.ingest.registry import parse_device, parse_group  # noqa: E402
from dosi.ops.incidents.const import ALERT_TYPE  # noqa: E402
from dosi.ops.incidents.model import from_entity  # noqa: E402
from dosi.ops.rules import RuleEngine  # noqa: E402
from dosi.ops.rules.state import RuleState  # noqa: E402
from dosi.ops.signals import Signal  # noqa: E402
from dosi.settings import Settings  # noqa: E402
from dosi.store.base import epoch  # noqa: E402

TARGET_P95: Final = 0.200
THRESHOLD: Final = 60.0
RULE: Final = {
    "id": "bench-hot",
    "name": {"en": "Sensor too hot"},
    "entity_type": "Sensor",
    "attribute": "temperature",
    "category": "infrastructure",
    "severity": "minor",
    "condition": {"kind": "threshold", "value": THRESHOLD, "clear": 50.0},
}
#: Trigger devices are x0, x1, ...; their entities (the agent's default ids) start so.
HOT_ENTITY: Final = "urn:ngsi-ld:Sensor:x"
#: Trigger readings start this long after the phase begins, and end as long before it ends.
MARGIN: Final = 0.5
#: A phase gives up waiting for messages or incidents after this long without progress.
QUIET: Final = 3.0


class Triggers:
    """The trigger process: started once (its start-up overlaps the app's), used by every
    phase, so each phase waits only for its own publishing."""

    def __init__(self, prefix: str, qos: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--trigger", *map(str, BROKER), prefix, str(qos)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    async def ready(self) -> None:
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        if line.strip() != "ready":
            raise RuntimeError(f"the trigger process failed to start: {line!r}")

    async def send(self, first: int, count: int, begin: float, seconds: float) -> dict[str, float]:
        """Spread ``count`` triggers over ``seconds`` from ``begin`` (epoch seconds); their
        entity ids → publish times."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{first} {count} {begin} {seconds / max(1, count)}\n")
        self.process.stdin.flush()
        out = await asyncio.to_thread(self.process.stdout.readline)
        return {f"urn:ngsi-ld:Sensor:{device}": at for device, at in json.loads(out)}

    async def close(self) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it already died (and said why)
            self.process.stdin.close()
        await asyncio.to_thread(self.process.wait, 30)


# -- what the change feed shows of the triggers -------------------------------------------
#: (the write's timestamp, delivered to the watching subscriber), epoch seconds
Seen = tuple[float, float]


class TriggerWatch:
    """Per trigger entity id: ``readings``, its hot reading's update; ``incidents``, the
    ``Alert`` it raised."""

    def __init__(self, feed: ChangeFeed, ctx: ActiveContext) -> None:
        self.ctx = ctx
        self.alert_type = ctx.expand(ALERT_TYPE)
        self.subscriber: Subscriber = feed.subscribe(maxsize=1_000_000)
        self.readings: dict[str, Seen] = {}
        self.incidents: dict[str, Seen] = {}
        self.arrived = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                change = await self.subscriber.get()
                delivered = time.time()
                if change.entity_id.startswith(HOT_ENTITY):
                    self.readings.setdefault(change.entity_id, (epoch(change.at), delivered))
                    self.arrived.set()
                    continue
                after = change.after
                if change.kind != "created" or after is None:
                    continue
                if self.alert_type not in after.get("type", ()):
                    continue
                related = from_entity(after, self.ctx).get("entityIds") or []
                for entity_id in [related] if isinstance(related, str) else related:
                    self.incidents.setdefault(entity_id, (epoch(change.at), delivered))
                self.arrived.set()
        finally:
            self.subscriber.close()

    async def wait_for(self, wanted: set[str], deadline: float) -> None:
        """Until every wanted entity has its incident, nothing came for ``QUIET`` s, or
        the ``deadline`` (epoch seconds) passed."""
        while not wanted <= self.incidents.keys():
            self.arrived.clear()
            try:
                async with asyncio.timeout(max(0.0, min(QUIET, deadline - time.time()))):
                    await self.arrived.wait()
            except TimeoutError:
                return


class Stalls:
    """Seconds the rules engine spent waiting, per phase: on the incident service (this
    object is the engine's sink and passes each signal on; the engine awaits it) and on
    writing alarm transitions (``StateBook.save``). The engine evaluates one change at a
    time, so while it waits its feed queue grows."""

    def __init__(self, engine: RuleEngine) -> None:
        self.on_sink = self.on_save = 0.0
        self.signals = 0
        self._sink, self._save = engine.sink, engine.book.save
        engine.sink = self
        setattr(engine.book, "save", self._timed_save)  # noqa: B010

    async def signal(self, signal: Signal) -> None:
        began = time.perf_counter()
        try:
            await self._sink.signal(signal)
        finally:
            self.on_sink += time.perf_counter() - began
            self.signals += 1

    async def _timed_save(self, tenant: str, state: RuleState) -> None:
        began = time.perf_counter()
        try:
            await self._save(tenant, state)
        finally:
            self.on_save += time.perf_counter() - began

    def take(self) -> tuple[float, float, int]:
        """(on the sink, on state writes, signals) since the last call."""
        taken = (self.on_sink, self.on_save, self.signals)
        self.on_sink = self.on_save = 0.0
        self.signals = 0
        return taken


# -- one phase -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Trace:
    """One trigger, in epoch seconds (None: never seen on the feed)."""

    published: float
    reading: Seen | None
    incident: Seen | None


@dataclass
class Phase:
    rate: float  # background target, msg/s (0: the baseline)
    published: int  # background messages sent
    stored: int  # background + trigger messages the agent stored or refused
    expected: int  # background + trigger messages sent
    ingest_rate: float  # messages stored / (first publish → last stored)
    lag: float  # last message stored − publisher finished, s
    traces: list[Trace] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # by reason
    feed_dropped: int = 0  # changes the rules engine never evaluated (it fell behind)
    stalls: tuple[float, float, int] = (0.0, 0.0, 0)  # see Stalls.take

    @property
    def kept_up(self) -> bool:
        return self.stored == self.expected and self.lag <= MAX_LAG

    def latencies(self) -> list[float]:
        """Incident delivered on the feed − published, s; inf for a trigger without one."""
        return [t.incident[1] - t.published if t.incident is not None else INF for t in self.traces]


INF: Final = float("inf")


def _stored(agent: IngestAgent) -> int:
    return agent.stats.accepted + sum(agent.stats.rejected.values())


async def run_phase(
    agent: IngestAgent,
    engine: RuleEngine,
    stalls: Stalls,
    watch: TriggerWatch,
    hot: Triggers,
    key: str,
    *,
    rate: float,
    seconds: float,
    first: int,
    triggers: int,
    qos: int,
    drain: float,
) -> Phase:
    count = int(rate * seconds)
    base, dropped = _stored(agent), engine.dropped
    refused = dict(agent.stats.rejected)
    stalls.take()
    background = _publisher(f"/{key}", rate, count, qos) if count else None
    started = time.time()
    ending: asyncio.Task[str] | None = None
    if background is not None:
        assert background.stdout is not None
        started = float(await asyncio.to_thread(background.stdout.readline))
        ending = asyncio.create_task(asyncio.to_thread(background.stdout.readline))
    stamping = asyncio.create_task(
        hot.send(first, triggers, started + MARGIN, seconds - 2 * MARGIN)
    )
    expected = count + triggers
    deadline = started + seconds + drain

    stored, last = 0, started
    while stored < expected and time.time() < deadline:
        await asyncio.sleep(0.01)
        now = _stored(agent) - base
        if now > stored:
            stored, last = now, time.time()
        finished = stamping.done() and (ending is None or ending.done())
        if finished and time.time() - last > QUIET and not len(agent.inbox):
            break  # messages were lost on the way (the broker drops beyond its queue)
    ended = float(await ending) if ending is not None else started + seconds
    if background is not None:
        await asyncio.to_thread(background.wait, 30)
    stamps = await stamping
    await watch.wait_for(set(stamps), deadline)

    return Phase(
        rate=rate,
        published=count,
        stored=stored,
        expected=expected,
        ingest_rate=stored / max(1e-9, last - started),
        lag=last - ended if stored == expected else time.time() - ended,
        traces=[
            Trace(at, watch.readings.get(entity_id), watch.incidents.get(entity_id))
            for entity_id, at in stamps.items()
        ],
        refused={
            reason: n - refused.get(reason, 0)
            for reason, n in agent.stats.rejected.items()
            if n > refused.get(reason, 0)
        },
        feed_dropped=engine.dropped - dropped,
        stalls=stalls.take(),
    )


# -- reporting -----------------------------------------------------------------------------
def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of ``values`` (seconds; inf allowed) in milliseconds."""
    if not values:
        return dict.fromkeys(("p50", "p95", "p99", "max"), float("nan"))
    ordered = sorted(values)

    def rank(p: float) -> float:  # nearest rank: an inf stays inf, never a NaN
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    return {
        "p50": rank(50) * 1000,
        "p95": rank(95) * 1000,
        "p99": rank(99) * 1000,
        "max": ordered[-1] * 1000,
    }


def ms(value: float) -> str:
    return "missing" if value == INF else f"{value:,.0f} ms" if value >= 1000 else f"{value:.1f} ms"


def describe(label: str, phase: Phase) -> str:
    end = percentiles(phase.latencies())
    readings = [(t.published, t.reading) for t in phase.traces if t.reading]
    received = percentiles([reading[0] - published for published, reading in readings])
    stored = percentiles([reading[1] - reading[0] for _, reading in readings])
    raised = [(t.reading, t.incident) for t in phase.traces if t.reading and t.incident]
    ops = percentiles([incident[1] - reading[1] for reading, incident in raised])
    unstored = sum(t.reading is None for t in phase.traces)
    missing = sum(t.reading is not None and t.incident is None for t in phase.traces)
    on_sink, on_save, signals = phase.stalls
    lines = [
        f"{label}: {len(phase.traces) - unstored - missing}/{len(phase.traces)} incidents; "
        f"reading → incident p50 {ms(end['p50'])}, p95 {ms(end['p95'])}, "
        f"p99 {ms(end['p99'])}, max {ms(end['max'])}",
        f"  stages, p50 / p95: published → decoded {ms(received['p50'])} / "
        f"{ms(received['p95'])}; → stored, on the feed {ms(stored['p50'])} / "
        f"{ms(stored['p95'])}; → incident on the feed {ms(ops['p50'])} / {ms(ops['p95'])}",
        f"  rules engine waited {on_sink:.1f} s on the incident service ({signals} signals, "
        f"{on_sink / max(1, signals) * 1000:.0f} ms each) and {on_save:.1f} s on alarm-state "
        f"writes; it dropped {phase.feed_dropped:,} changes (fell behind the feed)",
    ]
    if unstored or missing:
        lines.append(
            f"  MISSING when the phase ended: {unstored} trigger readings not stored yet, "
            f"{missing} stored without an incident (yet, or dropped by the engine)"
        )
    if phase.rate:
        lines.append(
            f"  background {phase.rate:,.0f} msg/s, {phase.published:,} messages: stored "
            f"{phase.stored:,}/{phase.expected:,} at {phase.ingest_rate:,.0f} msg/s, lag "
            f"{phase.lag:+.2f} s → {'kept up' if phase.kept_up else 'NOT kept up'}"
            + (f"; refused {phase.refused}" if phase.refused else "")
        )
    return "\n".join(lines)


# -- the run -------------------------------------------------------------------------------
async def provision(agent: IngestAgent, key: str, triggers: int) -> None:
    """``bench_ingest``'s service group and 1,000 devices, and the trigger devices."""
    await agent.registry.add_groups("", [parse_group({"apikey": key, **GROUP})])
    devices = [f"d{i}" for i in range(DEVICES)] + [f"x{i}" for i in range(triggers)]
    await agent.registry.add_devices(
        "", [parse_device({"device_id": d, "apikey": key}) for d in devices]
    )
    assert isinstance(agent.transport, MqttTransport)
    async with asyncio.timeout(10):
        await agent.transport.wait_connected()


async def add_rule(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        response = await http.post("/ops/rules", json=RULE)
        assert response.status_code == 201, response.text


async def run(args: argparse.Namespace, data: Path) -> list[tuple[str, Phase]]:
    """Every phase of one run, labelled, in order; each is printed as it ends."""
    settings = Settings(
        data_dir=data, mqtt_url=f"mqtt://{BROKER[0]}:{BROKER[1]}", shutdown_timeout=3.0
    )
    app = create_app(settings)
    key = f"bench{uuid.uuid4().hex[:10]}"
    hot = Triggers(f"/{key}", args.qos)
    fallbacks = sorted((float(r) for r in str(args.fallback).split(",") if r.strip()), reverse=True)
    results: list[tuple[str, Phase]] = []
    began = time.perf_counter()
    try:
        async with app.router.lifespan_context(app):
            agent: IngestAgent = app.state.ingest
            engine: RuleEngine = app.state.rules
            await provision(agent, key, args.triggers * (2 + len(fallbacks)))
            await add_rule(app)
            await hot.ready()
            print(
                f"set up in {time.perf_counter() - began:.1f} s; load average "
                f"{', '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs",
                flush=True,
            )
            stalls = Stalls(engine)
            watch = TriggerWatch(app.state.services.feed, app.state.incidents.ctx)
            watching = asyncio.create_task(watch.run(), name="bench:triggers")

            async def phase(label: str, rate: float) -> Phase:
                result = await run_phase(
                    agent,
                    engine,
                    stalls,
                    watch,
                    hot,
                    key,
                    rate=rate,
                    seconds=args.seconds,
                    first=len(results) * args.triggers,
                    triggers=args.triggers,
                    qos=args.qos,
                    drain=args.drain,
                )
                results.append((label, result))
                print(describe(label, result), flush=True)
                print(f"  (at {time.perf_counter() - began:.0f} s from the start)", flush=True)
                return result

            try:
                await phase("baseline (no background load)", 0.0)
                for rate in fallbacks:
                    if rate < args.rate and (await phase(f"at {rate:,.0f} msg/s", rate)).kept_up:
                        break
                await phase(f"at {args.rate:,.0f} msg/s (target)", args.rate)
            finally:
                watching.cancel()
                await asyncio.gather(watching, return_exceptions=True)
    finally:
        await hot.close()
    return results


def verdict(results: list[tuple[str, Phase]]) -> str:
    baseline = percentiles(results[0][1].latencies())["p95"]
    lines = [f"{results[0][0]}: p95 {ms(baseline)}"]
    for label, phase in results[1:]:
        p95 = percentiles(phase.latencies())["p95"]
        met = p95 <= TARGET_P95 * 1000
        ratio = f"{p95 / baseline:.1f}×" if p95 != INF else "∞×"
        lines.append(
            f"{label}: p95 {ms(p95)} = {ratio} the baseline's {ms(baseline)}; "
            f"target p95 ≤ {TARGET_P95 * 1000:.0f} ms {'met' if met else 'MISSED'}"
            f"{'' if phase.kept_up else ' (the agent did not keep up: backlog)'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[tuple[str, Phase]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=5_000.0, help="background msg/s")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each phase")
    parser.add_argument("--triggers", type=int, default=40, help="trigger readings per phase")
    parser.add_argument(
        "--fallback",
        default="2000,1000,500",
        help="lower rates, tried highest first until one is kept up",
    )
    parser.add_argument(
        "--drain", type=float, default=10.0, help="s to wait for a backlog after publishing"
    )
    parser.add_argument("--qos", type=int, default=0, choices=(0, 1))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(run(args, Path(tmp)))
    print(verdict(results), flush=True)
    return results


if __name__ == "__main__":
    main()
