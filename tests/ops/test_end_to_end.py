"""End to end on real processes: ``dosi serve`` and ``dosi agency-sim``.

A river gauge (WaterObserved) rises past its threshold → a signal → an incident → it is
not acknowledged in time and escalates → the 119 and disaster-safety services receive
signed messages → a public CAP alert in three languages, XSD-valid → resolve → close
(the alert is cancelled) → the audit trail holds every step.

The signal comes from a threshold rule created through the rules engine's API
(``/ops/rules``), fired by the gauge's new reading.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from lxml import etree

from dosi.api.media import link_header
from dosi.ops.cap import NS, validate
from dosi.ops.incidents.atom import ATOM
from dosi.ops.incidents.const import ALERT_CONTEXT
from tests.live import LiveServer, live_dosi
from tests.ops.services.conftest import SECRET, AgencySim, start_agency, stop_agency

pytestmark = pytest.mark.slow

T = TypeVar("T")
ENVIRONMENT = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/"
    "context.jsonld"
)
DEVICE = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Device/master/context.jsonld"
)
GAUGE_ID = "urn:ngsi-ld:WaterObserved:geum-hansol"
SPOT = [127.2890, 36.4800]
THRESHOLD = 4.0
RULE = {
    "id": "geum-high-water",
    "name": {"ko": "금강 고수위", "zh": "锦江高水位", "en": "Geum river high water"},
    "entity_type": "WaterObserved",
    "context": ENVIRONMENT,
    "attribute": "height",
    "category": "flood",
    "severity": "major",
    "condition": {"kind": "threshold", "value": THRESHOLD, "clear": 3.5},
}


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgencySim]:
    sim = start_agency(tmp_path_factory.mktemp("e2e-agency") / "agency.log")
    try:
        yield sim
    finally:
        stop_agency(sim)


@pytest.fixture
def dosi(agency: AgencySim, tmp_path: Path) -> Iterator[LiveServer]:
    ops = {
        "adapters": {
            "119-dispatch": {
                "kind": "dispatch119",
                "url": f"{agency.url}/119",
                "secret": SECRET,
                "categories": ["fire", "flood"],
            },
            "disaster": {
                "kind": "disaster",
                "url": f"{agency.url}/disaster",
                "secret": SECRET,
                "categories": ["flood", "fire", "air"],
            },
            "112-video": {
                "kind": "video112",
                "url": f"{agency.url}/112",
                "secret": SECRET,
                "categories": ["crime"],
            },
        },
        "escalate_after": {"major": 2.0},
        "escalation_check_every": 0.5,
        "delivery_backoff": 0.1,
        "city": "Sejong",
        "cap_sender": "ioc@sejong.go.kr",
    }
    with live_dosi("serve", tmp_path, env={"DOSI_OPS": json.dumps(ops)}) as server:
        yield server


def gauge(height: float) -> dict[str, Any]:
    return {
        "id": GAUGE_ID,
        "type": "WaterObserved",
        "height": {"type": "Property", "value": height, "unitCode": "MTR"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": SPOT}},
        "@context": ENVIRONMENT,
    }


def camera() -> dict[str, Any]:
    south = [SPOT[0], SPOT[1] - 0.00027]
    cone = [south, [SPOT[0] - 0.0004, SPOT[1] + 0.0003], [SPOT[0] + 0.0004, SPOT[1] + 0.0003]]
    return {
        "id": "urn:ngsi-ld:Device:cctv-hansol-bridge",
        "type": "Device",
        "category": {"type": "Property", "value": ["camera"]},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": south}},
        "observationSpace": {
            "type": "GeoProperty",
            "value": {"type": "Polygon", "coordinates": [[*cone, south]]},
        },
        "@context": DEVICE,
    }


def test_river_rise_to_closed_incident(dosi: LiveServer, agency: AgencySim) -> None:
    ld = {"Content-Type": "application/ld+json"}
    with httpx.Client(base_url=dosi.url, timeout=10) as http:
        for body in (gauge(2.5), camera()):
            created = http.post("/ngsi-ld/v1/entities", json=body, headers=ld)
            assert created.status_code == 201, created.text
        rule = http.post("/ops/rules", json=RULE)
        assert rule.status_code == 201, rule.text

        # the river rises
        rise = {"height": {"type": "Property", "value": 4.6, "unitCode": "MTR"}}
        patched = http.patch(
            f"/ngsi-ld/v1/entities/{GAUGE_ID}/attrs",
            json=rise,
            headers={"Link": link_header(ENVIRONMENT)},
        )
        assert patched.status_code == 204, patched.text

        def flood() -> dict[str, Any] | None:
            found = http.get("/ops/incidents", params={"category": "flood"}).json()
            return found[0] if found else None

        incident = eventually(flood, "the flood incident")
        incident_id = incident["id"]
        assert incident["state"] == "detected" and incident["entityIds"] == [GAUGE_ID]
        assert incident["alertSource"] == "rule:geum-high-water@1"
        assert incident["severity"] == "major" and incident["readings"]["height"] == 4.6
        assert incident["title"] == RULE["name"]
        path = f"/ops/incidents/{incident_id}"

        # not acknowledged within 2 s: escalates, and 119 + disaster are told
        def escalated() -> dict[str, Any] | None:
            view: dict[str, Any] = http.get(path).json()
            return view if view.get("escalationLevel", 0) >= 1 else None

        view = eventually(escalated, "the escalation")
        assert view["severity"] == "critical"

        def messages() -> list[dict[str, Any]] | None:
            got = [r for r in agency.received() if r["message"]["incident"]["id"] == incident_id]
            return got if len(got) >= 2 else None

        received = eventually(messages, "the agencies' messages")
        assert sorted(r["service"] for r in received) == ["119-dispatch", "disaster"]
        for item in received:
            headers = {k.lower(): v for k, v in item["headers"].items()}
            assert headers["x-dosi-signature"].startswith("v1=")  # verified by the agency
            assert item["message"]["event"] == "escalation"
            assert item["message"]["incident"]["severity"] == "critical"
        by_service = {r["service"]: r["message"] for r in received}
        cameras = by_service["119-dispatch"]["context"]["cameras"]
        assert [c["id"] for c in cameras] == ["urn:ngsi-ld:Device:cctv-hansol-bridge"]

        # the receipts come back onto the incident, with the agencies' references
        def receipts() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = http.get(path).json().get("deliveries") or []
            return found if len(found) >= 2 else None

        references = {r["service"]: r["reference"] for r in eventually(receipts, "receipts")}
        assert references == {r["service"]: r["reference"] for r in received}
        services = http.get("/ops/services").json()
        assert {r["reference"] for r in services["receipts"]} >= set(references.values())

        # the public alert: Alert at major, Update at critical, listed in the Atom feed
        view = http.get(path).json()
        assert [a["msgType"] for a in view["capAlerts"]] == ["Alert", "Update"]
        feed = etree.fromstring(http.get("/ops/cap/feed.atom").content)
        [entry] = feed.findall(f"{{{ATOM}}}entry")
        href = entry.find(f"{{{ATOM}}}link").get("href")
        xml = http.get(href).content
        validate(xml)
        root = etree.fromstring(xml)
        assert root.findtext(f"{{{NS}}}msgType") == "Update"
        languages = [e.text for e in root.iter(f"{{{NS}}}language")]
        assert languages == ["ko-KR", "zh-CN", "en-US"]
        headlines = [e.text or "" for e in root.iter(f"{{{NS}}}headline")]
        assert "홍수" in headlines[0] and "洪水" in headlines[1] and "Flood" in headlines[2]
        first = http.get(f"/ops/cap/alerts/{view['capAlerts'][0]['identifier']}.xml").content
        validate(first)
        assert etree.fromstring(first).findtext(f"{{{NS}}}msgType") == "Alert"

        # the operator takes over: acknowledge, resolve, close
        for action in ("acknowledge", "resolve", "close"):
            response = http.post(f"{path}/{action}")
            assert response.status_code == 200, response.text
        refused = http.post(f"{path}/acknowledge")
        assert refused.status_code == 409
        view = http.get(path).json()
        assert view["state"] == "closed"
        assert [a["msgType"] for a in view["capAlerts"]] == ["Alert", "Update", "Cancel"]
        cancel = http.get(f"/ops/cap/alerts/{view['capAlerts'][2]['identifier']}.xml").content
        validate(cancel)
        cancel_root = etree.fromstring(cancel)
        assert cancel_root.findtext(f"{{{NS}}}msgType") == "Cancel"
        assert view["capAlerts"][0]["identifier"] in cancel_root.findtext(f"{{{NS}}}references", "")
        feed = etree.fromstring(http.get("/ops/cap/feed.atom").content)
        assert feed.findall(f"{{{ATOM}}}entry") == []

        # every step is in the audit trail
        trail = http.get(f"{path}/audit").json()
        actions = [e["action"] for e in trail]
        for step in (
            "created",
            "cap:Alert",
            "escalated",
            "cap:Update",
            "state:acknowledged",
            "state:resolved",
            "cap:Cancel",
            "state:closed",
        ):
            assert step in actions, (step, actions)
        assert actions.count("delivery:delivered") == 2
        assert (
            actions.index("created")
            < actions.index("escalated")
            < actions.index("state:acknowledged")
            < actions.index("state:resolved")
            < actions.index("state:closed")
        )
        escalation = trail[actions.index("escalated")]
        assert escalation["before"]["severity"] == "major"
        assert escalation["after"]["severity"] == "critical"
        # and the incident's history is in the temporal API
        temporal = http.get(
            f"/ngsi-ld/v1/temporal/entities/{incident_id}",
            params={"attrs": "state"},
            headers={"Link": link_header(ALERT_CONTEXT)},
        )
        assert temporal.status_code == 200, temporal.text
        states = [i["value"] for i in temporal.json()["state"]]
        assert states[0] == "detected" and states[-1] == "closed"
