"""Collection routes: the capacitated vehicle routing problem with time windows (OR-Tools).

Pure and CPU-bound, so it runs in the process pool: plain dataclasses in and out. Nodes
are the depots first, then the stops. Each truck starts and ends at its depot (trucks are
spread over the depots in turn), carries at most ``capacity`` litres, and works within
the shift; a stop may narrow its own time window. A stop that cannot be served (too much
waste, too little time) is dropped at a high penalty and reported, so an overloaded day
still gets a plan. The first solution is the cheapest-arc path, improved by guided local
search until the time limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dosi.apps.waste.network import Coord

#: Metres an unserved stop costs: more than any detour, so dropping is a last resort.
DROP_PENALTY = 10_000_000
#: Stops already over the threshold are dropped even more reluctantly.
URGENT_PENALTY = 100_000_000


@dataclass(frozen=True, slots=True)
class Stop:
    """A bin to empty: ``demand`` litres, an optional window in seconds from shift start."""

    id: str
    location: Coord
    demand: int = 0
    window: tuple[int, int] | None = None
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Fleet:
    trucks: int
    capacity: int
    depots: tuple[Coord, ...]
    shift_seconds: int = 8 * 3600
    service_seconds: int = 120
    speed_mps: float = 25 / 3.6

    def depot_of(self, truck: int) -> int:
        return truck % len(self.depots)


@dataclass(frozen=True, slots=True)
class Route:
    """One truck's round: stop ids in order with arrival times (s from shift start)."""

    truck: int
    depot: int
    stops: tuple[str, ...]
    arrivals: tuple[int, ...]
    path: tuple[Coord, ...]
    distance: int
    duration: int
    load: int


@dataclass(frozen=True, slots=True)
class Solution:
    routes: tuple[Route, ...]
    dropped: tuple[str, ...] = ()
    status: str = "ok"
    distance: int = field(default=0)


def solve(
    stops: Sequence[Stop],
    fleet: Fleet,
    matrix: Sequence[Sequence[int]],
    *,
    time_limit: float = 5.0,
) -> Solution:
    """Routes for ``stops``; ``matrix`` holds metres between depots + stops (that order)."""
    if not fleet.depots:
        raise ValueError("the fleet has no depot")
    depots = len(fleet.depots)
    size = depots + len(stops)
    if len(matrix) != size:
        raise ValueError(f"the distance matrix has {len(matrix)} rows, expected {size}")
    if not stops:
        return Solution(tuple(_idle(fleet, t) for t in range(fleet.trucks)))
    starts = [fleet.depot_of(t) for t in range(fleet.trucks)]
    manager = pywrapcp.RoutingIndexManager(size, fleet.trucks, starts, starts)
    model = pywrapcp.RoutingModel(manager)

    distance = [[int(d) for d in row] for row in matrix]
    service = [0] * depots + [fleet.service_seconds] * len(stops)
    travel = [
        [service[i] + round(distance[i][j] / fleet.speed_mps) for j in range(size)]
        for i in range(size)
    ]
    arc = model.RegisterTransitMatrix(distance)
    model.SetArcCostEvaluatorOfAllVehicles(arc)

    demand = [0] * depots + [max(0, s.demand) for s in stops]
    load = model.RegisterUnaryTransitVector(demand)
    model.AddDimensionWithVehicleCapacity(load, 0, [fleet.capacity] * fleet.trucks, True, "load")

    timing = model.RegisterTransitMatrix(travel)
    horizon = fleet.shift_seconds
    model.AddDimension(timing, horizon, horizon, True, "time")
    time = model.GetDimensionOrDie("time")
    for k, stop in enumerate(stops):
        index = manager.NodeToIndex(depots + k)
        low, high = stop.window or (0, horizon)
        time.CumulVar(index).SetRange(max(0, low), min(horizon, high))
        penalty = URGENT_PENALTY if stop.urgent else DROP_PENALTY
        model.AddDisjunction([index], penalty)
    for truck in range(fleet.trucks):
        model.AddVariableMinimizedByFinalizer(time.CumulVar(model.End(truck)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, round(time_limit * 1000)))
    found = model.SolveWithParameters(params)
    if found is None:
        return Solution(
            tuple(_idle(fleet, t) for t in range(fleet.trucks)),
            dropped=tuple(s.id for s in stops),
            status="infeasible",
        )
    points = [*fleet.depots, *(s.location for s in stops)]
    routes: list[Route] = []
    served: set[int] = set()
    for truck in range(fleet.trucks):
        index = model.Start(truck)
        ids: list[str] = []
        arrivals: list[int] = []
        path: list[Coord] = [points[manager.IndexToNode(index)]]
        metres = carried = 0
        while not model.IsEnd(index):
            nxt = found.Value(model.NextVar(index))
            a, b = manager.IndexToNode(index), manager.IndexToNode(nxt)
            metres += distance[a][b]
            path.append(points[b])
            if b >= depots:
                served.add(b - depots)
                ids.append(stops[b - depots].id)
                arrivals.append(found.Value(time.CumulVar(nxt)))
                carried += demand[b]
            index = nxt
        end = found.Value(time.CumulVar(model.End(truck))) if ids else 0
        routes.append(
            Route(
                truck=truck,
                depot=fleet.depot_of(truck),
                stops=tuple(ids),
                arrivals=tuple(arrivals),
                path=tuple(path) if ids else (),
                distance=metres if ids else 0,
                duration=end,
                load=carried,
            )
        )
    dropped = tuple(s.id for k, s in enumerate(stops) if k not in served)
    return Solution(tuple(routes), dropped, distance=sum(r.distance for r in routes))


def _idle(fleet: Fleet, truck: int) -> Route:
    return Route(truck, fleet.depot_of(truck), (), (), (), 0, 0, 0)


__all__ = ["Fleet", "Route", "Solution", "Stop", "solve"]
