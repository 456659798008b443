"""One evaluation step per condition kind: pure functions over a ``RuleState``.

Each step updates the state in place and says whether the alarm starts (``FIRE``), ends
(``CLEAR``) or neither. ``may_fire`` is False outside the rule's active windows: a window
gates the start of an alarm, never its end, so an alarm raised at night still clears
in the morning.
"""

from __future__ import annotations

from typing import Final, Literal

from dosi.ops.rules.const import RATE_BUCKETS
from dosi.ops.rules.model import Comparison, Composite, Geofence, Heartbeat, Held, Rate
from dosi.ops.rules.state import RuleState

Outcome = Literal["fire", "clear"] | None
FIRE: Final = "fire"
CLEAR: Final = "clear"


def _start(state: RuleState, now: float) -> Outcome:
    state.active = True
    state.since = now
    return FIRE


def _end(state: RuleState) -> Outcome:
    state.active = False
    state.since = None
    return CLEAR


def threshold(
    cond: Comparison, state: RuleState, reading: float, now: float, may_fire: bool
) -> Outcome:
    if not state.active:
        return _start(state, now) if may_fire and cond.fires(reading) else None
    return _end(state) if cond.releases(reading) else None


def held(cond: Held, state: RuleState, reading: float, now: float, may_fire: bool) -> Outcome:
    if cond.fires(reading):
        if state.pending is None:
            state.pending = now
        return held_due(cond, state, now, may_fire)
    state.pending = None
    if state.active and cond.releases(reading):
        return _end(state)
    return None


def held_due(cond: Held, state: RuleState, now: float, may_fire: bool) -> Outcome:
    """Fire once the comparison has held long enough (a reading or a timer asks)."""
    if state.active or state.pending is None or not may_fire:
        return None
    if now - state.pending >= cond.duration.total_seconds():
        return _start(state, now)
    return None


def rate(cond: Rate, state: RuleState, reading: float, now: float, may_fire: bool) -> Outcome:
    window = cond.window.total_seconds()
    rising = cond.change > 0
    state.samples = [s for s in state.samples if s[0] >= now - window]
    exceeded = False
    if state.samples:
        values = [s[1] for s in state.samples]
        moved = reading - (min(values) if rising else max(values))
        exceeded = moved > cond.change if rising else moved < cond.change
    # one bucket per window/RATE_BUCKETS keeps the extreme that matters for the direction
    if state.samples and now - state.samples[-1][0] < window / RATE_BUCKETS:
        last = state.samples[-1]
        last[1] = min(last[1], reading) if rising else max(last[1], reading)
    else:
        state.samples.append([now, reading])
    if not state.active:
        return _start(state, now) if may_fire and exceeded else None
    return None if exceeded else _end(state)


def heartbeat_seen(state: RuleState, now: float) -> Outcome:
    """A message arrived: remember it and end a silence alarm."""
    state.last_seen = now
    return _end(state) if state.active else None


def heartbeat_due(cond: Heartbeat, state: RuleState, now: float, may_fire: bool) -> Outcome:
    if state.active or state.last_seen is None or not may_fire:
        return None
    if now - state.last_seen >= cond.silence.total_seconds():
        return _start(state, now)
    return None


def geofence(cond: Geofence, state: RuleState, inside: bool, now: float, may_fire: bool) -> Outcome:
    """Enter fires on the way in (or a first sighting inside); leave fires on the way out of
    a known inside position. Going back ends the alarm."""
    before, state.inside = state.inside, inside
    crossed = inside != before if cond.trigger == "enter" else before is True and not inside
    wanted = inside if cond.trigger == "enter" else not inside
    if not state.active:
        return _start(state, now) if may_fire and crossed and wanted else None
    return None if wanted else _end(state)


def member(cond: Composite, state: RuleState, entity_id: str, reading: float | None) -> None:
    """Record one member's reading (None: it left the area) with per-member hysteresis."""
    was = state.members.get(entity_id, False)
    if reading is None:
        state.members.pop(entity_id, None)
        state.values.pop(entity_id, None)
        state.count -= was
        return
    now_on = cond.fires(reading) or (was and not cond.releases(reading))
    state.members[entity_id] = now_on
    state.values[entity_id] = reading
    state.count += now_on - was


def composite(cond: Composite, state: RuleState, now: float, may_fire: bool) -> Outcome:
    count, total = state.count, len(state.members)
    if cond.match == "all":
        satisfied = total > 0 and count == total
    elif cond.match == "any":
        satisfied = count >= 1
    else:
        satisfied = count >= cond.match
    if not state.active:
        return _start(state, now) if may_fire and satisfied else None
    return None if satisfied else _end(state)
