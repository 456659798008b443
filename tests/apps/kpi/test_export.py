"""Reports as JSON, CSV and HTML parse with ordinary parsers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import lxml.etree
import lxml.html

from dosi.apps.kpi.dataset import Dataset
from dosi.apps.kpi.definitions import INDICATORS
from dosi.apps.kpi.export import CSV_COLUMNS, render
from dosi.apps.kpi.report import Report, compute
from dosi.apps.kpi.settings import KpiSettings
from dosi.apps.kpi.svg import bar_chart
from dosi.platform import Sample

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 3, tzinfo=UTC)


def report() -> Report:
    aqi = [
        Sample("a", "airQualityIndex", START + timedelta(hours=h), v)
        for h, v in ((1, 80), (30, 130))
    ]
    data = Dataset(
        START,
        END,
        entities={
            "WasteContainer": [
                {"id": "w1", "fillingLevel": {"type": "Property", "value": 0.5}},
                {"id": "w2"},
            ]
        },
        history={("AirQualityObserved", "airQualityIndex"): aqi},
    )
    return compute(data, KpiSettings(), END)


def test_json() -> None:
    body = json.loads(render(report(), "json"))
    assert body["period"] == {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-11-03T00:00:00Z",
        "timezone": "UTC",
    }
    by_id = {i["id"]: i for i in body["indicators"]}
    assert len(by_id) == len(INDICATORS)
    assert by_id["dosi-waste-telemetry"]["value"] == 50.0
    assert by_id["dosi-air-days-above"]["value"] == 1.0
    assert by_id["dosi-air-days-above"]["series"] == [
        {"label": "2026-11-01", "value": 80.0},
        {"label": "2026-11-02", "value": 130.0},
    ]
    assert by_id["iso37120-8.1"]["value"] is None
    assert by_id["iso37120-8.1"]["status"] == "no-data"
    assert by_id["iso37120-8.1"]["name"]["ko"] == "초미세먼지(PM2.5) 농도"


def test_csv() -> None:
    rows = list(csv.DictReader(io.StringIO(render(report(), "csv"))))
    assert len(rows) == len(INDICATORS)
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {r["id"]: r for r in rows}
    assert float(by_id["dosi-waste-telemetry"]["value"]) == 50.0
    assert by_id["dosi-waste-telemetry"]["unit"] == "%"
    assert json.loads(by_id["dosi-waste-telemetry"]["detail"]) == {
        "denominator": 2,
        "numerator": 1,
    }
    assert by_id["iso37120-8.1"]["value"] == ""
    assert by_id["iso37120-8.1"]["status"] == "no-data"
    assert by_id["iso37120-8.1"]["name_zh"] == "细颗粒物（PM2.5）浓度"


def test_html_has_a_table_and_inline_charts() -> None:
    for lang, no_data in (("en", "no data"), ("ko", "데이터 없음"), ("zh", "无数据")):
        page = render(report(), "html", lang)
        doc = lxml.html.document_fromstring(page)
        assert doc.get("lang") == lang
        assert len(doc.xpath("//tbody/tr")) == len(INDICATORS)
        assert no_data in doc.text_content()
        charts = doc.xpath("//svg")
        assert len(charts) == 2  # the shares, and the daily air quality index
        assert not doc.xpath("//script") and not doc.xpath("//link")
        assert "http" not in "".join(doc.xpath("//@src"))
    assert "130.0" in page


def test_bar_chart_escapes_and_marks_the_threshold() -> None:
    svg = bar_chart([("<a&b>", 150.0), ("ok", 50.0)], title="T & U", threshold=100)
    root = lxml.etree.fromstring(svg)
    assert root.tag.endswith("svg")
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert [r.get("fill") for r in rects] == ["#c0392b", "#2f6f9f"]
    assert root.find("{http://www.w3.org/2000/svg}line") is not None
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<a&b>" in texts
