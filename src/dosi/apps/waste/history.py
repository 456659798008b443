"""The bins' fill-level history, read through the platform and kept between plans.

Two weeks of readings for a city's bins are hundreds of thousands of history rows, and
reading them is most of a plan's time. The first plan reads the whole window; later
plans read only what was stored since (and the full window of bins never seen before),
and drop what fell out of the window. A plan for an earlier day reads afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dosi.platform import Platform

#: Entity ids per history read (keeps each store query small).
CHUNK = 100
Series = list[tuple[float, float]]
Progress = Callable[[int, int], None]


@dataclass
class _Window:
    start: float
    end: float
    series: dict[str, Series] = field(default_factory=dict)


class FillHistory:
    """(epoch seconds, fill fraction) per bin, oldest first, for one attribute."""

    def __init__(self, platform: Platform, attr: str) -> None:
        self.platform = platform
        self.attr = attr
        self._windows: dict[str, _Window] = {}

    async def read(
        self,
        ids: Sequence[str],
        start: float,
        end: float,
        *,
        tenant: str = "",
        progress: Progress | None = None,
    ) -> dict[str, Series]:
        """Readings of ``ids`` in ``[start, end)``."""
        window = self._windows.get(tenant)
        if window is None or end < window.end or start < window.start:
            window = _Window(start, start)
        known = [i for i in ids if i in window.series]
        new = [i for i in ids if i not in window.series]
        total = len(known) + len(new)
        done = 0
        for chunk in _chunks(new):
            await self._fetch(chunk, window, start, end, tenant)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        if window.end < end:
            for chunk in _chunks(known):
                await self._fetch(chunk, window, window.end, end, tenant)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        window.start, window.end = start, end
        for series in window.series.values():
            cut = next((k for k, (t, _) in enumerate(series) if t >= start), len(series))
            del series[:cut]
        self._windows[tenant] = window
        if progress is not None:
            progress(total, total)
        return {i: window.series[i] for i in ids}

    async def _fetch(
        self, ids: Sequence[str], window: _Window, start: float, end: float, tenant: str
    ) -> None:
        for i in ids:
            window.series.setdefault(i, [])
        samples = await self.platform.history(
            ids,
            [self.attr],
            start=datetime.fromtimestamp(start, UTC),
            end=datetime.fromtimestamp(end, UTC),
            tenant=tenant,
        )
        for sample in samples:
            value = sample.value
            if isinstance(value, int | float) and not isinstance(value, bool):
                point = (sample.at.timestamp(), as_fraction(float(value)))
                window.series[sample.entity_id].append(point)
        for i in ids:
            window.series[i].sort()


def as_fraction(value: float) -> float:
    """Fill levels are fractions (Smart Data Models); a value over 1 is a percentage."""
    return value / 100 if value > 1.0 else value


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[k : k + CHUNK] for k in range(0, len(ids), CHUNK)]


__all__ = ["FillHistory", "as_fraction"]
