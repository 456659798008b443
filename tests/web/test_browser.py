"""The control room in a real browser (Debian's chromium, headless) against a real ``dosi demo``.

Screenshots are kept under test-artifacts/web/. Outside CI a missing chromium or playwright
skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from dosi.api.media import link_header
from dosi.demo.sample_city import SDM
from tests.live import LiveServer
from tests.web.browser import LIVE_MS, open_room, shot, show_at, strings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("web-browser")]

TYPES = ("WasteContainer", "AirQualityObserved", "ParkingSpot", "Streetlight", "WaterObserved")


def test_map_shows_entities_of_every_layer(page: Page, server: LiveServer) -> None:
    open_room(page, server)
    counts: dict[str, list[int]] = page.evaluate(
        """(types) => Object.fromEntries(types.map((t) =>
            [t, [dosi.store.count(t), dosi.view.rendered(t).length]]))""",
        list(TYPES),
    )
    for type_, (stored, rendered) in counts.items():
        assert stored > 0, f"no {type_} loaded"
        assert rendered > 0, f"no {type_} marker drawn"
    link = {"Link": link_header(SDM.format("WasteManagement"))}
    api = httpx.get(
        f"{server.url}/ngsi-ld/v1/entities",
        params={"type": "WasteContainer", "count": "true", "limit": "1"},
        headers=link,
    )
    assert counts["WasteContainer"][0] >= int(api.headers["NGSILD-Results-Count"]) > 0
    en = strings("en")
    assert page.locator("#kpi-bins h3").inner_text() == en["overview.bins.title"]
    assert (
        page.locator("#layer-list li[data-type=ParkingSpot] .layer-name").inner_text()
        == (en["type.ParkingSpot"])
    )
    shot(page, "map-en.png")


def test_created_entity_appears_live(page: Page, server: LiveServer) -> None:
    open_room(page, server)
    entity_id = f"urn:ngsi-ld:WasteContainer:browser:{uuid.uuid4().hex[:8]}"
    where = [127.2905, 36.4805]
    body: dict[str, Any] = {
        "id": entity_id,
        "type": "WasteContainer",
        "fillingLevel": {"type": "Property", "value": 0.99},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": where}},
    }
    link = {"Link": link_header(SDM.format("WasteManagement"))}
    started = time.monotonic()
    created = httpx.post(f"{server.url}/ngsi-ld/v1/entities", json=body, headers=link)
    assert created.status_code == 201, created.text
    page.wait_for_function("(id) => !!dosi.store.get(id)", arg=entity_id, timeout=LIVE_MS)
    assert time.monotonic() - started < LIVE_MS / 1000 + 0.5

    show_at(page, where)
    drawn = """([id, level]) => dosi.view.rendered("WasteContainer")
        .some((f) => f.properties.id === id && f.properties.lvl === level)"""
    page.wait_for_function(drawn, arg=[entity_id, 3], timeout=LIVE_MS)
    shot(page, "live-created.png")

    patch = {"fillingLevel": {"type": "Property", "value": 0.1}}
    url = f"{server.url}/ngsi-ld/v1/entities/{entity_id}/attrs"
    assert httpx.patch(url, json=patch, headers=link).status_code == 204
    page.wait_for_function(drawn, arg=[entity_id, 0], timeout=LIVE_MS)

    assert httpx.delete(f"{server.url}/ngsi-ld/v1/entities/{entity_id}").status_code == 204
    page.wait_for_function("(id) => !dosi.store.get(id)", arg=entity_id, timeout=LIVE_MS)


def click_entity(page: Page, entity_id: str) -> None:
    where = page.evaluate("(id) => dosi.store.get(id).location.coordinates", entity_id)
    show_at(page, where)
    x, y = page.evaluate("(p) => { const q = dosi.map.project(p); return [q.x, q.y]; }", where)
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("#inspector:not([hidden])")


def test_inspector_history_and_languages(page: Page, server: LiveServer) -> None:
    open_room(page, server)
    gauge = "urn:ngsi-ld:WaterObserved:sejong:gauge00"
    click_entity(page, gauge)
    assert page.locator("#insp-id").inner_text() == gauge
    en = strings("en")
    page.wait_for_selector("#insp-attrs tr[data-attr=height]")
    assert page.locator("#insp-attrs tr[data-attr=height] th").inner_text() == en["attr.height"]
    assert page.locator("#insp-updated").inner_text()
    # the sample reading is history already: the temporal API answers with points
    page.wait_for_function("() => Number(document.querySelector('#hist-chart').dataset.points) > 0")
    page.locator("#hist-range button[data-range=week]").click()
    page.select_option("#hist-aggr", "avg")
    page.wait_for_function("() => Number(document.querySelector('#hist-chart').dataset.points) > 0")
    week = page.locator("#hist-range button[data-range=week]")
    assert week.get_attribute("aria-pressed") == "true"
    shot(page, "inspector-en.png")

    for lang in ("ko", "zh"):
        text = strings(lang)
        page.select_option("#lang-select", lang)
        page.wait_for_function(
            "(title) => document.querySelector('.title').textContent === title",
            arg=text["app.title"],
        )
        assert page.evaluate("document.documentElement.lang") == lang
        row = page.locator("#insp-attrs tr[data-attr=height] th")
        page.wait_for_function(
            "(label) => document.querySelector('#insp-attrs tr[data-attr=height] th')"
            ".textContent === label",
            arg=text["attr.height"],
        )
        assert row.inner_text() == text["attr.height"]
        assert page.locator("#kpi-river h3").inner_text() == text["overview.river.title"]
        visible = page.locator("body").inner_text()
        leaked = [key for key in text if key in visible]
        assert not leaked, f"untranslated keys shown in {lang}: {leaked}"
        shot(page, f"inspector-{lang}.png")
    # the choice is remembered for the next visit
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("document.documentElement.lang") == "zh"


@pytest.mark.parametrize(
    ("status", "key"), [(501, "history.none"), (404, "history.none"), (500, "history.failed")]
)
def test_history_states_when_temporal_api_fails(
    page: Page, server: LiveServer, console_errors: list[str], status: int, key: str
) -> None:
    page.route(
        "**/ngsi-ld/v1/temporal/**",
        lambda route: route.fulfill(status=status, json={"type": "x", "title": "t", "detail": "d"}),
    )
    open_room(page, server)
    page.evaluate("dosi.pick('urn:ngsi-ld:WaterObserved:sejong:gauge01', 'WaterObserved')")
    page.wait_for_function(
        "(text) => document.querySelector('#hist-message').textContent === text",
        arg=strings("en")[key],
    )
    assert page.locator("#hist-chart").get_attribute("data-points") == "0"
    expected = f"status of {status}"
    console_errors[:] = [e for e in console_errors if expected not in e]


def test_history_parser_reads_every_temporal_form(page: Page, server: LiveServer) -> None:
    """Simplified (temporalValues), aggregated and normalized temporal representations."""
    page.goto(f"{server.url}/ui/assets/favicon.svg")  # any page of the origin
    result = page.evaluate(
        """async () => {
            const { parseHistory } = await import("/ui/assets/app/api.js");
            const t1 = "2026-11-25T01:00:00Z", t2 = "2026-11-25T02:00:00Z";
            return [
              parseHistory({ h: { type: "Property", values: [[2, t2], [1, t1]] } }, "h", "raw"),
              parseHistory({ h: { type: "Property", avg: [[1.5, t1, t2]] } }, "h", "avg"),
              parseHistory({ h: [{ type: "Property", value: 3, observedAt: t1 }] }, "h", "raw"),
              parseHistory({ h: [{ values: [[1, t1]] }, { values: [[5, t2]] }] }, "h", "raw"),
              parseHistory({}, "h", "raw"),
            ];
        }"""
    )
    t1, t2 = 1795568400, 1795572000
    assert result == [
        [[t1, 1], [t2, 2]],
        [[t1, 1.5]],
        [[t1, 3]],
        [[t1, 1], [t2, 5]],
        [],
    ]
