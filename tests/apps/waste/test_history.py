"""The history window: read once, then only what is new."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from dosi.apps.waste.history import FillHistory, as_fraction
from dosi.platform import Platform, Sample


class FakePlatform:
    def __init__(self, samples: list[Sample]) -> None:
        self.samples = samples
        self.calls: list[tuple[tuple[str, ...], float, float]] = []

    async def history(
        self,
        entity_ids: Sequence[str],
        attrs: Sequence[str],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        tenant: str = "",
    ) -> list[Sample]:
        assert start is not None and end is not None
        self.calls.append((tuple(entity_ids), start.timestamp(), end.timestamp()))
        return [
            s
            for s in self.samples
            if s.entity_id in entity_ids and start <= s.at < end and s.attr in attrs
        ]


def sample(entity: str, t: float, value: Any) -> Sample:
    return Sample(entity, "fillingLevel", datetime.fromtimestamp(t, UTC), value)


async def test_reads_only_what_is_new() -> None:
    samples = [sample("a", t, t / 100) for t in range(0, 50, 10)]
    samples += [sample("b", t, 50) for t in range(0, 50, 10)] + [sample("b", 5, "broken")]
    fake = FakePlatform(samples)
    history = FillHistory(cast(Platform, fake), "fillingLevel")
    first = await history.read(["a", "b"], 0, 30)
    assert first == {"a": [(0, 0.0), (10, 0.1), (20, 0.2)], "b": [(0, 0.5), (10, 0.5), (20, 0.5)]}
    fake.calls.clear()
    seen: list[tuple[int, int]] = []
    later = await history.read(["a", "b", "c"], 10, 50, progress=lambda d, t: seen.append((d, t)))
    assert later["a"] == [(10, 0.1), (20, 0.2), (30, 0.3), (40, 0.4)]
    assert later["c"] == []
    assert fake.calls == [(("c",), 10, 50), (("a", "b"), 30, 50)]
    assert seen[-1] == (3, 3)
    fake.calls.clear()
    await history.read(["a"], 0, 20)  # an earlier window: read afresh
    assert fake.calls == [(("a",), 0, 20)]


def test_percentages() -> None:
    assert as_fraction(85.0) == 0.85
    assert as_fraction(0.85) == 0.85
