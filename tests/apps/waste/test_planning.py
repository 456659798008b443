"""Choosing the due bins, and the plan's entities, GeoJSON and route sheet."""

from __future__ import annotations

from datetime import date

import pytest

from dosi.apps.waste.forecast import Calendar, FillModel
from dosi.apps.waste.output import geojson, plan_document, route_entities
from dosi.apps.waste.planning import Budget, Container, RoundRequest, choose_due, plan_round
from dosi.apps.waste.routing import Fleet
from dosi.apps.waste.sheet import render_sheet

CAL = Calendar(0.0)
NOW = 1_793_577_600.0  # Monday 00:00 UTC
ROUND = NOW + 6 * 3600
NEXT = ROUND + 86_400
DEPOT = (127.0, 36.5)


def bin_(name: str, level: float, rate: float, *, pairs: int = 10) -> Container:
    where = (127.0 + 0.001 * len(name), 36.5 + 0.001 * level)
    return Container(name, where, 1000, FillModel(level, NOW, rate, pairs=pairs))


def test_due_bins() -> None:
    containers = [
        bin_("over", 0.85, 0.1),  # already over the threshold
        bin_("soon", 0.5, 0.3),  # 0.8 at Monday 24:00, before the next round
        bin_("later", 0.3, 0.3),  # 0.8 on Tuesday afternoon, after the next round
        bin_("slow", 0.1, 0.01),
    ]
    due = choose_due(containers, 0.8, ROUND, NEXT, CAL)
    assert [d.container.id for d in due] == ["over", "soon"]
    assert due[0].urgent and not due[1].urgent
    assert due[1].level == pytest.approx(0.5 + 0.3 / 4)
    assert due[1].demand == 575


def test_bins_without_a_model_use_the_others_rate() -> None:
    known = [bin_(f"k{i}", 0.1, 0.5) for i in range(3)]
    unknown = Container("u", (127.0, 36.5), 500, None, level=0.5, at=NOW)
    silent = Container("s", (127.0, 36.5), 500, None)
    due = choose_due([*known, unknown, silent], 0.8, ROUND, NEXT, CAL)
    assert [d.container.id for d in due] == ["u"]


def test_bins_are_brought_forward_when_the_next_round_is_too_big() -> None:
    today = [bin_(f"t{i}", 0.7, 0.2) for i in range(2)]  # due: 0.8 before tomorrow
    tomorrow = [bin_(f"n{i}", 0.5 + 0.01 * i, 0.2) for i in range(6)]  # due tomorrow
    containers = today + tomorrow
    plain = choose_due(containers, 0.8, ROUND, NEXT, CAL)
    assert {d.container.id for d in plain} == {"t0", "t1"}
    roomy = choose_due(containers, 0.8, ROUND, NEXT, CAL, Budget(litres=100_000, stops=100))
    assert {d.container.id for d in roomy} == {"t0", "t1"}
    # tomorrow's six bins hold ~4.7 m³ but the fleet takes 3 m³ and 4 stops a round
    tight = choose_due(containers, 0.8, ROUND, NEXT, CAL, Budget(litres=3_000, stops=4))
    moved = [d.container.id for d in tight if d.container.id.startswith("n")]
    assert moved == ["n5", "n4"]  # the fullest first, until tomorrow fits
    assert not any(d.urgent for d in tight if d.container.id in moved)


def request_for(containers: list[Container], trucks: int = 2) -> RoundRequest:
    return RoundRequest(
        containers=tuple(containers),
        threshold=0.8,
        round_start=ROUND,
        next_round=NEXT,
        calendar=CAL,
        fleet=Fleet(trucks=trucks, capacity=10_000, depots=(DEPOT,)),
        time_limit=0.3,
    )


@pytest.fixture
def document() -> dict[str, object]:
    containers = [bin_(f"urn:ngsi-ld:WasteContainer:{i}", 0.9, 0.2) for i in range(4)]
    containers.append(bin_("urn:ngsi-ld:WasteContainer:empty", 0.1, 0.1))
    request = request_for(containers)
    planned = plan_round(request)
    return plan_document(date(2026, 11, 2), request, planned, created=NOW)


def test_plan_document(document: dict[str, object]) -> None:
    assert document["plannedFor"] == "2026-11-02"
    assert document["due"] == document["collected"] == 4
    assert document["containers"] == 5
    routes = document["routes"]
    assert isinstance(routes, list) and len(routes) == 2
    stops = [s for r in routes for s in r["stops"]]
    assert sorted(s["order"] for s in stops if s) == sorted(
        i + 1 for r in routes for i in range(len(r["stops"]))
    )
    assert all(s["arrival"].startswith("2026-11-02T") for s in stops)


def test_route_entities(document: dict[str, object]) -> None:
    entities = route_entities(document)
    assert len(entities) == 2
    used = [e for e in entities if e["stopCount"]["value"]]
    for entity in used:
        assert entity["type"] == "CollectionRoute"
        assert entity["location"]["value"]["type"] == "LineString"
        assert entity["refVehicle"]["object"].startswith("urn:ngsi-ld:Vehicle:")
        objects = [o["object"] for o in entity["refWasteContainers"]["objectList"]]
        assert len(objects) == entity["stopCount"]["value"]
        assert entity["plannedFor"]["value"] == "2026-11-02"


def test_geojson(document: dict[str, object]) -> None:
    collection = geojson(document)
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("stop") == 4
    assert kinds.count("route") >= 1
    line = next(f for f in collection["features"] if f["properties"]["kind"] == "route")
    assert line["geometry"]["coordinates"][0] == [127.0, 36.5]


@pytest.mark.parametrize(
    ("lang", "word"), [("ko", "수거"), ("zh", "收运"), ("en", "route sheet"), ("xx", "route")]
)
def test_sheet_languages(document: dict[str, object], lang: str, word: str) -> None:
    html = render_sheet(document, lang, utc_offset=9.0)
    assert word in html
    assert "urn:ngsi-ld:WasteContainer:0" in html
    assert "<script" not in html
    assert "15:" in html  # 06:00 UTC is 15:00 in Seoul


def test_sheet_escapes_names() -> None:
    containers = [
        Container("urn:x:1", DEPOT, 100, FillModel(0.9, NOW, 0.1), name="<b>bin</b>"),
    ]
    request = request_for(containers, trucks=1)
    doc = plan_document(date(2026, 11, 2), request, plan_round(request), created=NOW)
    html = render_sheet(doc, "en")
    assert "&lt;b&gt;bin&lt;/b&gt;" in html
    empty = {**doc, "routes": [], "dropped": []}
    assert "No bin is due" in render_sheet(empty, "en")
