"""The printable route sheet: one page per truck, in Korean, Chinese or English.

Drivers work from paper when the cab tablet fails, so the sheet is plain HTML with print
styles, times in the city's local time and a tick box per stop.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from html import escape
from pathlib import Path
from typing import Any, Final

LANGUAGES: Final = ("ko", "zh", "en")
TRANSLATIONS: Final = Path(__file__).parent / "translations"

_STYLE: Final = """
body { font-family: "Noto Sans CJK KR", "Noto Sans CJK SC", sans-serif; margin: 1.5em; }
section { page-break-after: always; }
section:last-child { page-break-after: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; }
td.num { text-align: right; }
.urgent { font-weight: bold; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
@media print { body { margin: 0; } }
"""


@cache
def texts(lang: str) -> dict[str, str]:
    """The sheet's strings in ``lang`` (English for an unknown language)."""
    chosen = lang if lang in LANGUAGES else "en"
    loaded: dict[str, str] = json.loads(
        (TRANSLATIONS / f"{chosen}.json").read_text(encoding="utf-8")
    )
    return loaded


def _local(moment: str, utc_offset: float) -> str:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return (parsed + timedelta(hours=utc_offset)).strftime("%H:%M")


def render_sheet(document: dict[str, Any], lang: str = "en", utc_offset: float = 0.0) -> str:
    """The HTML route sheet of a plan document."""
    t = texts(lang)
    lang = lang if lang in LANGUAGES else "en"
    out = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(t['title'])} {escape(document['plannedFor'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
    ]
    routes = [r for r in document["routes"] if r["stops"]]
    if not routes:
        out.append(f"<h1>{escape(t['title'])}</h1><p>{escape(t['no_routes'])}</p>")
    for route in routes:
        out.append("<section>")
        out.append(f"<h1>{escape(t['title'])}</h1><dl>")
        facts = [
            (t["planned_for"], document["plannedFor"]),
            (t["round_start"], _local(route["start"], utc_offset)),
            (t["vehicle"], route["vehicle"]),
            (t["depot"], f"{route['depot'][1]:.5f}, {route['depot'][0]:.5f}"),
            (t["stops"], str(len(route["stops"]))),
            (t["distance"], f"{route['distance'] / 1000:.1f} {t['km']}"),
            (t["duration"], f"{route['duration'] / 60:.0f} {t['min']}"),
            (t["load"], f"{route['load']:,} {t['litres']}"),
            (t["threshold"], f"{document['threshold'] * 100:.0f}%"),
        ]
        out.extend(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
        out.append("</dl><table><thead><tr>")
        for key in ("order", "container", "name", "arrival", "level", "done"):
            out.append(f"<th>{escape(t[key])}</th>")
        out.append("</tr></thead><tbody>")
        for stop in route["stops"]:
            mark = f' class="urgent" title="{escape(t["urgent"])}"' if stop["urgent"] else ""
            out.append(
                f"<tr{mark}><td class='num'>{stop['order']}</td>"
                f"<td>{escape(stop['id'])}</td><td>{escape(stop.get('name') or '')}</td>"
                f"<td>{_local(stop['arrival'], utc_offset)}</td>"
                f"<td class='num'>{stop['level'] * 100:.0f}%</td><td>☐</td></tr>"
            )
        out.append("</tbody></table></section>")
    if document["dropped"]:
        out.append(f"<section><h2>{escape(t['dropped'])}</h2><ul>")
        out.extend(f"<li>{escape(cid)}</li>" for cid in document["dropped"])
        out.append("</ul></section>")
    out.append("</body></html>")
    return "".join(out)


__all__ = ["LANGUAGES", "render_sheet", "texts"]
