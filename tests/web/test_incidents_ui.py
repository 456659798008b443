"""The incident board and the incident view in a real browser against a real ``dosi demo``:
incidents appear live on the board and the map, operators act on them (with the 409 of a
stale view shown in their language), the board follows the language, buttons follow the
user's permissions. Screenshots are kept under test-artifacts/web/.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from dosi.api.media import link_header
from tests.live import LiveServer
from tests.web.browser import LIVE_MS, open_room, shot, show_at, strings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("web-browser")]

ALERT_CONTEXT = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld"
)


def district(server: LiveServer, index: int) -> tuple[str, list[float]]:
    """The English name and label point of one district of the demo city's basemap."""
    basemap = httpx.get(f"{server.url}/ui/basemap.geojson").json()
    labels = [f for f in basemap["features"] if f["properties"]["kind"] == "label"]
    found = labels[index % len(labels)]
    return found["properties"]["name"], found["geometry"]["coordinates"]


def create_incident(
    server: LiveServer, where: list[float], *, category: str = "fire", severity: str = "major"
) -> tuple[str, str]:
    """A new incident through the incident service (or, where it is not installed, an
    ``Alert`` entity through the NGSI-LD API); returns its id and ``dateIssued``."""
    title = f"browser {uuid.uuid4().hex[:6]}"
    body = {
        "category": category,
        "severity": severity,
        "title": {"ko": f"{title} 화재", "zh": f"{title} 火灾", "en": f"{title} fire"},
        "location": {"type": "Point", "coordinates": where},
    }
    created = httpx.post(f"{server.url}/ops/incidents", json=body, timeout=30)
    if created.status_code == 201:
        view = created.json()
        return str(view["id"]), str(view["dateIssued"])
    assert created.status_code in (404, 405), created.text
    entity: dict[str, Any] = {
        "id": f"urn:ngsi-ld:Alert:{uuid.uuid4()}",
        "type": "Alert",
        **{k: {"type": "Property", "value": v} for k, v in body.items() if k != "location"},
        "state": {"type": "Property", "value": "detected"},
        "dateIssued": {
            "type": "Property",
            "value": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "location": {"type": "GeoProperty", "value": body["location"]},
    }
    headers = {"Link": link_header(ALERT_CONTEXT)}
    made = httpx.post(f"{server.url}/ngsi-ld/v1/entities", json=entity, headers=headers)
    assert made.status_code == 201, made.text
    return str(entity["id"]), str(entity["dateIssued"]["value"])


def act(server: LiveServer, incident_id: str, action: str) -> httpx.Response:
    return httpx.post(f"{server.url}/ops/incidents/{incident_id}/{action}", json={}, timeout=30)


#: Notes in the page when each incident first shows on the board and on the map (page
#: clock = server clock: same machine), so the live delay is measured where it happens,
#: not through the test's own polling of a busy browser.
WATCH = """() => {
    window.seenOn = { board: {}, map: {} };
    const note = () => {
        for (const li of document.querySelectorAll('#incident-board li.incident'))
            seenOn.board[li.dataset.id] ??= Date.now();
    };
    new MutationObserver(note).observe(document.querySelector('#incident-board'),
        { childList: true, subtree: true });
    dosi.map.on('render', () => {
        for (const f of dosi.view.rendered('Alert')) seenOn.map[f.properties.id] ??= Date.now();
    });
}"""


def row(incident_id: str) -> str:
    return f'#incident-board li.incident[data-id="{incident_id}"]'


@pytest.fixture(autouse=True)
def patient(page: Page) -> None:
    """A shared, busy machine renders the map in software: give each step more time
    (the live delay is measured in the page itself)."""
    page.set_default_timeout(30_000)


def open_incident(page: Page, incident_id: str) -> None:
    page.locator(f"{row(incident_id)} button").click(no_wait_after=True)
    page.wait_for_function(
        "(id) => !document.querySelector('#incident').hidden"
        " && document.querySelector('#inc-id').textContent === id"
        " && document.querySelectorAll('#inc-audit li.audit').length > 0",
        arg=incident_id,
    )


def wait_state(page: Page, incident_id: str, state: str) -> None:
    page.wait_for_function(
        """([id, state]) => document.querySelector('#inc-state')?.dataset.state === state
            && document.querySelector(`#incident-board li.incident[data-id="${id}"]`)
               ?.dataset.state === state""",
        arg=[incident_id, state],
    )


def test_new_incident_appears_live_on_board_and_map(page: Page, server: LiveServer) -> None:
    open_room(page, server)
    name, where = district(server, 0)
    show_at(page, where, zoom=15)
    page.evaluate(WATCH)
    incident_id, issued = create_incident(server, where, severity="critical")
    seen = page.wait_for_function(
        "(id) => seenOn.board[id] && seenOn.map[id] && [seenOn.board[id], seenOn.map[id]]",
        arg=incident_id,
    ).json_value()
    at = datetime.fromisoformat(issued).timestamp() * 1000
    assert seen[0] - at < LIVE_MS, f"on the board {seen[0] - at:.0f} ms after it was issued"
    assert seen[1] - at < LIVE_MS, f"on the map {seen[1] - at:.0f} ms after it was issued"

    en = strings("en")
    line = page.locator(row(incident_id))
    assert line.get_attribute("data-severity") == "critical"
    assert line.locator(".state").inner_text() == en["state.detected"]
    meta = line.locator(".incident-meta").inner_text()
    assert en["category.fire"] in meta and en["severity.critical"] in meta and name in meta
    assert line.locator("time").inner_text()  # the age, e.g. "now"
    shot(page, "incidents-live-en.png")

    # one marker per incident; clicking it opens the incident
    x, y = page.evaluate("(p) => { const q = dosi.map.project(p); return [q.x, q.y]; }", where)
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function(
        "(id) => document.querySelector('#inc-id').textContent === id", arg=incident_id
    )
    assert page.locator("#inspector").is_hidden()
    assert "selected" in (page.locator(row(incident_id)).get_attribute("class") or "")

    # a finished incident leaves the board, live; its open view shows the new state
    assert act(server, incident_id, "false-alarm").status_code == 200
    page.wait_for_function(
        "(id) => document.querySelector(`#inc-state`).dataset.state === 'false-alarm'",
        arg=incident_id,
    )
    page.wait_for_selector(row(incident_id), state="detached")


def test_operator_works_an_incident(
    page: Page, server: LiveServer, console_errors: list[str]
) -> None:
    open_room(page, server)
    _, where = district(server, 1)
    incident_id, _ = create_incident(server, where, category="fire", severity="major")
    page.wait_for_selector(row(incident_id))
    open_incident(page, incident_id)
    en = strings("en")

    # acknowledge: the state changes in the view and on the board, the trail records it
    page.locator("#inc-actions button[data-action=acknowledge]").click()
    wait_state(page, incident_id, "acknowledged")
    page.wait_for_selector("#inc-audit li[data-action='state:acknowledged']")
    assert page.locator("#inc-state").inner_text() == en["state.acknowledged"]
    assert page.locator("#inc-actions button[data-action=acknowledge]").is_disabled()

    # the SOP checklist: check the first step, progress follows
    first = page.locator("#inc-sop li").first
    step = first.get_attribute("data-item")
    total = page.locator("#inc-sop li").count()
    assert total > 0
    first.locator("input").check()
    page.wait_for_function(
        "() => document.querySelector('#inc-sop-progress').value === 1"
        " && document.querySelector('#inc-sop li').classList.contains('done')"
    )
    done = en["incident.sop.progress"].format(done=1, total=total)
    assert page.locator("#inc-sop-summary").inner_text().startswith(done)
    page.wait_for_selector(f"#inc-audit li[data-action='sop:{step}']")

    # assign and comment
    page.fill("#inc-assignee", "kim.operator")
    page.locator("#inc-assign button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-fact=assignee]').textContent === 'kim.operator'"
    )
    page.fill("#inc-comment-text", "Crew on the way")
    page.locator("#inc-comment button").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#inc-comments li.comment')]"
        ".some((li) => li.textContent.includes('Crew on the way'))"
    )

    # dispatch: the services chooser, then the state
    page.locator("#inc-actions button[data-action=dispatch]").click()
    page.locator("#inc-dispatch-confirm").click()
    wait_state(page, incident_id, "dispatched")

    # the CAP preview shows every language's info block, readable
    page.locator("#inc-cap-toggle").click()
    page.wait_for_function("() => document.querySelectorAll('#inc-cap .cap-info').length === 3")
    languages = page.eval_on_selector_all(
        "#inc-cap .cap-info", "(cards) => cards.map((card) => card.dataset.lang)"
    )
    assert languages[0] == "en" and sorted(languages) == ["en", "ko", "zh"]
    assert page.locator("#inc-cap .cap-info[data-lang=ko] h4").inner_text()
    page.locator("#incident").evaluate("(el) => (el.scrollTop = 0)")
    shot(page, "incident-detail-en.png")

    # someone else resolves it while this view is stale: the 409 is said in words
    page.evaluate("dosi.live.stop()")
    assert act(server, incident_id, "resolve").status_code == 200
    page.locator("#inc-actions button[data-action=resolve]").click()
    message = en["incident.error.conflict"].format(state=en["state.resolved"])
    page.wait_for_function(
        "(text) => document.querySelector('#inc-error').textContent === text", arg=message
    )
    assert page.locator("#inc-state").get_attribute("data-state") == "resolved"
    shot(page, "incident-conflict-en.png")
    console_errors[:] = [e for e in console_errors if "409" not in e]


def test_board_follows_the_language(page: Page, server: LiveServer) -> None:
    _, where = district(server, 2)
    incident_id, _ = create_incident(server, where, category="flood", severity="minor")
    open_room(page, server)
    page.wait_for_selector(row(incident_id))
    for lang in ("ko", "zh", "en"):
        text = strings(lang)
        page.select_option("#lang-select", lang)
        page.wait_for_function(
            "([id, label]) => document.querySelector("
            '`#incident-board li.incident[data-id="${id}"] .state`).textContent === label',
            arg=[incident_id, text["state.detected"]],
        )
        line = page.locator(row(incident_id))
        assert text["category.flood"] in line.locator(".incident-meta").inner_text()
        assert text["severity.minor"] in line.locator(".incident-meta").inner_text()
        title = {"ko": "화재", "zh": "火灾", "en": "fire"}[lang]
        assert line.locator(".incident-title").inner_text().endswith(title)
        heading = page.locator("#incidents-panel h2 span[data-i18n]").text_content()
        assert heading == text["incidents.title"]
        visible = page.locator("#incidents-panel").inner_text()
        leaked = [key for key in text if key in visible]
        assert not leaked, f"untranslated keys shown in {lang}: {leaked}"
        shot(page, f"incidents-board-{lang}.png")


def test_buttons_follow_the_permissions(page: Page, server: LiveServer) -> None:
    """With authentication on, a viewer sees the incident but may not act on it. (The
    demo server runs without authentication: the page is told it is on, and who it is.)"""
    config = httpx.get(f"{server.url}/ui/config.json").json()
    config["auth"] = {**config["auth"], "enabled": True}
    me = {"subject": "lee", "roles": ["viewer"], "permissions": ["read"]}
    page.route("**/ui/config.json", lambda route: route.fulfill(json=config))
    page.route(f"**{config['auth']['me']}", lambda route: route.fulfill(json=me))
    page.route("**/auth/ticket", lambda route: route.fulfill(json={"ticket": "t"}))
    session = '{"token": "token-of-lee", "username": "lee"}'
    page.add_init_script(f"sessionStorage.setItem('dosi.session', '{session}')")
    _, where = district(server, 3)
    incident_id, _ = create_incident(server, where, category="traffic")
    open_room(page, server)
    page.wait_for_selector("body[data-operate=false]")
    page.wait_for_selector(row(incident_id))
    open_incident(page, incident_id)
    buttons = page.locator("#inc-actions button")
    assert buttons.count() == 5
    for index in range(5):
        assert buttons.nth(index).is_disabled()
    assert buttons.first.get_attribute("title") == strings("en")["incident.notAllowed"]
    assert page.locator("#inc-comment-text").is_disabled()
    assert page.locator("#inc-sop input").first.is_disabled()


def test_permissions_are_read_from_roles_or_permissions(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/ui/assets/favicon.svg")  # any page of the origin
    result = page.evaluate(
        """async () => {
            const { permissionsOf } = await import("/ui/assets/app/ops.js");
            const names = (me, tenant) => [...permissionsOf(me, tenant).permissions].sort();
            return [
              names({ subject: "a", permissions: ["read", "operate"] }),
              names({ subject: "b", roles: ["operator"] }),
              names({ subject: "c", roles: { "": ["viewer"], city: ["operator"] } }, "city"),
              names({ subject: "d", roles: { "*": ["viewer"] } }, "other"),
              names({ subject: "e", roles: ["unknown"] }),
            ];
        }"""
    )
    assert result == [
        ["operate", "read"],
        ["operate", "read"],
        ["operate", "read"],
        ["read"],
        [],
    ]
