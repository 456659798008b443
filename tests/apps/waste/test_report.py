"""The four-week comparison, on a small city: both policies see the same waste."""

from __future__ import annotations

from dosi.apps.waste.report import ReportConfig, simulate


def test_small_report() -> None:
    config = ReportConfig(bins=30, days=6, warmup_days=7, trucks=2, time_limit=0.2)
    seen: list[int] = []
    report = simulate(config, lambda done, total: seen.append(done))
    assert seen == list(range(1, 7))
    summary = report.summary()
    fixed, dosi = summary["fixed"], summary["dosi"]
    assert fixed["collections"] == 30 * 6
    assert 0 < dosi["collections"] < fixed["collections"]
    assert dosi["distance_km"] < fixed["distance_km"]
    assert dosi["overflows"] <= fixed["overflows"] + 1
    assert report.bound_collections <= dosi["collections"]
    table = report.to_markdown()
    assert "dosi predictive" in table and "hindsight bound" in table
    assert report.to_json()["config"]["start"] == "2026-11-02"
