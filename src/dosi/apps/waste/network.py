"""Driving distances between points: over the city's road graph when one is known, else
straight-line distance scaled by a detour factor.

The simulator's graph holds arterials and collectors only. Local streets are not in it,
so the distance between two points is the shorter of the local estimate (detour × straight
line) and the way over the graph (detour × the walk to the nearest junction, the shortest
path between junctions, detour × the walk from the last junction).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Coord = tuple[float, float]  # (lon, lat), WGS 84 degrees
EARTH_RADIUS = 6_371_000.0


def haversine(a: Coord, b: Coord) -> float:
    """Great-circle distance in metres."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def _haversine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    result: np.ndarray = 2 * EARTH_RADIUS * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


@dataclass(frozen=True, slots=True)
class RoadNetwork:
    """Junctions (lon, lat) and undirected roads between them with lengths in metres."""

    nodes: tuple[Coord, ...]
    edges: tuple[tuple[int, int, float], ...]

    def shortest(self) -> np.ndarray:
        """All-pairs shortest path lengths (Dijkstra from every junction)."""
        n = len(self.nodes)
        adjacent: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for a, b, length in self.edges:
            adjacent[a].append((b, length))
            adjacent[b].append((a, length))
        out = np.full((n, n), np.inf)
        for source in range(n):
            best = out[source]
            best[source] = 0.0
            queue = [(0.0, source)]
            while queue:
                d, node = heapq.heappop(queue)
                if d > best[node]:
                    continue
                for nxt, length in adjacent[node]:
                    if d + length < best[nxt]:
                        best[nxt] = d + length
                        heapq.heappush(queue, (d + length, nxt))
        return out


def distance_matrix(
    points: Sequence[Coord], *, network: RoadNetwork | None = None, detour: float = 1.3
) -> list[list[int]]:
    """Whole metres between every two points (symmetric, zero diagonal)."""
    if not points:
        return []
    where = np.asarray(points, dtype=float)
    best = detour * _haversine_matrix(where, where)
    if network is not None and network.nodes:
        junctions = np.asarray(network.nodes, dtype=float)
        to_junction = _haversine_matrix(where, junctions)
        nearest = to_junction.argmin(axis=1)
        access = detour * to_junction[np.arange(len(points)), nearest]
        paths = network.shortest()[nearest][:, nearest]
        best = np.minimum(best, access[:, None] + paths + access[None, :])
    np.fill_diagonal(best, 0.0)
    rounded: list[list[int]] = np.rint(best).astype(np.int64).tolist()
    return rounded


__all__ = ["Coord", "RoadNetwork", "distance_matrix", "haversine"]
