"""The planner the app runs: reads bins and their history through the platform, plans a
round in the process pool, writes the routes back as entities and keeps the latest plan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dosi.apps.waste.const import CAPACITY, CONTAINER, DEFAULT_BIN_LITRES, FILL, LOCATION
from dosi.apps.waste.forecast import Calendar, fit_all
from dosi.apps.waste.history import FillHistory, as_fraction
from dosi.apps.waste.network import Coord, RoadNetwork
from dosi.apps.waste.output import plan_document, route_entities
from dosi.apps.waste.planning import Container, RoundRequest, plan_round
from dosi.apps.waste.routing import Fleet
from dosi.apps.waste.settings import WasteSettings
from dosi.errors import BadRequestData
from dosi.platform import Platform

logger = logging.getLogger(__name__)

#: Stages reported to a progress callback: (stage, done, total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """One plan's parameters; None falls back to the app's settings."""

    day: date | None = None
    trucks: int | None = None
    capacity: int | None = None
    threshold: float | None = None
    time_limit: float | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> PlanRequest:
        """From query parameters or a JSON body (strings or numbers); BadRequestData."""
        try:
            day = raw.get("date")
            request = cls(
                day=date.fromisoformat(str(day)) if day else None,
                trucks=_optional(raw, "trucks", int),
                capacity=_optional(raw, "capacity", int),
                threshold=_optional(raw, "threshold", float),
                time_limit=_optional(raw, "timeLimit", float, alias="time_limit"),
            )
        except (TypeError, ValueError) as exc:
            raise BadRequestData(f"invalid plan parameter: {exc}") from None
        if request.trucks is not None and not 1 <= request.trucks <= 100:
            raise BadRequestData("trucks must be between 1 and 100")
        if request.capacity is not None and request.capacity < 1:
            raise BadRequestData("capacity must be positive (litres)")
        if request.threshold is not None and not 0 < request.threshold <= 1:
            raise BadRequestData("threshold is a fraction in (0, 1]")
        if request.time_limit is not None and not 0 < request.time_limit <= 600:
            raise BadRequestData("timeLimit must be between 0 and 600 seconds")
        return request


def _optional(
    raw: dict[str, Any], key: str, kind: Callable[[Any], Any], alias: str | None = None
) -> Any:
    value = raw.get(key, raw.get(alias) if alias else None)
    return None if value in (None, "") else kind(value)


@dataclass(frozen=True, slots=True)
class CityFacts:
    """What the simulator layout (or the settings) tells about the city."""

    calendar: Calendar
    depots: tuple[Coord, ...]
    network: RoadNetwork | None


def city_facts(settings: WasteSettings) -> CityFacts:
    network: RoadNetwork | None = None
    depots = tuple((float(lon), float(lat)) for lon, lat in settings.depots)
    offset = settings.utc_offset_hours
    holidays: frozenset[date] = frozenset()
    if settings.city:
        from dosi.sim.city import CITIES, build_city

        spec = CITIES.get(settings.city)
        if spec is None:
            raise BadRequestData(f"unknown city {settings.city!r}")
        layout = build_city(spec, settings.seed)
        network = RoadNetwork(
            tuple(layout.nodes), tuple((r.start, r.end, r.length) for r in layout.roads)
        )
        depots = depots or tuple(layout.depots)
        holidays = spec.holidays
        offset = spec.utc_offset if offset is None else offset
    if not depots:
        raise BadRequestData("no depot: set depots or a simulated city in the waste settings")
    return CityFacts(Calendar(offset or 0.0, holidays), depots, network)


class Planner:
    """Plans collection rounds for one platform (one app instance)."""

    def __init__(self, platform: Platform, settings: WasteSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.facts = city_facts(settings)
        self.latest: dict[str, dict[str, Any]] = {}
        self.history = FillHistory(platform, FILL)
        #: One plan at a time: plans share the history window and the trucks.
        self._lock = asyncio.Lock()

    def round_start(self, day: date) -> float:
        hours, _, minutes = self.settings.shift_start.partition(":")
        start = self.facts.calendar.day_start(day)
        return start + int(hours) * 3600 + int(minutes or 0) * 60

    def default_day(self, now: float) -> date:
        """Today if today's shift has not started yet, else tomorrow (local)."""
        today = self.facts.calendar.day(now)
        return today if now < self.round_start(today) else today + timedelta(days=1)

    async def containers(
        self, now: float, *, tenant: str = "", progress: Progress | None = None
    ) -> list[Container]:
        """Every WasteContainer with its fill model fitted on the ``history_days`` before
        ``now``."""
        entities = await self.platform.entities.query(CONTAINER, tenant=tenant)
        located = [(e, _point(e.get(LOCATION))) for e in entities]
        placed = [(e, where) for e, where in located if where is not None]

        def on_read(done: int, total: int) -> None:
            if progress is not None:
                progress("history", done, total)

        start = now - self.settings.history_days * 86_400
        series = await self.history.read(
            [e["id"] for e, _ in placed], start, now, tenant=tenant, progress=on_read
        )
        ordered = [([t for t, _ in s], [v for _, v in s]) for s in series.values()]
        models = await self.platform.run_cpu(fit_all, ordered, self.facts.calendar)
        out = []
        for (entity, location), (times, values), model in zip(placed, ordered, models, strict=True):
            level = _number(entity.get(FILL)) if not times else values[-1]
            out.append(
                Container(
                    id=entity["id"],
                    location=location,
                    litres=int(_number(entity.get(CAPACITY)) or DEFAULT_BIN_LITRES),
                    model=model,
                    level=as_fraction(level) if level is not None else None,
                    at=times[-1] if times else _observed(entity.get(FILL)),
                    name=_text(entity.get("name")),
                )
            )
        return out

    async def plan(
        self,
        request: PlanRequest,
        *,
        tenant: str = "",
        now: float | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Plan the round of ``request.day``, write its routes, return the plan document."""
        async with self._lock:
            return await self._plan(request, tenant, now, progress)

    async def _plan(
        self, request: PlanRequest, tenant: str, now: float | None, progress: Progress | None
    ) -> dict[str, Any]:
        moment = datetime.now(UTC).timestamp() if now is None else now
        settings = self.settings
        day = request.day or self.default_day(moment)
        round_start = self.round_start(day)
        # the forecast sees what was known when the round starts (a past day replays)
        seen = min(moment, round_start)
        containers = await self.containers(seen, tenant=tenant, progress=progress)
        fleet = Fleet(
            trucks=request.trucks or settings.trucks,
            capacity=request.capacity or settings.capacity,
            depots=self.facts.depots,
            shift_seconds=round(settings.shift_hours * 3600),
            service_seconds=settings.service_seconds,
            speed_mps=settings.speed_kmh / 3.6,
        )
        round_request = RoundRequest(
            containers=tuple(containers),
            threshold=request.threshold or settings.threshold,
            round_start=round_start,
            next_round=self.round_start(day + timedelta(days=1)),
            calendar=self.facts.calendar,
            fleet=fleet,
            network=self.facts.network,
            detour=settings.detour,
            time_limit=request.time_limit or settings.time_limit,
        )
        if progress is not None:
            progress("solve", 0, 1)
        planned = await self.platform.run_cpu(plan_round, round_request)
        document = plan_document(day, round_request, planned, created=moment)
        if progress is not None:
            progress("solve", 1, 1)
        await self.platform.entities.upsert(route_entities(document), tenant=tenant)
        if progress is not None:
            progress("write", 1, 1)
        self.latest[tenant] = document
        logger.info(
            "planned %d routes for %s: %d of %d bins due, %.1f km",
            sum(1 for r in document["routes"] if r["stops"]),
            day.isoformat(),
            document["due"],
            document["containers"],
            document["distance"] / 1000,
        )
        return document


def _number(attr: Any) -> float | None:
    value = attr.get("value") if isinstance(attr, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _observed(attr: Any) -> float | None:
    moment = attr.get("observedAt") if isinstance(attr, dict) else None
    if isinstance(moment, str):
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
    return None


def _text(attr: Any) -> str | None:
    value = attr.get("value") if isinstance(attr, dict) else None
    return value if isinstance(value, str) else None


def _point(attr: Any) -> Coord | None:
    value = attr.get("value") if isinstance(attr, dict) else None
    if isinstance(value, dict) and value.get("type") == "Point":
        coordinates: Sequence[float] = value.get("coordinates") or ()
        if len(coordinates) >= 2:
            return (float(coordinates[0]), float(coordinates[1]))
    return None


__all__ = ["CityFacts", "PlanRequest", "Planner", "city_facts"]
