"""A report as JSON, CSV or an HTML page with inline SVG charts."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from html import escape
from typing import Any, Final

from dosi.apps.kpi.definitions import LANGUAGES, translations
from dosi.apps.kpi.report import Report, Result
from dosi.apps.kpi.svg import bar_chart

FORMATS: Final = ("json", "csv", "html")
MEDIA_TYPES: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
CSV_COLUMNS: Final = (
    "id",
    "reference",
    "conformance",
    "name_ko",
    "name_zh",
    "name_en",
    "value",
    "unit",
    "status",
    "period_start",
    "period_end",
    "detail",
)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "period": {"start": iso(report.start), "end": iso(report.end), "timezone": report.timezone},
        "createdAt": iso(report.created),
        "indicators": [
            {
                **r.indicator.describe(),
                "value": _rounded(r.value),
                "status": r.status,
                "detail": r.detail,
                "series": [{"label": k, "value": _rounded(v)} for k, v in r.series],
            }
            for r in report.results
        ],
    }


def to_json(report: Report) -> str:
    return json.dumps(as_dict(report), ensure_ascii=False, indent=2)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    text = translations()
    for r in report.results:
        i = r.indicator
        names = [text[lang]["indicators"][i.id]["name"] for lang in LANGUAGES]
        writer.writerow(
            [
                i.id,
                i.reference or "",
                i.conformance,
                *names,
                "" if r.value is None else _rounded(r.value),
                i.unit,
                r.status,
                iso(report.start),
                iso(report.end),
                json.dumps(r.detail, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


STYLE: Final = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}"
    "th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
    "td.value{text-align:right;white-space:nowrap}.no-data{color:#888}"
    "section{margin:1.5rem 0}"
)


def _value_cell(result: Result, labels: dict[str, str]) -> str:
    if result.value is None:
        return f'<td class="value no-data">{escape(labels["no_data"])}</td>'
    return f'<td class="value">{result.value:.{result.indicator.decimals}f}</td>'


def to_html(report: Report, lang: str = "en") -> str:
    text = translations()[lang if lang in LANGUAGES else "en"]
    labels, names, conformance = text["report"], text["indicators"], text["conformance"]
    units: dict[str, str] = text["units"]
    rows = []
    for r in report.results:
        i = r.indicator
        rows.append(
            "<tr>"
            f'<td id="{escape(i.id)}" title="{escape(names[i.id]["definition"])}">'
            f"{escape(names[i.id]['name'])}</td>"
            f"<td>{escape(i.reference or '')}</td>"
            f"<td>{escape(conformance[i.conformance])}</td>"
            f"{_value_cell(r, labels)}<td>{escape(units.get(i.unit, i.unit))}</td>"
            "</tr>"
        )
    shares = [
        (names[r.indicator.id]["name"], r.value)
        for r in report.results
        if r.indicator.unit == "%" and r.value is not None
    ]
    charts = []
    if shares:
        charts.append(
            f"<section><h2>{escape(labels['shares'])}</h2>"
            f"{bar_chart(shares, title=labels['shares'], unit='%', maximum=100)}</section>"
        )
    for r in report.results:
        if not r.series:
            continue
        words = names[r.indicator.id]
        chart = bar_chart(
            r.series,
            title=f"{words['name']}: {words['series']}",
            unit=units.get(r.indicator.series_unit, r.indicator.series_unit),
            threshold=r.detail.get("threshold"),
        )
        charts.append(
            f"<section><h2>{escape(words['name'])}</h2>"
            f"<p>{escape(words['series'])}</p>{chart}</section>"
        )
    period = f"{iso(report.start)} – {iso(report.end)} ({report.timezone})"
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(labels['title'])}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(labels['title'])}</h1>"
        f"<p>{escape(labels['period'])}: {escape(period)}<br>"
        f"{escape(labels['created'])}: {escape(iso(report.created))}</p>"
        f"<table><thead><tr><th>{escape(labels['indicator'])}</th>"
        f"<th>{escape(labels['reference'])}</th><th>{escape(labels['conformance'])}</th>"
        f"<th>{escape(labels['value'])}</th><th>{escape(labels['unit'])}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{''.join(charts)}</body></html>"
    )


def render(report: Report, fmt: str, lang: str = "en") -> str:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        return to_html(report, lang)
    return to_json(report)
