"""First meaningful paint of the control room with N entities (issue: web control room).

Starts ``dosi serve`` on an empty SQLite store, loads N entities spread over the map's
layers (bins, air stations, parking spots, street lights, river gauges) inside the demo
city, then opens the page in headless chromium R times (a fresh browser context each, so
nothing is cached) and reads the Performance API marks of ``main.js``:

  * ``dosi:hello`` - the live stream answered;
  * ``dosi:data``  - every layer is loaded into the page's store;
  * ``dosi:ready`` - the frame with every layer's markers is drawn (the first meaningful
    paint; the target is 1.5 s with 10,000 entities).

With ``--baseline DIR`` the same runs are also made with the page's assets (index.html
and /ui/assets/*) served from DIR, a copy of ``src/dosi/web/static`` of another version,
alternating the two, so a change is measured against its baseline on the same machine
load (the ratio is printed).

Entities carry the attributes the simulator gives them (address, provider, serial number,
readings), not only the ones the map needs.

Run: .venv/bin/python bench/bench_web.py [--entities 10000] [--runs 5] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import live_dosi  # noqa: E402

from dosi.api.media import link_header  # noqa: E402
from dosi.demo.sample_city import SDM, SEJONG  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
MARKS = ("dosi:hello", "dosi:data", "dosi:ready")
#: entity type, its @context, and a share of the N entities
MIX = (
    ("WasteContainer", SDM.format("WasteManagement"), 0.3),
    ("AirQualityObserved", SDM.format("Environment"), 0.05),
    ("ParkingSpot", SDM.format("Parking"), 0.35),
    ("Streetlight", SDM.format("Streetlighting"), 0.28),
    ("WaterObserved", SDM.format("Environment"), 0.02),
)
BATCH = 1000


def prop(value: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value}


def attributes(type_: str, rng: random.Random) -> dict[str, Any]:
    district = prop(rng.choice(SEJONG.districts))
    common = {
        "address": prop(
            {
                "addressLocality": district["value"],
                "addressRegion": "Sejong",
                "addressCountry": "KR",
            }
        ),
        "dataProvider": prop("dosi bench"),
        "serialNumber": prop(f"SN-{rng.randrange(10**8):08d}"),
        "dateObserved": prop("2026-11-25T09:00:00Z"),
        "temperature": prop(round(rng.uniform(-5, 30), 1)),
        "description": prop("a sensor of the benchmark city"),
    }
    return {**common, **_specific(type_, rng, district)}


def _specific(type_: str, rng: random.Random, district: dict[str, Any]) -> dict[str, Any]:
    if type_ == "WasteContainer":
        return {
            "fillingLevel": prop(round(rng.random(), 2)),
            "status": prop("ok"),
            "areaServed": district,
        }
    if type_ == "AirQualityObserved":
        return {
            "pm25": prop(rng.uniform(5, 90)),
            "pm10": prop(rng.uniform(10, 150)),
            "areaServed": district,
        }
    if type_ == "ParkingSpot":
        return {"status": prop(rng.choice(["free", "occupied"])), "areaServed": district}
    if type_ == "Streetlight":
        status = "defectiveLamp" if rng.random() < 0.02 else "ok"
        return {"status": prop(status), "powerState": prop("on"), "areaServed": district}
    return {"height": prop(rng.uniform(0.5, 2.5)), "flow": prop(rng.uniform(10, 90))}


def seed(url: str, total: int) -> None:
    rng = random.Random(7)
    spread = SEJONG.spread
    for type_, context, share in MIX:
        count = max(1, round(total * share))
        entities = []
        for i in range(count):
            lon = SEJONG.lon + rng.uniform(-spread, spread)
            lat = SEJONG.lat + rng.uniform(-spread, spread) * 0.8
            entities.append(
                {
                    "id": f"urn:ngsi-ld:{type_}:bench:{i:06d}",
                    "type": type_,
                    "name": {"type": "Property", "value": f"{type_} {i}"},
                    "location": {
                        "type": "GeoProperty",
                        "value": {"type": "Point", "coordinates": [lon, lat]},
                    },
                    **attributes(type_, rng),
                }
            )
        for start in range(0, count, BATCH):
            response = httpx.post(
                f"{url}/ngsi-ld/v1/entityOperations/upsert",
                json=entities[start : start + BATCH],
                headers={"Link": link_header(context)},
                timeout=120,
            )
            response.raise_for_status()


def serve_from(static: Path) -> Callable[[Any], None]:
    """A Playwright route handler answering the page and its assets from ``static``."""

    def handle(route: Any) -> None:
        path = route.request.url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
        rest = path.removeprefix("ui/assets/")
        file = static / ("index.html" if path in ("", "index.html") else rest)
        if path.startswith("ui/assets/i18n/") or not file.is_file():
            route.continue_()
            return
        kind = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css"}
        route.fulfill(body=file.read_bytes(), content_type=kind.get(file.suffix, "text/html"))

    return handle


def measure(url: str, runs: int, static: Path | None = None) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                if static is not None:
                    handler = serve_from(static)
                    context.route(f"{url}/", handler)
                    context.route(f"{url}/?*", handler)
                    context.route(f"{url}/ui/assets/**", handler)
                page = context.new_page()
                page.goto(f"{url}/?lang=en")
                page.wait_for_selector("body[data-ready=true]", timeout=120_000)
                marks = page.evaluate(
                    """(names) => Object.fromEntries(names.map((n) =>
                        [n, performance.getEntriesByName(n)[0]?.startTime ?? null]))""",
                    list(MARKS),
                )
                marks["entities"] = page.evaluate(
                    "() => dosi.config.layers.reduce((n, l) => n + dosi.store.count(l.type), 0)"
                )
                results.append(marks)
                context.close()
        finally:
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="static assets of the version to compare")
    args = parser.parse_args()
    results: list[dict[str, float]] = []
    baseline: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp, live_dosi("serve", Path(tmp)) as server:
        started = time.monotonic()
        seed(server.url, args.entities)
        print(f"seeded {args.entities} entities in {time.monotonic() - started:.1f} s")
        for _ in range(args.runs):
            results += measure(server.url, 1)
            if args.baseline is not None:
                baseline += measure(server.url, 1, args.baseline)
    ready = report("this version", results)
    if baseline:
        before = report(f"baseline {args.baseline}", baseline)
        print(f"first meaningful paint: {ready / before:.2f} × the baseline's")
    target = 1500
    print(f"first meaningful paint: {ready / 1000:.2f} s (target {target / 1000:.1f} s)")


def report(title: str, results: list[dict[str, float]]) -> float:
    print(title)
    for number, marks in enumerate(results, 1):
        shown = "  ".join(f"{name}={marks[name]:7.0f} ms" for name in MARKS)
        print(f"  run {number}: {shown}  ({marks['entities']:.0f} entities)")
    for name in MARKS:
        values = [m[name] for m in results if m[name] is not None]
        print(f"  {name:11s} median {statistics.median(values):7.0f} ms  min {min(values):7.0f} ms")
    return float(statistics.median(m["dosi:ready"] for m in results))


if __name__ == "__main__":
    main()
