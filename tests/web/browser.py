"""What the browser tests share: the chromium to use, translations, opening the control
room, waiting for the map and keeping screenshots under test-artifacts/web/."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import IN_CI
from tests.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
TRANSLATIONS = ROOT / "src" / "dosi" / "web" / "translations"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
#: How soon a change must show on the page (the issue's live requirement), in ms.
LIVE_MS = 2000


def strings(lang: str) -> dict[str, str]:
    found: dict[str, str] = json.loads((TRANSLATIONS / f"{lang}.json").read_text("utf-8"))
    return found


def need_browser() -> None:
    problem = None
    if importlib.util.find_spec("playwright") is None:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    elif not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{problem} (CI=true: browser tests must run)")
    pytest.skip(problem)


#: How long the first paint may take. The target is 1.5 s (bench/bench_web.py); on a busy
#: shared machine a software-rendered map takes far longer, and that is not this test's matter.
READY_MS = 60_000


def open_room(page: Page, server: LiveServer, lang: str = "en") -> None:
    page.goto(f"{server.url}/?lang={lang}")
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    page.wait_for_selector("body[data-live=on]")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def show_at(page: Page, lonlat: list[float], zoom: float = 18) -> None:
    """Centre the map on a point, unclustered, and wait until it has drawn."""
    page.evaluate(
        """([center, zoom]) => new Promise((done) => {
            dosi.map.once("idle", done); dosi.map.jumpTo({ center, zoom });
        })""",
        [lonlat, zoom],
    )
