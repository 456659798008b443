"""Each rule kind evaluated on changes, with a hand-driven clock, on both stores."""

from __future__ import annotations

import asyncio
from typing import Any

from dosi.core.changes import ChangeFeed, EntityChange
from dosi.core.jsonld import ContextResolver
from dosi.ops.rules import RuleEngine
from dosi.ops.rules.const import STATES
from dosi.ops.signals import Signal
from dosi.settings import Settings
from dosi.store.base import Store, Writes
from tests.ops.rules.conftest import SQUARE, Clock, Feeder, Recorder, entity, rule

GAUGE = "urn:ngsi-ld:WaterLevelObserved:g1"


async def test_threshold_hysteresis_does_not_flap(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0, "clear": 2.8}))
    for level in (2.9, 3.1, 2.95, 3.05, 2.9, 3.2, 2.81):
        await feed(GAUGE, level=level, where=(0.5, 0.5))
    assert sink.kinds() == ["fire"]
    await feed(GAUGE, level=2.7)
    assert sink.kinds() == ["fire", "clear"]
    fired, cleared = sink.signals
    assert fired.key == f"rule:r-threshold:{GAUGE}"
    assert fired.source == "rule:r-threshold@1"
    assert fired.readings == {"waterLevel": 3.1}
    assert fired.location == {"type": "Point", "coordinates": [0.5, 0.5]}
    assert fired.category == "flood" and fired.severity == "major"
    assert fired.title["ko"] == "수위" and fired.entity_ids == (GAUGE,)
    assert cleared.clear and cleared.readings == {"waterLevel": 2.7}


async def test_threshold_below_and_compound_path(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(
        rule(
            "threshold",
            attribute="battery[level.percent]",
            condition={"operator": "<", "value": 10, "clear": 15},
        )
    )
    await feed(GAUGE, battery={"level": {"percent": 9}})
    await feed(GAUGE, battery={"level": {"percent": 12}})
    await feed(GAUGE, battery={"level": "unknown"})  # not a number: ignored
    await feed(GAUGE, battery={"level": {"percent": 16}})
    assert sink.kinds() == ["fire", "clear"]
    assert sink.signals[0].readings == {"battery[level.percent]": 9.0}


async def test_changes_without_the_attribute_are_skipped(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0}))
    await feed(GAUGE, temperature=20)
    await feed("urn:x:other-type", level=9.0, etype="Other")
    assert sink.signals == []
    assert engine.states("", "r-threshold") == []


async def test_rate_of_change_window(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    await engine.create(rule("rate", condition={"change": 0.5, "window": "30m"}))
    await feed(GAUGE, level=1.0)
    clock.advance(20 * 60)
    await feed(GAUGE, level=1.4)  # +0.4 in 20 min
    assert sink.signals == []
    clock.advance(15 * 60)  # the 1.0 reading is now 35 min old
    await feed(GAUGE, level=1.8)  # +0.4 on the window's lowest (1.4)
    assert sink.signals == []
    clock.advance(60)
    await feed(GAUGE, level=2.0)  # +0.6 on 1.4, 16 min ago
    assert sink.kinds() == ["fire"]
    clock.advance(60)
    await feed(GAUGE, level=2.0)  # still +0.6
    clock.advance(31 * 60)  # everything older than 30 min is gone
    await feed(GAUGE, level=2.1)
    assert sink.kinds() == ["fire", "clear"]


async def test_rate_of_fall(engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock) -> None:
    await engine.create(rule("rate", condition={"change": -1, "window": "1h"}))
    for level in (5.0, 4.5, 4.1, 3.9):
        await feed(GAUGE, level=level)
        clock.advance(60)
    assert sink.kinds() == ["fire"]
    assert sink.signals[0].readings == {"waterLevel": 3.9}


async def test_rate_window_stays_small(engine: RuleEngine, feed: Feeder, clock: Clock) -> None:
    await engine.create(rule("rate", condition={"change": 100, "window": "1h"}))
    for step in range(2_000):
        await feed(GAUGE, level=float(step % 7))
        clock.advance(1)
    (state,) = engine.book.of_rule("", "r-rate")
    assert len(state.samples) <= 130


async def test_held_fires_after_the_duration_and_resets_when_broken(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    await engine.create(
        rule("held", attribute="pm25", condition={"value": 75, "duration": "1h"}, category="air")
    )
    await feed(GAUGE, pm25=80)
    clock.advance(50 * 60)
    await feed(GAUGE, pm25=70)  # broken: the hour starts again
    clock.advance(5 * 60)
    await feed(GAUGE, pm25=90)
    clock.advance(50 * 60)
    await feed(GAUGE, pm25=91)
    await engine.tick()
    assert sink.signals == []
    clock.advance(10 * 60)  # an hour since 90, with no new reading: the timer decides
    await engine.tick()
    assert sink.kinds() == ["fire"]
    assert sink.signals[0].readings == {"pm25": 91.0}
    await feed(GAUGE, pm25=60)
    assert sink.kinds() == ["fire", "clear"]


async def test_heartbeat_fires_after_silence_and_clears_on_next_message(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    await engine.create(rule("heartbeat", attribute=None, condition={"silence": "15m"}))
    await feed(GAUGE, level=1.0, where=(0.2, 0.2))
    clock.advance(14 * 60)
    await engine.tick()
    assert sink.signals == []
    await feed(GAUGE, level=1.0)
    clock.advance(14 * 60)
    await engine.tick()
    assert sink.signals == []  # the deadline moved with the message
    clock.advance(61)
    await engine.tick()
    assert sink.kinds() == ["fire"]
    assert sink.signals[0].location == {"type": "Point", "coordinates": [0.2, 0.2]}
    clock.advance(3600)
    await engine.tick()
    assert sink.kinds() == ["fire"]  # no repeat configured
    await feed(GAUGE, level=1.1)
    assert sink.kinds() == ["fire", "clear"]


async def test_heartbeat_of_an_attribute_ignores_other_attributes(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    await engine.create(rule("heartbeat", attribute="waterLevel", condition={"silence": "10m"}))
    await feed(GAUGE, level=1.0)
    clock.advance(300)
    before = feed.last[GAUGE]  # below, only another attribute is written
    after = {**before, "attrs": {**before["attrs"], "x": [{"type": "Property", "value": 1}]}}
    await engine.handle(EntityChange("", GAUGE, "updated", before, after, ""))
    clock.advance(301)
    await engine.tick()
    assert sink.kinds() == ["fire"]


async def test_heartbeat_seeds_from_the_store_and_repeats(
    store: Store, engine: RuleEngine, sink: Recorder, clock: Clock
) -> None:
    silent = entity("urn:x:silent", level=1.0)
    silent["modifiedAt"] = "2026-11-23T11:00:00.000000Z"  # an hour before the clock

    def plan(current: dict[str, Any]) -> Writes:
        return Writes(upserts=[silent])

    await store.transact("", ["urn:x:silent"], plan)
    await engine.create(
        rule("heartbeat", attribute=None, condition={"silence": "30m"}, repeat="20m")
    )
    await engine.tick()
    assert sink.kinds() == ["fire"]
    assert sink.signals[0].entity_ids == ("urn:x:silent",)
    clock.advance(10 * 60)
    await engine.tick()
    assert len(sink.signals) == 1
    clock.advance(10 * 60)
    await engine.tick()
    assert sink.kinds() == ["fire", "fire"]  # the repeat


async def test_geofence_enter_and_leave(engine: RuleEngine, feed: Feeder, sink: Recorder) -> None:
    await engine.create(
        rule("geofence", id="enter", attribute=None, condition={"area": SQUARE}, category="crime")
    )
    await engine.create(
        rule(
            "geofence",
            id="leave",
            attribute=None,
            condition={"area": SQUARE, "trigger": "leave"},
            category="person-at-risk",
        )
    )
    await feed("urn:x:v1", where=(2.0, 2.0))  # first seen outside: nothing
    assert sink.signals == []
    await feed("urn:x:v1", where=(0.5, 0.5))  # enters
    await feed("urn:x:v1", where=(0.6, 0.6))
    assert [(s.key, s.clear) for s in sink.signals] == [("rule:enter:urn:x:v1", False)]
    assert sink.signals[0].area == SQUARE
    await feed("urn:x:v1", where=(3.0, 0.5))  # leaves
    assert [(s.key, s.clear) for s in sink.signals[1:]] == [
        ("rule:enter:urn:x:v1", True),
        ("rule:leave:urn:x:v1", False),
    ]
    assert sink.signals[2].location == {"type": "Point", "coordinates": [3.0, 0.5]}
    await feed("urn:x:v1", level=1.0)  # no location written: geofences do not look
    assert len(sink.signals) == 3
    await feed("urn:x:v1", where=(0.1, 0.1))
    assert [(s.key, s.clear) for s in sink.signals[3:]] == [
        ("rule:enter:urn:x:v1", False),
        ("rule:leave:urn:x:v1", True),
    ]


async def test_composite_at_least_two_in_the_area(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(
        rule(
            "composite",
            condition={
                "area_id": "river-x",
                "area": SQUARE,
                "value": 3.0,
                "clear": 2.8,
                "match": 2,
            },
        )
    )
    await feed("urn:x:g1", level=3.5, where=(0.1, 0.1))
    await feed("urn:x:far", level=9.0, where=(5.0, 5.0))  # outside the area
    assert sink.signals == []
    await feed("urn:x:g2", level=3.2, where=(0.9, 0.9))
    assert sink.kinds() == ["fire"]
    fired = sink.signals[0]
    assert fired.key == "rule:r-composite:river-x"
    assert fired.entity_ids == ("urn:x:g1", "urn:x:g2")
    assert fired.readings == {"urn:x:g1": 3.5, "urn:x:g2": 3.2}
    assert fired.area == SQUARE and fired.location is not None
    await feed("urn:x:g2", level=2.9)  # inside the hysteresis band: still counts
    assert sink.kinds() == ["fire"]
    await feed("urn:x:g2", level=3.3, where=(7.0, 7.0))  # moved out of the area
    assert sink.kinds() == ["fire", "clear"]


async def test_composite_all_and_any(engine: RuleEngine, feed: Feeder, sink: Recorder) -> None:
    area = {"area": SQUARE, "value": 3.0}
    await engine.create(
        rule("composite", id="all", condition={**area, "area_id": "a", "match": "all"})
    )
    await engine.create(
        rule("composite", id="any", condition={**area, "area_id": "a", "match": "any"})
    )
    await feed("urn:x:g1", level=3.5, where=(0.1, 0.1))
    await feed("urn:x:g2", level=1.0, where=(0.2, 0.2))
    assert [(s.key, s.clear) for s in sink.signals] == [
        ("rule:all:a", False),  # all of one member
        ("rule:any:a", False),
        ("rule:all:a", True),  # the second member is below
    ]
    await feed("urn:x:g2", level=4.0)  # position unchanged: still a member
    assert [(s.key, s.clear) for s in sink.signals[3:]] == [("rule:all:a", False)]
    await feed.delete("urn:x:g1")
    await feed.delete("urn:x:g2")
    assert [(s.key, s.clear) for s in sink.signals[4:]] == [
        ("rule:all:a", True),
        ("rule:any:a", True),
    ]


async def test_time_window_gates_firing_not_clearing(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    # Monday 12:00 UTC is 21:00 in Seoul: outside a 22:00-06:00 weekday window
    night = {
        "timezone": "Asia/Seoul",
        "windows": [{"days": ["mon"], "start": "22:00", "end": "06:00"}],
    }
    await engine.create(rule("threshold", condition={"value": 3.0}, active=night))
    await feed(GAUGE, level=3.5)
    assert sink.signals == []
    clock.advance(3600)  # 22:00 in Seoul
    await feed(GAUGE, level=3.5)
    assert sink.kinds() == ["fire"]
    clock.advance(9 * 3600)  # Tuesday 07:00 in Seoul: outside, yet the alarm clears
    await feed(GAUGE, level=1.0)
    assert sink.kinds() == ["fire", "clear"]
    clock.advance(15 * 3600)  # Tuesday 22:00: Tuesday is not listed
    await feed(GAUGE, level=3.5)
    assert sink.kinds() == ["fire", "clear"]


async def test_repeat_while_active(
    engine: RuleEngine, feed: Feeder, sink: Recorder, clock: Clock
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0}, repeat="10m"))
    await feed(GAUGE, level=3.5)
    clock.advance(5 * 60)
    await feed(GAUGE, level=3.6)
    clock.advance(5 * 60)
    await feed(GAUGE, level=3.7)
    assert sink.kinds() == ["fire", "fire"]
    assert sink.signals[1].readings == {"waterLevel": 3.7}


async def test_deleting_an_entity_clears_its_alarm(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0}))
    await feed(GAUGE, level=3.5)
    await feed.delete(GAUGE)
    assert sink.kinds() == ["fire", "clear"]
    assert engine.states("", "r-threshold") == []


async def test_disable_delete_and_kind_change_end_alarms(
    engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0}))
    await feed(GAUGE, level=3.5)
    stored = await engine.patch("", "r-threshold", {"severity": "critical"})
    assert stored.version == 2 and sink.kinds() == ["fire"]  # state kept
    await engine.patch("", "r-threshold", {"enabled": False})
    assert sink.kinds() == ["fire", "clear"]
    await feed(GAUGE, level=4.0)
    assert len(sink.signals) == 2  # disabled rules do not look
    await engine.patch("", "r-threshold", {"enabled": True})
    await feed(GAUGE, level=4.1)
    assert sink.signals[-1].source == "rule:r-threshold@4"
    await engine.delete("", "r-threshold")
    assert sink.kinds() == ["fire", "clear", "fire", "clear"]


async def test_state_is_written_in_batches(
    store: Store, engine: RuleEngine, feed: Feeder, sink: Recorder
) -> None:
    await engine.create(rule("threshold", condition={"value": 3.0}))
    for index in range(200):
        await feed(f"urn:x:g{index}", level=1.0)
    await feed("urn:x:g0", level=3.5)  # a transition is written at once
    assert engine.book.writes == 1
    doc = await store.get_document("", STATES, "r-threshold/urn:x:g0")
    assert doc is not None and doc["active"] is True
    await engine.flush()
    assert engine.book.writes == 2
    assert len(await store.list_documents("", STATES)) == 200


class SlowSink:
    """An incident service that takes its time (queued behind device batches)."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.signals: list[Signal] = []

    async def signal(self, signal: Signal) -> None:
        await self.gate.wait()
        self.signals.append(signal)


async def test_a_slow_sink_never_stalls_evaluation_nor_loses_signals(
    store: Store, settings: Settings, clock: Clock
) -> None:
    """A running engine hands signals to its outbox: while the sink is blocked the feed
    keeps being evaluated (nothing dropped), and every signal arrives, in order."""
    sink = SlowSink()
    feed = ChangeFeed()
    engine = RuleEngine(
        store, feed, ContextResolver(settings, store), sink, clock=clock, flush_every=3600
    )
    engine.queue_size = 50
    await engine.start()
    try:
        await engine.create(rule("threshold", condition={"value": 3.0, "clear": 2.8}))
        gauges = [f"urn:ngsi-ld:WaterLevelObserved:g{i}" for i in range(40)]
        for round_ in range(5):  # 200 changes through a 50-change queue, sink blocked
            level = 3.5 if round_ % 2 == 0 else 2.0
            feed.publish(
                [EntityChange("", g, "updated", None, entity(g, level=level), "") for g in gauges]
            )
            await asyncio.sleep(0.01)
        assert engine.dropped == 0
        sink.gate.set()
        await asyncio.sleep(0.05)  # the last changes are evaluated (nothing awaits I/O)
        async with asyncio.timeout(10):
            await engine.settled()
        assert len(sink.signals) == 200
        assert [s.clear for s in sink.signals if s.entity_ids == (gauges[0],)] == [
            False,
            True,
            False,
            True,
            False,
        ]
    finally:
        sink.gate.set()
        await engine.stop()
