"""Predictive collection against fixed daily rounds, on the simulator's fill model.

Both policies see the same bins and the same waste: every bin's hourly growth comes from
one simulated device (the simulator's WasteBin: weekday, holiday and hourly patterns),
and each policy keeps its own fill level. Before the compared weeks the city runs fixed
daily rounds for ``warmup_days``, so the forecaster starts from a realistic history.

* ``fixed``: one round a day empties every bin along routes planned once.
* ``dosi``: each day the forecaster fits every bin's history and only the due bins are
  routed (threshold, fleet and solver as in the app).
* ``bound``: a reference, not a policy: the fewest collections any daily-round policy
  needs to keep every bin below 100%, knowing the future exactly.

A round empties its bins at the round start; a bin overflows on a day when it is full
at any hour of it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from dosi.apps.waste.forecast import Calendar, fit
from dosi.apps.waste.network import RoadNetwork
from dosi.apps.waste.planning import Container, RoundRequest, plan_round, route_stops
from dosi.apps.waste.routing import Fleet, Stop

HOUR = 3600.0
POLICIES = ("fixed", "dosi")


@dataclass(frozen=True, slots=True)
class ReportConfig:
    city: str = "sejong"
    seed: int = 7
    bins: int = 500
    days: int = 28
    start: date = date(2026, 11, 2)
    warmup_days: int = 14
    trucks: int = 5
    capacity: int = 80_000
    threshold: float = 0.8
    shift_start_hour: float = 6.0
    shift_hours: float = 8.0
    service_seconds: int = 120
    speed_kmh: float = 25.0
    detour: float = 1.3
    time_limit: float = 2.0
    history_days: int = 14


@dataclass
class DayRow:
    day: str
    policy: str
    collections: int
    distance_km: float
    overflows: int
    #: Bins due but left out of the routes (trucks full or shift over).
    unserved: int = 0


@dataclass
class Report:
    config: ReportConfig
    rows: list[DayRow] = field(default_factory=list)
    #: Fewest collections that keep every bin below 100% with daily rounds (hindsight).
    bound_collections: int = 0

    def total(self, policy: str) -> dict[str, float]:
        mine = [r for r in self.rows if r.policy == policy]
        return {
            "collections": sum(r.collections for r in mine),
            "distance_km": round(sum(r.distance_km for r in mine), 1),
            "overflows": sum(r.overflows for r in mine),
            "unserved": sum(r.unserved for r in mine),
        }

    def summary(self) -> dict[str, Any]:
        fixed, dosi = self.total("fixed"), self.total("dosi")

        def saving(key: str) -> float:
            return round(100 * (1 - dosi[key] / fixed[key]), 1) if fixed[key] else 0.0

        return {
            "fixed": fixed,
            "dosi": dosi,
            "collections_saved_pct": saving("collections"),
            "distance_saved_pct": saving("distance_km"),
            "bound_collections": self.bound_collections,
            "bound_saved_pct": round(100 * (1 - self.bound_collections / fixed["collections"]), 1)
            if fixed["collections"]
            else 0.0,
        }

    def to_json(self) -> dict[str, Any]:
        config = asdict(self.config)
        config["start"] = self.config.start.isoformat()
        return {
            "config": config,
            "summary": self.summary(),
            "days": [asdict(r) for r in self.rows],
        }

    def to_markdown(self) -> str:
        s = self.summary()
        lines = [
            "| policy | collections | distance (km) | overflows (bin-days) | due, not served |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for policy, label in (("fixed", "fixed daily rounds"), ("dosi", "dosi predictive")):
            t = s[policy]
            lines.append(
                f"| {label} | {t['collections']:,} | {t['distance_km']:,.1f} | {t['overflows']} "
                f"| {t['unserved']} |"
            )
        lines.append(
            f"| saving | {s['collections_saved_pct']:.1f}% | {s['distance_saved_pct']:.1f}% | | |"
        )
        lines.append(
            f"| hindsight bound (daily rounds, no avoidable overflow) | "
            f"{s['bound_collections']:,} ({s['bound_saved_pct']:.1f}% fewer) | | | |"
        )
        return "\n".join(lines)


Progress = Callable[[int, int], None]


def simulate(config: ReportConfig, progress: Progress | None = None) -> Report:
    """Run both policies over ``config.days`` days (after the warm-up)."""
    from dosi.sim import CITIES, CitySimulator, SimConfig

    spec = CITIES[config.city]
    calendar = Calendar(float(spec.utc_offset), spec.holidays)
    first = calendar.day_start(config.start) + config.shift_start_hour * HOUR
    warm_start = first - config.warmup_days * 86_400.0
    sim = CitySimulator(
        SimConfig(
            city=config.city,
            seed=config.seed,
            counts={"waste": config.bins},
            start=warm_start - HOUR,
        )
    )
    devices: list[Any] = sim.devices
    for device in devices:
        device.collection_days = set()  # rounds are this report's policies, not the model's
        device.step(warm_start - HOUR)
    layout = sim.layout
    network = RoadNetwork(
        tuple(layout.nodes), tuple((r.start, r.end, r.length) for r in layout.roads)
    )
    fleet = Fleet(
        trucks=config.trucks,
        capacity=config.capacity,
        depots=tuple(layout.depots),
        shift_seconds=round(config.shift_hours * HOUR),
        service_seconds=config.service_seconds,
        speed_mps=config.speed_kmh / 3.6,
    )
    ids = [d.entity_id for d in devices]
    where = [d.placement.location for d in devices]
    litres = [int(d.capacity) for d in devices]

    def residue(k: int, day: int) -> float:
        """What is left in bin ``k`` emptied on ``day``: the same for both policies."""
        return random.Random(f"{config.seed}:residue:{k}:{day}").uniform(0.0, 0.04)

    fills = {p: [float(d.fill) for d in devices] for p in POLICIES}
    history: list[list[tuple[float, float]]] = [[] for _ in devices]
    growth: list[list[float]] = [[] for _ in devices]

    def grow(t: float) -> list[float]:
        out = []
        for device in devices:
            device.fill = 0.0
            device.step(t)
            out.append(float(device.fill))
        return out

    # warm-up: fixed daily rounds, building the history the forecaster starts from
    t = warm_start
    for warm_day in range(config.warmup_days):
        for k in range(len(devices)):
            for p in POLICIES:
                fills[p][k] = residue(k, warm_day - config.warmup_days)
        for _hour in range(24):
            t += HOUR
            for k, inc in enumerate(grow(t)):
                for p in POLICIES:
                    fills[p][k] = min(1.0, fills[p][k] + inc)
                history[k].append((t, fills["dosi"][k]))
    # the fixed rounds: planned once for every bin with its mean daily volume
    mean_daily = [max(1, round(_daily_rise(history[k]) * litres[k])) for k in range(len(devices))]
    fixed_plan = route_stops(
        [Stop(ids[k], where[k], mean_daily[k]) for k in range(len(devices))],
        fleet,
        network=network,
        detour=config.detour,
        time_limit=config.time_limit * 2,
    )
    fixed_dropped = set(fixed_plan.dropped)
    report = Report(config)
    total_steps = config.days
    for day_index in range(config.days):
        round_start = first + day_index * 86_400.0
        day = calendar.day(round_start).isoformat()
        # fixed: every bin on the fixed routes
        for k in range(len(devices)):
            if ids[k] not in fixed_dropped:
                fills["fixed"][k] = residue(k, day_index)
        fixed_count = len(devices) - len(fixed_dropped)
        # dosi: forecast and route the due bins
        since = round_start - config.history_days * 86_400.0
        containers = []
        for k in range(len(devices)):
            series = [(s, v) for s, v in history[k] if s >= since]
            model = fit([s for s, _ in series], [v for _, v in series], calendar)
            containers.append(Container(ids[k], where[k], litres[k], model))
        plan = plan_round(
            RoundRequest(
                containers=tuple(containers),
                threshold=config.threshold,
                round_start=round_start,
                next_round=round_start + 86_400.0,
                calendar=calendar,
                fleet=fleet,
                network=network,
                detour=config.detour,
                time_limit=config.time_limit,
            )
        )
        dropped = set(plan.solution.dropped)
        index = {cid: k for k, cid in enumerate(ids)}
        collected = [index[d.container.id] for d in plan.due if d.container.id not in dropped]
        for k in collected:
            fills["dosi"][k] = residue(k, day_index)
        full = {p: [False] * len(devices) for p in POLICIES}
        for _hour in range(24):
            t = round_start + (_hour + 1) * HOUR
            for k, inc in enumerate(grow(t)):
                growth[k].append(inc)
                for p in POLICIES:
                    fills[p][k] = min(1.0, fills[p][k] + inc)
                    if fills[p][k] >= 1.0:
                        full[p][k] = True
                history[k].append((t, fills["dosi"][k]))
        report.rows.append(
            DayRow(
                day,
                "fixed",
                fixed_count,
                round(fixed_plan.distance / 1000, 2),
                sum(full["fixed"]),
                len(fixed_plan.dropped),
            )
        )
        report.rows.append(
            DayRow(
                day,
                "dosi",
                len(collected),
                round(plan.solution.distance / 1000, 2),
                sum(full["dosi"]),
                len(dropped),
            )
        )
        if progress is not None:
            progress(day_index + 1, total_steps)
    report.bound_collections = sum(_fewest_collections(g) for g in growth)
    return report


def _daily_rise(series: list[tuple[float, float]]) -> float:
    """Mean fill added per day over a history of daily-emptied bins."""
    rises = [b[1] - a[1] for a, b in itertools.pairwise(series) if b[1] >= a[1]]
    return sum(rises) / max(1, len(series)) * 24


def _fewest_collections(increments: list[float]) -> int:
    """Hindsight: empty only when the bin would otherwise be full before the next round."""
    count, level = 0, 0.04
    days = [increments[i : i + 24] for i in range(0, len(increments), 24)]
    for day in days:
        if level + sum(day) >= 1.0:
            count += 1
            level = 0.0
        level += sum(day)
    return count


__all__ = ["DayRow", "Report", "ReportConfig", "simulate"]
