"""Every indicator formula on small hand-built datasets with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dosi.apps.kpi import formulas as f
from dosi.apps.kpi.dataset import Dataset
from dosi.apps.kpi.definitions import INDICATORS, LANGUAGES
from dosi.apps.kpi.report import compute
from dosi.apps.kpi.settings import KpiSettings
from dosi.platform import Sample

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 4, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def sample(entity: str, attr: str, hours: float, value: Any) -> Sample:
    return Sample(entity, attr, at(hours), value)


def prop(value: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value}


def entity(id_: str, **attrs: Any) -> dict[str, Any]:
    return {"id": id_, **{name: prop(value) for name, value in attrs.items()}}


def test_mean_concentration_weighs_stations_equally() -> None:
    data = Dataset(
        START,
        END,
        history={
            ("AirQualityObserved", "pm25"): [
                sample("a", "pm25", 1, 10),
                sample("a", "pm25", 25, 20),
                sample("a", "pm25", -1, 500),  # before the period
                sample("a", "pm25", 26, "n/a"),  # not a number
                sample("b", "pm25", 2, 40),
            ]
        },
    )
    outcome = f.mean_concentration(data, "pm25", ZoneInfo("UTC"))
    assert outcome.value == pytest.approx((15 + 40) / 2)
    assert outcome.detail == {"stations": 2, "readings": 3}
    assert outcome.series == (("2026-11-01", 25.0), ("2026-11-02", 20.0))
    assert f.mean_concentration(data, "pm10", ZoneInfo("UTC")).value is None


def test_days_above_counts_local_days() -> None:
    data = Dataset(
        START,
        END,
        history={
            ("AirQualityObserved", "airQualityIndex"): [
                sample("a", "airQualityIndex", 1, 80),  # 11-01 10:00 Seoul
                sample("b", "airQualityIndex", 2, 120),  # 11-01 11:00 Seoul: above
                sample("a", "airQualityIndex", 16, 150),  # 11-02 01:00 Seoul: above
                sample("a", "airQualityIndex", 40, 100),  # 11-03 01:00 Seoul: not above
            ]
        },
    )
    outcome = f.days_above(data, 100, SEOUL, "korea")
    assert outcome.value == 2
    assert outcome.detail["days"] == ["2026-11-01", "2026-11-02"]
    assert outcome.detail["daysWithData"] == 3
    assert outcome.series == (("2026-11-01", 120), ("2026-11-02", 150), ("2026-11-03", 100))
    # in UTC the first three readings fall on one day
    assert f.days_above(data, 100, ZoneInfo("UTC"), "korea").value == 1
    assert f.days_above(Dataset(START, END), 100, SEOUL, "us").value is None


def test_shares() -> None:
    data = Dataset(
        START,
        END,
        entities={
            "WasteContainer": [
                entity("w1", fillingLevel=0.4),
                entity("w2", fillingLevel=0),
                entity("w3", status="ok"),
            ],
            "Streetlight": [
                entity("l1", controllingMethod="individual", status="ok"),
                entity("l2", powerState="on", status="defectiveLamp"),
                entity("l3", controllingMethod="manual", status="brokenLantern"),
                entity("l4"),
            ],
            "ParkingSpot": [
                entity("p1", status="free"),
                entity("p2", status="occupied"),
                entity("p3", status="unknown"),
                entity("p4"),
            ],
        },
    )
    waste = f.waste_telemetry(data)
    assert waste.value == pytest.approx(200 / 3)
    assert waste.detail == {"numerator": 2, "denominator": 3}
    assert f.lighting_managed(data).value == 50.0  # l1, l2 of four
    faults = f.lighting_faults(data)
    assert faults.value == pytest.approx(200 / 3)  # two of the three reporting a status
    assert faults.detail["faults"] == {"brokenLantern": 1, "defectiveLamp": 1}
    assert f.parking_realtime(data).value == 50.0
    empty = Dataset(START, END)
    for formula in (f.waste_telemetry, f.lighting_managed, f.lighting_faults, f.parking_realtime):
        assert formula(empty).value is None


def test_incident_response() -> None:
    def alert(detected: float, acknowledged: float | None, category: str) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "detectedAt": prop({"@type": "DateTime", "@value": at(detected).isoformat()}),
            "category": prop(category),
            "state": prop("acknowledged" if acknowledged is not None else "detected"),
        }
        if acknowledged is not None:
            attrs["acknowledgedAt"] = prop(at(acknowledged).isoformat().replace("+00:00", "Z"))
        return {"id": f"urn:a:{detected}", **attrs}

    data = Dataset(
        START,
        END,
        entities={
            "Alert": [
                alert(10, 10 + 5 / 60, "fire"),
                alert(11, 11 + 15 / 60, "flood"),
                alert(12, None, "flood"),
                alert(-5, -4, "fire"),  # detected before the period
            ]
        },
    )
    outcome = f.incident_response(data)
    assert outcome.value == pytest.approx(10.0)
    assert outcome.detail == {"detected": 3, "acknowledged": 2}
    assert [name for name, _ in outcome.series] == ["fire", "flood"]
    assert [v for _, v in outcome.series] == pytest.approx([5.0, 15.0])
    assert f.incident_response(Dataset(START, END)).value is None
    issued = alert(13, 13.5, "fire")  # as the incident service writes it: dateIssued
    issued["dateIssued"] = issued.pop("detectedAt")
    issued["firstSeen"] = prop(at(12.9).isoformat())
    assert f.incident_response(Dataset(START, END, entities={"Alert": [issued]})).value == 30.0
    unacknowledged = Dataset(START, END, entities={"Alert": [alert(12, None, "fire")]})
    assert f.incident_response(unacknowledged).detail == {"detected": 1, "acknowledged": 0}


def test_flood_warnings_count_rises_inside_the_period() -> None:
    a = [
        sample("a", "floodLevel", -1, "normal"),
        sample("a", "floodLevel", 1, "warning"),  # issued
        sample("a", "floodLevel", 2, "alarm"),  # an alarm, not a new warning
        sample("a", "floodLevel", 3, "warning"),
        sample("a", "floodLevel", 4, "attention"),
        sample("a", "floodLevel", 30, "warning"),  # issued (next day)
    ]
    b = [
        sample("b", "floodLevel", -2, "warning"),  # already standing at the start
        sample("b", "floodLevel", 5, "alarm"),
    ]
    data = Dataset(
        START,
        END,
        entities={"FloodMonitoring": [{"id": "a"}], "WaterObserved": [{"id": "b"}]},
        history={("FloodMonitoring", "floodLevel"): a, ("WaterObserved", "floodLevel"): b},
    )
    outcome = f.flood_warnings(data, ZoneInfo("UTC"))
    assert outcome.value == 2
    assert outcome.detail == {"gauges": 2, "alarms": 2}
    assert outcome.series == (("2026-11-01", 1.0), ("2026-11-02", 1.0))
    assert f.flood_warnings(Dataset(START, END), ZoneInfo("UTC")).value is None
    quiet = Dataset(START, END, entities={"FloodMonitoring": [{"id": "a"}]})
    assert f.flood_warnings(quiet, ZoneInfo("UTC")).value == 0


def test_every_indicator_is_documented_and_computed() -> None:
    ids = [i.id for i in INDICATORS]
    assert len(ids) == len(set(ids))
    for indicator in INDICATORS:
        described = indicator.describe()
        assert set(described["name"]) == set(LANGUAGES)
        assert all(described["name"].values()) and all(described["definition"].values())
        assert indicator.formula and indicator.sources and indicator.unit
        assert indicator.conformance in ("standard", "derived", "proxy")
        if indicator.id.startswith("iso37120-"):
            assert indicator.reference and indicator.reference.startswith("ISO 37120:2018 8.")
    report = compute(Dataset(START, END), KpiSettings(), END)
    assert [r.indicator.id for r in report.results] == ids
    assert {r.status for r in report.results} == {"no-data"}
