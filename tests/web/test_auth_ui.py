"""The control room with authentication on, in a real browser against a real ``dosi demo``:
users made with the CLI sign in through the form, see the city live, and see only the
actions their role permits; a wrong password is answered in the page's language."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.live import LiveServer, live_dosi
from tests.web.browser import READY_MS, shot, strings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("web-browser")]

PASSWORD = "correct horse battery"
USERS = {"viewer": "=viewer", "duty": "=operator"}


def add_user(data_dir: Path, username: str, role: str) -> None:
    command = [sys.executable, "-m", "dosi.cli", "user", "add", username]
    command += ["--role", role, "--password", PASSWORD, "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web-auth")
    for username, role in USERS.items():
        add_user(data_dir, username, role)
    env = {"DOSI_AUTH_ENABLED": "true", "DOSI_AUTH_ISSUER": "urn:dosi:ui-test"}
    with live_dosi("demo", data_dir, env=env) as running:
        yield running


def sign_in(page: Page, username: str, password: str) -> None:
    page.fill("#login-user", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_login_then_live_map(page: Page, server: LiveServer, console_errors: list[str]) -> None:
    page.goto(f"{server.url}/?lang=ko")
    page.wait_for_selector("#login:not([hidden])")
    ko = strings("ko")
    assert page.locator("#login-title").inner_text() == ko["login.title"]

    sign_in(page, "viewer", "not the password")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert error.inner_text() == ko["login.failed"]
    assert page.evaluate("document.body.dataset.ready") is None  # nothing loaded behind it
    console_errors[:] = [e for e in console_errors if "401" not in e]  # the refused attempt
    shot(page, "login-failed-ko.png")

    sign_in(page, "viewer", PASSWORD)
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    page.wait_for_selector("body[data-live=on]")  # the stream opened with a ticket
    assert page.locator("#login").is_hidden()
    assert page.locator("#user-name").inner_text() == "viewer"
    counts = page.evaluate(
        """() => ["WasteContainer", "ParkingSpot"].map((t) =>
            [dosi.store.count(t), dosi.view.rendered(t).length])"""
    )
    for stored, rendered in counts:
        assert stored > 0 and rendered > 0
    page.wait_for_function("document.body.dataset.operate === 'false'")  # a viewer
    token = page.evaluate("JSON.parse(sessionStorage.getItem('dosi.session')).token")
    assert token and page.evaluate("document.cookie") == ""  # bearer only, no cookie
    shot(page, "signed-in-viewer-ko.png")

    page.reload()  # the session survives a reload: no form
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    assert page.locator("#login").is_hidden()

    page.click("#sign-out")
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("sessionStorage.getItem('dosi.session')") is None


def test_operator_may_act(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/?lang=en")
    page.wait_for_selector("#login:not([hidden])")
    assert page.locator("#login-submit").inner_text() == strings("en")["login.submit"]
    sign_in(page, "duty", PASSWORD)
    page.wait_for_selector("body[data-ready=true]", timeout=READY_MS)
    page.wait_for_function("document.body.dataset.operate === 'true'")
