"""Inline SVG bar charts for the HTML report (no script, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
VALUE = 90
ROW = 34
BAR = 14
COLOUR = "#2f6f9f"
ALERT = "#c0392b"


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    maximum: float | None = None,
    threshold: float | None = None,
) -> str:
    """Horizontal bars, one per (label, value), each under its label (long names in any
    script fit); bars above ``threshold`` are red and the threshold is a dashed line."""
    top = max([maximum or 0.0, threshold or 0.0, *(v for _, v in rows)]) or 1.0
    span = WIDTH - VALUE
    height = ROW * len(rows) + 6
    suffix = f" {unit}" if unit and unit != "%" else unit
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(rows):
        y = n * ROW
        length = max(0.0, span * value / top)
        colour = ALERT if threshold is not None and value > threshold else COLOUR
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="12">{escape(label)}</text>'
            f'<rect x="0" y="{y + 16}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>'
            f'<text x="{length + 4:.1f}" y="{y + 28}" font-size="12">'
            f"{escape(_number(value) + suffix)}</text>"
        )
    if threshold is not None:
        x = span * threshold / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="{ALERT}" '
            f'stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
