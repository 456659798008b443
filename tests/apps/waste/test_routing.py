"""The CVRPTW solver on small instances whose optimum is known by brute force."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from dosi.apps.waste.network import distance_matrix
from dosi.apps.waste.routing import Fleet, Stop, solve

DEPOT = (127.0, 36.5)


def around(rng: random.Random, n: int, spread: float = 0.03) -> list[tuple[float, float]]:
    return [
        (DEPOT[0] + rng.uniform(-spread, spread), DEPOT[1] + rng.uniform(-spread, spread))
        for _ in range(n)
    ]


def tour_length(matrix: list[list[int]], order: tuple[int, ...]) -> int:
    nodes = (0, *order, 0)
    return sum(matrix[a][b] for a, b in itertools.pairwise(nodes))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n", [4, 6])
def test_single_truck_finds_the_optimal_tour(seed: int, n: int) -> None:
    points = around(random.Random(seed), n)
    stops = [Stop(f"s{i}", p, 10) for i, p in enumerate(points)]
    fleet = Fleet(trucks=1, capacity=1000, depots=(DEPOT,))
    matrix = distance_matrix([DEPOT, *points], detour=1.0)
    best = min(tour_length(matrix, p) for p in itertools.permutations(range(1, n + 1)))
    solution = solve(stops, fleet, matrix, time_limit=0.5)
    assert solution.dropped == ()
    assert solution.distance == best
    (route,) = solution.routes
    assert sorted(route.stops) == sorted(s.id for s in stops)
    assert route.load == 10 * n
    assert route.path[0] == route.path[-1] == DEPOT


def test_capacity_splits_the_work() -> None:
    points = around(random.Random(5), 6)
    stops = [Stop(f"s{i}", p, 400) for i, p in enumerate(points)]
    fleet = Fleet(trucks=3, capacity=1000, depots=(DEPOT,))
    matrix = distance_matrix([DEPOT, *points])
    solution = solve(stops, fleet, matrix, time_limit=0.5)
    assert solution.dropped == ()
    assert all(r.load <= 1000 for r in solution.routes)
    assert sum(len(r.stops) for r in solution.routes) == 6
    assert sum(1 for r in solution.routes if r.stops) == 3  # 2 bins (800 l) per truck


def test_overload_drops_the_least_urgent() -> None:
    points = around(random.Random(6), 3)
    stops = [
        Stop("a", points[0], 600, urgent=True),
        Stop("b", points[1], 600),
        Stop("c", points[2], 300, urgent=True),
    ]
    fleet = Fleet(trucks=1, capacity=1000, depots=(DEPOT,))
    solution = solve(stops, fleet, distance_matrix([DEPOT, *points]), time_limit=0.3)
    assert solution.dropped == ("b",)
    assert solution.routes[0].load == 900


def test_time_windows_are_respected() -> None:
    rng = random.Random(7)
    points = around(rng, 5, spread=0.02)
    windows = [(0, 1800), (3600, 5400), (0, 7200), (5400, 7200), (1800, 3600)]
    pairs = enumerate(zip(points, windows, strict=True))
    stops = [Stop(f"s{i}", p, 1, window=w) for i, (p, w) in pairs]
    fleet = Fleet(trucks=1, capacity=100, depots=(DEPOT,), shift_seconds=4 * 3600)
    solution = solve(stops, fleet, distance_matrix([DEPOT, *points]), time_limit=0.5)
    assert solution.dropped == ()
    (route,) = solution.routes
    by_id = dict(zip((s.id for s in stops), windows, strict=True))
    for stop_id, arrival in zip(route.stops, route.arrivals, strict=True):
        low, high = by_id[stop_id]
        assert low <= arrival <= high
    assert list(route.arrivals) == sorted(route.arrivals)


def test_shift_too_short_drops_stops() -> None:
    far = [(DEPOT[0] + 0.3, DEPOT[1]), (DEPOT[0] - 0.3, DEPOT[1])]  # ~27 km each way
    stops = [Stop("east", far[0], 1), Stop("west", far[1], 1)]
    fleet = Fleet(trucks=1, capacity=100, depots=(DEPOT,), shift_seconds=3 * 3600)
    solution = solve(stops, fleet, distance_matrix([DEPOT, *far]), time_limit=0.3)
    assert len(solution.dropped) == 1
    assert solution.routes[0].duration <= 3 * 3600


def test_trucks_start_at_their_depots() -> None:
    depots = (DEPOT, (DEPOT[0] + 0.2, DEPOT[1]))
    near = [(DEPOT[0] + 0.001 * i, DEPOT[1] + 0.001) for i in range(3)]
    near += [(depots[1][0] - 0.001 * i, DEPOT[1] - 0.001) for i in range(3)]
    stops = [Stop(f"s{i}", p, 1) for i, p in enumerate(near)]
    fleet = Fleet(trucks=2, capacity=100, depots=depots)
    solution = solve(stops, fleet, distance_matrix([*depots, *near]), time_limit=0.3)
    first, second = solution.routes
    assert (first.depot, second.depot) == (0, 1)
    assert sorted(first.stops) == ["s0", "s1", "s2"]
    assert sorted(second.stops) == ["s3", "s4", "s5"]


def test_no_stops_no_routes() -> None:
    fleet = Fleet(trucks=2, capacity=100, depots=(DEPOT,))
    solution = solve([], fleet, distance_matrix([DEPOT]))
    assert [r.stops for r in solution.routes] == [(), ()]
    with pytest.raises(ValueError):
        solve([Stop("x", DEPOT)], fleet, [[0]])


def test_matrix_uses_the_road_graph_when_shorter() -> None:
    from dosi.apps.waste.network import RoadNetwork, haversine

    a, b = (127.0, 36.5), (127.1, 36.5)
    straight = haversine(a, b)
    road = RoadNetwork(nodes=(a, b), edges=((0, 1, straight),))
    with_graph = distance_matrix([a, b], network=road, detour=1.5)
    without = distance_matrix([a, b], detour=1.5)
    assert without[0][1] == round(1.5 * straight)
    assert with_graph[0][1] == round(straight)
    assert with_graph[1][0] == with_graph[0][1]
    assert math.isclose(haversine(a, a), 0.0)
