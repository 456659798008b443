"""The rules engine: evaluates rules on the change feed as data arrives and emits signals.

Rules are indexed by (tenant, expanded entity type), so a change costs one dict look-up
per entity type plus the rules that watch it. Silence (heartbeats) and held conditions are
decided by timers over in-memory times, never by polling the store; the store is read
once at start to seed the last-seen times of the watched entities.

Evaluation never waits for I/O once the engine runs: signals and the state writes of
transitions go, in order, through an outbox worked off by their own task. Waiting for
the incident service (itself queued behind device batches in the store) would otherwise
let the feed queue overflow under load and lose the very readings that should alarm.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, TypeAlias

from dosi.core.changes import ChangeFeed, EntityChange, Subscriber
from dosi.core.jsonld import ContextResolver
from dosi.ops.rules import _entity, conditions
from dosi.ops.rules.book import StateBook
from dosi.ops.rules.compiled import CompiledRule, compile_rule
from dosi.ops.rules.conditions import CLEAR, FIRE, Outcome
from dosi.ops.rules.const import DRAIN_TIMEOUT, FLUSH_EVERY, MAX_SLEEP, QUEUE_SIZE
from dosi.ops.rules.model import Composite, Geofence, Heartbeat, Held, Rate, Rule, Threshold
from dosi.ops.rules.repository import RuleRepository, StoredRule
from dosi.ops.rules.state import RuleState, state_key
from dosi.ops.signals import Signal, SignalSink
from dosi.store.base import Candidates, Store, epoch

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
#: One outbox entry: a signal to deliver, or a state whose transition must be written.
Outgoing: TypeAlias = Signal | tuple[str, RuleState]


class LogSink:
    """The sink used when no incident service is running: signals only reach the log."""

    async def signal(self, signal: Signal) -> None:
        logger.info(
            "rule signal %s%s (%s, %s)",
            signal.key,
            " cleared" if signal.clear else "",
            signal.category,
            signal.severity,
            extra={"tenant": signal.tenant},
        )


def _iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat()


class RuleEngine:
    """Owns the rules of every tenant, their evaluation state and the feed subscription."""

    def __init__(
        self,
        store: Store,
        feed: ChangeFeed,
        resolver: ContextResolver,
        sink: SignalSink | None = None,
        *,
        clock: Clock = time.time,
        flush_every: float = FLUSH_EVERY,
    ) -> None:
        self.repository = RuleRepository(store, resolver)
        self.store = store
        self.feed = feed
        self.sink: SignalSink = sink or LogSink()
        self.clock = clock
        self.flush_every = flush_every
        self.book = StateBook(store)
        self._rules: dict[tuple[str, str], CompiledRule] = {}
        self._by_type: dict[tuple[str, str], list[CompiledRule]] = {}
        self._timers: list[tuple[float, int, str, str, str]] = []
        self._scheduled: set[tuple[str, str]] = set()
        self._sequence = itertools.count()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriber: Subscriber | None = None
        self._outbox: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._delivering = False
        #: Changes waiting for evaluation; on overflow the feed drops the oldest (counted).
        self.queue_size = QUEUE_SIZE

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Load rules and states, subscribe to the feed, seed heartbeats, start timers."""
        loaded = await self.repository.all()
        for _, stored in loaded:
            self._install(stored)
        for tenant in dict.fromkeys(tenant for tenant, _ in loaded):
            for state in await self.book.load(tenant):
                self._adopt(tenant, state)
        # subscribe before the seeding scan, so no change falls between the two
        self._subscriber = self.feed.subscribe(maxsize=self.queue_size)
        self._delivering = True
        self._tasks.append(asyncio.create_task(self._deliver_loop(), name="ops:rules:outbox"))
        self._tasks.append(asyncio.create_task(self._listen(), name="ops:rules:feed"))
        for compiled in list(self._rules.values()):
            await self._seed(compiled)
        self._tasks.append(asyncio.create_task(self._timer_loop(), name="ops:rules:timers"))
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="ops:rules:flush"))
        logger.info("rules engine started with %d rules", len(self._rules))

    async def stop(self) -> None:
        """Stop the timers, evaluate the changes already queued, deliver what the outbox
        holds and write every pending state."""
        with suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await self._outbox.join()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._delivering = False  # from here on, signals are delivered inline
        while not self._outbox.empty():
            await self._deliver(self._outbox.get_nowait())
            self._outbox.task_done()
        subscriber, self._subscriber = self._subscriber, None
        if subscriber is not None:
            subscriber.close()
            with suppress(TimeoutError):
                async with asyncio.timeout(DRAIN_TIMEOUT):
                    while not subscriber.queue.empty():
                        await self._handle_one(subscriber.queue.get_nowait())
        await self.book.flush()

    async def settled(self) -> None:
        """Wait until every signal and transition queued so far is delivered and written."""
        await self._outbox.join()

    async def _deliver_loop(self) -> None:
        while True:
            item = await self._outbox.get()
            try:
                await self._deliver(item)
            finally:
                self._outbox.task_done()

    async def _deliver(self, item: Outgoing) -> None:
        if isinstance(item, Signal):
            try:
                await self.sink.signal(item)
            except Exception:  # one signal; the engine goes on
                logger.exception("the signal sink failed for %s", item.key)
            return
        tenant, state = item
        try:
            await self.book.save(tenant, state)
        except Exception:  # the state stays pending and is written by the next flush
            logger.exception("rules: writing the state of %s failed", state.key)
            self.book.touch(tenant, state)

    async def _send(self, item: Outgoing) -> None:
        """Deliver through the outbox when running, else at once (an engine driven by hand)."""
        if self._delivering:
            self._outbox.put_nowait(item)
        else:
            await self._deliver(item)

    async def _listen(self) -> None:
        assert self._subscriber is not None
        while True:
            await self._handle_one(await self._subscriber.get())

    async def _handle_one(self, change: EntityChange) -> None:
        try:
            await self.handle(change)
        except Exception:  # one change; the stream goes on
            logger.exception("rules failed on a change of %s", change.entity_id)

    async def flush(self) -> None:
        await self.book.flush()

    @property
    def dropped(self) -> int:
        """Changes never evaluated because the engine fell behind the feed (oldest first)."""
        return self._subscriber.dropped if self._subscriber is not None else 0

    # -- rule management (API and CLI go through here so the index stays right) ------------
    async def create(self, rule: Rule) -> StoredRule:
        stored = await self.repository.create(rule)
        await self._seed(self._install(stored))
        return stored

    async def replace(self, rule: Rule, expected: int | None = None) -> StoredRule:
        stored = await self.repository.replace(rule, expected)
        await self._reinstall(stored)
        return stored

    async def patch(self, tenant: str, rule_id: str, changes: dict[str, Any]) -> StoredRule:
        stored = await self.repository.patch(tenant, rule_id, changes)
        await self._reinstall(stored)
        return stored

    async def delete(self, tenant: str, rule_id: str) -> None:
        await self.repository.delete(tenant, rule_id)
        await self._retire(tenant, rule_id)

    def states(self, tenant: str, rule_id: str) -> list[dict[str, Any]]:
        """The current per-subject states of a rule, for people to read."""
        return [
            {
                "subject": s.subject,
                "active": s.active,
                "since": _iso(s.since),
                "pending": _iso(s.pending),
                "lastSeen": _iso(s.last_seen),
                "lastSignal": _iso(s.signalled),
                "inside": s.inside,
                "members": s.members or None,
                "values": s.values,
            }
            for s in self.book.of_rule(tenant, rule_id)
        ]

    # -- the change feed -----------------------------------------------------------------
    async def handle(self, change: EntityChange) -> None:
        """Evaluate the rules watching the changed entity's types."""
        entity = change.after if change.after is not None else change.before
        if entity is None:
            return
        now = self.clock()
        location: dict[str, Any] | None = None
        looked = False
        for type_iri in entity.get("type", ()):
            for compiled in self._by_type.get((change.tenant, type_iri), ()):
                if not looked:  # read once per change, only for a watched type
                    location, looked = _entity.geometry(change.after), True
                await self._evaluate(compiled, change, now, location)

    async def _evaluate(
        self,
        compiled: CompiledRule,
        change: EntityChange,
        now: float,
        location: dict[str, Any] | None,
    ) -> None:
        condition = compiled.rule.condition
        if isinstance(condition, Composite):
            await self._evaluate_area(compiled, condition, change, now, location)
            return
        tenant, entity_id = change.tenant, change.entity_id
        if change.after is None:  # deleted: end its alarm and forget it
            gone = self.book.get(tenant, state_key(compiled.rule.id, entity_id))
            if gone is not None:
                if gone.active:
                    gone.active = False
                    await self._emit(compiled, gone, now, clear=True)
                self.book.drop(tenant, gone.key)
            return
        if not self._fresh(compiled, change):
            return
        state = self._state(compiled, entity_id)
        if location is not None:
            state.location = location
        await self._settle(compiled, state, self._step(compiled, state, change, now), now)

    def _step(
        self, compiled: CompiledRule, state: RuleState, change: EntityChange, now: float
    ) -> Outcome:
        condition = compiled.rule.condition
        may_fire = compiled.may_fire(now)
        attr = compiled.stored.attr_iri
        if isinstance(condition, Heartbeat):
            outcome = conditions.heartbeat_seen(state, now)
            self._schedule(compiled, state, now + condition.silence.total_seconds())
            return outcome
        if isinstance(condition, Geofence):
            geometry = _entity.geometry(change.after, attr or _entity.LOCATION)
            if geometry is None:
                return None
            state.values = {compiled.rule.attribute or "location": geometry}
            return conditions.geofence(condition, state, compiled.contains(geometry), now, may_fire)
        assert attr is not None
        reading = _entity.number(_entity.value(change.after, attr, compiled.path))
        if reading is None:
            return None
        state.values = {compiled.rule.attribute or attr: reading}
        if isinstance(condition, Threshold):
            return conditions.threshold(condition, state, reading, now, may_fire)
        if isinstance(condition, Held):
            outcome = conditions.held(condition, state, reading, now, may_fire)
            if state.pending is not None and not state.active:
                self._schedule(compiled, state, state.pending + condition.duration.total_seconds())
            return outcome
        if isinstance(condition, Rate):
            return conditions.rate(condition, state, reading, now, may_fire)
        return None

    async def _evaluate_area(
        self,
        compiled: CompiledRule,
        condition: Composite,
        change: EntityChange,
        now: float,
        geometry: dict[str, Any] | None,
    ) -> None:
        state = self._state(compiled, condition.area_id)
        entity_id = change.entity_id
        if change.after is None:
            inside = False
        elif geometry is not None:
            inside = compiled.contains(geometry)
        else:
            inside = entity_id in state.members  # no position given: it has not moved
        attr = compiled.stored.attr_iri
        assert attr is not None
        reading = _entity.number(_entity.value(change.after, attr, compiled.path))
        if not inside:
            if entity_id not in state.members:
                return
            conditions.member(condition, state, entity_id, None)
        elif reading is None:
            return
        else:
            conditions.member(condition, state, entity_id, reading)
        outcome = conditions.composite(condition, state, now, compiled.may_fire(now))
        await self._settle(compiled, state, outcome, now)

    async def _settle(
        self, compiled: CompiledRule, state: RuleState, outcome: Outcome, now: float
    ) -> None:
        """Signal a transition (and write it now), a due repeat, or just mark the state."""
        tenant = compiled.tenant
        if outcome is not None:
            if outcome == FIRE:
                state.signalled = now
            await self._emit(compiled, state, now, clear=outcome == CLEAR)
            await self._send((tenant, state))
            return
        repeat = compiled.rule.repeat
        if (
            state.active
            and repeat is not None
            and state.signalled is not None
            and now - state.signalled >= repeat.total_seconds()
            and compiled.may_fire(now)
        ):
            state.signalled = now
            await self._emit(compiled, state, now, clear=False)
        self.book.touch(tenant, state)

    def _fresh(self, compiled: CompiledRule, change: EntityChange) -> bool:
        """Whether the change carries something the rule reads: its attribute (a geofence:
        the location) was written, even with the same value. Other changes are skipped."""
        attr = compiled.stored.attr_iri
        if attr is None and isinstance(compiled.rule.condition, Geofence):
            attr = _entity.LOCATION
        if attr is None:
            return True
        after = _entity.instance(change.after, attr)
        return after is not None and after != _entity.instance(change.before, attr)

    async def _emit(
        self, compiled: CompiledRule, state: RuleState, now: float, *, clear: bool
    ) -> None:
        readings = dict(state.values)
        if isinstance(compiled.rule.condition, Heartbeat):
            readings = {"lastSeen": _iso(state.last_seen)}
        elif isinstance(compiled.rule.condition, Composite) and not clear:
            readings = {e: v for e, v in state.values.items() if state.members.get(e)}
        await self._send(compiled.signal(state, now, clear=clear, readings=readings))

    # -- timers --------------------------------------------------------------------------
    def _schedule(self, compiled: CompiledRule, state: RuleState, deadline: float) -> None:
        """Ask for a check at ``deadline``; one pending timer per state is enough, since a
        timer that finds the deadline moved simply schedules itself again."""
        marker = (compiled.tenant, state.key)
        if marker in self._scheduled:
            return
        self._scheduled.add(marker)
        entry = (deadline, next(self._sequence), compiled.tenant, compiled.rule.id, state.subject)
        heapq.heappush(self._timers, entry)
        if self._timers[0] is entry:
            self._wake.set()

    async def tick(self) -> None:
        """Run the timers that are due by the engine's clock."""
        now = self.clock()
        while self._timers and self._timers[0][0] <= now:
            _, _, tenant, rule_id, subject = heapq.heappop(self._timers)
            key = state_key(rule_id, subject)
            self._scheduled.discard((tenant, key))
            compiled = self._rules.get((tenant, rule_id))
            state = self.book.get(tenant, key)
            if compiled is None or state is None:
                continue
            await self._due(compiled, state, now)

    async def _due(self, compiled: CompiledRule, state: RuleState, now: float) -> None:
        condition = compiled.rule.condition
        may_fire = compiled.may_fire(now)
        if isinstance(condition, Heartbeat):
            outcome = conditions.heartbeat_due(condition, state, now, may_fire)
        elif isinstance(condition, Held):
            outcome = conditions.held_due(condition, state, now, may_fire)
        else:
            return
        await self._settle(compiled, state, outcome, now)
        later = self._next_check(compiled, state)
        if later is not None:
            # outside an active window a due check comes back a little later
            self._schedule(compiled, state, later if later > now else now + MAX_SLEEP)

    @staticmethod
    def _next_check(compiled: CompiledRule, state: RuleState) -> float | None:
        """When a timer should next look at a state (None: only data can change it)."""
        condition = compiled.rule.condition
        repeat = compiled.rule.repeat
        if state.active:
            if repeat is None or state.signalled is None:
                return None
            return state.signalled + repeat.total_seconds()
        if isinstance(condition, Heartbeat) and state.last_seen is not None:
            return state.last_seen + condition.silence.total_seconds()
        if isinstance(condition, Held) and state.pending is not None:
            return state.pending + condition.duration.total_seconds()
        return None

    async def _timer_loop(self) -> None:
        while True:
            await self.tick()
            delay = MAX_SLEEP
            if self._timers:
                delay = min(MAX_SLEEP, max(0.0, self._timers[0][0] - self.clock()))
            self._wake.clear()
            with suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_every)
            try:
                await self.book.flush()
            except Exception:  # the store may be briefly away; the states are kept
                logger.exception("writing rule states failed; retrying")

    # -- index and states ----------------------------------------------------------------
    def _install(self, stored: StoredRule) -> CompiledRule:
        compiled = compile_rule(stored)
        key = (stored.rule.tenant, stored.rule.id)
        old = self._rules.get(key)
        if old is not None:
            self._unindex(old)
        self._rules[key] = compiled
        if stored.rule.enabled:
            self._by_type.setdefault((stored.rule.tenant, stored.type_iri), []).append(compiled)
        return compiled

    def _unindex(self, compiled: CompiledRule) -> None:
        index = (compiled.tenant, compiled.stored.type_iri)
        watching = [c for c in self._by_type.get(index, ()) if c.rule.id != compiled.rule.id]
        if watching:
            self._by_type[index] = watching
        else:
            self._by_type.pop(index, None)

    async def _reinstall(self, stored: StoredRule) -> None:
        """A new version: keep states unless the rule was disabled or changed kind/type."""
        old = self._rules.get((stored.rule.tenant, stored.rule.id))
        if old is not None and (
            not stored.rule.enabled
            or old.kind != stored.rule.condition.kind
            or old.stored.type_iri != stored.type_iri
        ):
            await self._end_states(old)
        compiled = self._install(stored)
        if stored.rule.enabled:
            await self._seed(compiled)

    async def _retire(self, tenant: str, rule_id: str) -> None:
        compiled = self._rules.pop((tenant, rule_id), None)
        if compiled is not None:
            self._unindex(compiled)
            await self._end_states(compiled)

    async def _end_states(self, compiled: CompiledRule) -> None:
        """Clear the alarms of a rule that stops watching, and forget its states."""
        now = self.clock()
        for state in self.book.of_rule(compiled.tenant, compiled.rule.id):
            if state.active:
                state.active = False
                await self._emit(compiled, state, now, clear=True)
            self.book.drop(compiled.tenant, state.key)
        await self.book.flush()

    def _state(self, compiled: CompiledRule, subject: str) -> RuleState:
        found = self.book.get(compiled.tenant, state_key(compiled.rule.id, subject))
        if found is None:
            found = RuleState(compiled.rule.id, subject, kind=compiled.kind)
            self.book.add(compiled.tenant, found)
        return found

    def _adopt(self, tenant: str, state: RuleState) -> None:
        """Keep a loaded state if its rule still exists with the same kind; resume timers."""
        compiled = self._rules.get((tenant, state.rule_id))
        if compiled is None or state.kind != compiled.kind:
            self.book.drop(tenant, state.key)
            return
        if isinstance(compiled.rule.condition, Held | Heartbeat):
            later = self._next_check(compiled, state)
            if later is not None:
                self._schedule(compiled, state, later)

    async def _seed(self, compiled: CompiledRule) -> None:
        """Heartbeats: every stored entity of the type counts as seen at its last change."""
        condition = compiled.rule.condition
        if not isinstance(condition, Heartbeat) or not compiled.rule.enabled:
            return
        now = self.clock()
        where = Candidates(types=frozenset({compiled.stored.type_iri}))
        async for entity in self.store.iter_entities(compiled.tenant, where):
            state = self._state(compiled, entity["id"])
            modified = entity.get("modifiedAt")
            seen = min(epoch(modified), now) if isinstance(modified, str) else now
            if state.last_seen is None or state.last_seen < seen:
                state.last_seen = seen
            if state.location is None:
                state.location = _entity.geometry(entity)
        for state in self.book.of_rule(compiled.tenant, compiled.rule.id):
            later = self._next_check(compiled, state)
            if later is not None:
                self._schedule(compiled, state, later)
