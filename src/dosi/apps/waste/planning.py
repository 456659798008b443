"""One collection round: which bins are due, then the routes that empty them.

A bin is due when it is over the threshold at the start of the round, or predicted to
cross it before the next round starts (so waiting for that round would let it pass the
threshold). When the fleet could not empty all of the next round's bins, the fullest of
them are brought forward into this round. Pure: runs in the process pool from the app
and in the four-week report.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dosi.apps.waste.forecast import Calendar, FillModel
from dosi.apps.waste.network import Coord, RoadNetwork, distance_matrix
from dosi.apps.waste.routing import Fleet, Solution, Stop, solve

#: Fill level a bin is left at after emptying (residue, sensor offset).
EMPTIED = 0.02


@dataclass(frozen=True, slots=True)
class Container:
    """A bin as the planner sees it: where, how big, and its fitted fill model.

    ``model`` is None when the history was too short to fit; ``level``/``at`` then give
    the last reading and the rate of the other bins stands in for its own."""

    id: str
    location: Coord
    litres: int
    model: FillModel | None = None
    level: float | None = None
    at: float | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Due:
    container: Container
    #: Predicted fill at the start of the round, and when it crosses the threshold.
    level: float
    crossing: float | None
    urgent: bool

    @property
    def demand(self) -> int:
        """Litres the truck takes from this bin."""
        return min(self.container.litres, math.ceil(self.level * self.container.litres))


def effective_model(container: Container, fallback_rate: float) -> FillModel | None:
    if container.model is not None:
        return container.model
    if container.level is None or container.at is None:
        return None
    return FillModel(level=container.level, at=container.at, rate=fallback_rate)


@dataclass(frozen=True, slots=True)
class Budget:
    """What the fleet can empty in one round: litres and stops (with a margin)."""

    litres: int
    stops: int

    @classmethod
    def of(cls, fleet: Fleet, load_factor: float = 0.9) -> Budget:
        # a stop costs its service time plus about a minute and a half of driving
        per_truck = fleet.shift_seconds / (fleet.service_seconds + 90)
        return cls(
            litres=int(fleet.trucks * fleet.capacity * load_factor),
            stops=int(fleet.trucks * per_truck * load_factor),
        )


def choose_due(
    containers: Sequence[Container],
    threshold: float,
    round_start: float,
    next_round: float,
    calendar: Calendar,
    budget: Budget | None = None,
) -> list[Due]:
    """Bins to empty in the round starting at ``round_start``, most urgent first.

    With a ``budget``, bins due at the next round are brought forward (fullest first)
    when the next round would otherwise have more than the fleet can empty: bins filled
    in step (e.g. after years of fixed rounds) would all fall due on the same day."""
    rates = [c.model.rate for c in containers if c.model is not None and c.model.pairs]
    fallback = statistics.median(rates) if rates else 0.0
    due: list[Due] = []
    later: list[tuple[Due, int]] = []
    after_next = next_round + (next_round - round_start)
    for container in containers:
        model = effective_model(container, fallback)
        if model is None:
            continue
        level = model.level_at(round_start, calendar)
        crossing = model.crossing(threshold, calendar)
        if level >= threshold:
            due.append(Due(container, level, crossing, urgent=True))
        elif crossing is not None and crossing < next_round:
            due.append(Due(container, level, crossing, urgent=False))
        elif budget is not None and crossing is not None and crossing < after_next:
            then = math.ceil(model.level_at(next_round, calendar) * container.litres)
            later.append((Due(container, level, crossing, urgent=False), then))
    if budget is not None and later:
        again = _due_again(due, threshold, (round_start, next_round, after_next), calendar)
        due.extend(_bring_forward(due, later, again, budget))
    due.sort(key=lambda d: (not d.urgent, d.crossing if d.crossing is not None else math.inf))
    return due


def _due_again(
    due: Sequence[Due], threshold: float, rounds: tuple[float, float, float], calendar: Calendar
) -> tuple[int, int]:
    """Litres and stops of today's bins that are due again at the next round (``rounds``:
    this one, the next and the one after)."""
    round_start, next_round, after_next = rounds
    litres = stops = 0
    for item in due:
        model = item.container.model
        if model is None:
            continue
        emptied = replace(model, level=EMPTIED, at=round_start)
        crossing = emptied.crossing(threshold, calendar)
        if crossing is not None and crossing < after_next:
            litres += math.ceil(emptied.level_at(next_round, calendar) * item.container.litres)
            stops += 1
    return litres, stops


def _bring_forward(
    due: list[Due], later: list[tuple[Due, int]], again: tuple[int, int], budget: Budget
) -> list[Due]:
    room_litres = budget.litres - sum(d.demand for d in due)
    room_stops = budget.stops - len(due)
    excess_litres = again[0] + sum(litres for _, litres in later) - budget.litres
    excess_stops = again[1] + len(later) - budget.stops
    moved: list[Due] = []
    for item, litres in sorted(later, key=lambda pair: pair[0].crossing or math.inf):
        if excess_litres <= 0 and excess_stops <= 0:
            break
        if item.demand > room_litres or room_stops < 1:
            break
        moved.append(item)
        room_litres -= item.demand
        room_stops -= 1
        excess_litres -= litres
        excess_stops -= 1
    return moved


@dataclass(frozen=True, slots=True)
class RoundRequest:
    containers: tuple[Container, ...]
    threshold: float
    round_start: float
    next_round: float
    calendar: Calendar
    fleet: Fleet
    network: RoadNetwork | None = None
    detour: float = 1.3
    time_limit: float = 5.0


@dataclass(frozen=True, slots=True)
class RoundPlan:
    due: tuple[Due, ...]
    solution: Solution


def route_stops(
    stops: Sequence[Stop],
    fleet: Fleet,
    *,
    network: RoadNetwork | None = None,
    detour: float = 1.3,
    time_limit: float = 5.0,
) -> Solution:
    """Distances for depots + stops, then the routes."""
    matrix = distance_matrix(
        [*fleet.depots, *(s.location for s in stops)], network=network, detour=detour
    )
    return solve(stops, fleet, matrix, time_limit=time_limit)


def plan_round(request: RoundRequest) -> RoundPlan:
    due = choose_due(
        request.containers,
        request.threshold,
        request.round_start,
        request.next_round,
        request.calendar,
        Budget.of(request.fleet),
    )
    stops = [Stop(d.container.id, d.container.location, d.demand, urgent=d.urgent) for d in due]
    solution = route_stops(
        stops,
        request.fleet,
        network=request.network,
        detour=request.detour,
        time_limit=request.time_limit,
    )
    return RoundPlan(tuple(due), solution)


__all__ = [
    "Budget",
    "Container",
    "Due",
    "RoundPlan",
    "RoundRequest",
    "choose_due",
    "plan_round",
    "route_stops",
]
