"""The report's figure: cumulative distance, collections and overflows per policy."""

from __future__ import annotations

import itertools
from pathlib import Path

from dosi.apps.waste.report import Report

LABELS = {"fixed": "fixed daily rounds", "dosi": "dosi predictive"}


def save_plot(report: Report, stem: Path) -> list[Path]:
    """Write ``stem``.png and ``stem``.svg; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    for policy, label in LABELS.items():
        rows = [r for r in report.rows if r.policy == policy]
        days = list(range(1, len(rows) + 1))
        axes[0].plot(days, list(itertools.accumulate(r.distance_km for r in rows)), label=label)
        axes[1].plot(days, list(itertools.accumulate(r.collections for r in rows)), label=label)
        axes[2].plot(days, list(itertools.accumulate(r.overflows for r in rows)), label=label)
    titles = ("distance driven (km)", "bin collections", "overflows (bin-days)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
        ax.legend()
    config = report.config
    figure.suptitle(
        f"{config.bins} bins, {config.trucks} trucks, {config.days} days, "
        f"threshold {config.threshold:.0%} ({config.city})"
    )
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        figure.savefig(path, dpi=110)
    plt.close(figure)
    return paths


__all__ = ["save_plot"]
