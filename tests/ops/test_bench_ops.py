"""The operations benchmark (bench/bench_ops.py) runs end to end with tiny parameters:
every trigger reading raises exactly one incident, seen on the change feed."""

from __future__ import annotations

import pytest
from bench import bench_ops
from bench.bench_ingest import BROKER

from tests.conftest import need_service

pytestmark = pytest.mark.mqtt


def test_every_trigger_raises_an_incident(capsys: pytest.CaptureFixture[str]) -> None:
    need_service("Mosquitto", *BROKER)
    results = bench_ops.main(
        ["--rate", "0", "--seconds", "1.5", "--triggers", "5", "--fallback", "", "--drain", "5"]
    )
    assert [label for label, _ in results] == [
        "baseline (no background load)",
        "at 0 msg/s (target)",
    ]
    for _, phase in results:
        assert len(phase.traces) == 5
        assert all(t.reading is not None and t.incident is not None for t in phase.traces)
        assert all(0 < latency < 30 for latency in phase.latencies())
        assert phase.feed_dropped == 0
    assert "target p95 ≤ 200 ms" in capsys.readouterr().out
