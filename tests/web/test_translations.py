"""Every UI string exists in ko, zh and en, with the same keys and placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dosi.ops.incidents.routes import ACTIONS
from dosi.ops.lifecycle import CATEGORIES, SEVERITIES, State
from dosi.ops.services import KINDS
from dosi.web.catalogue import LAYERS

WEB = Path(__file__).resolve().parents[2] / "src" / "dosi" / "web"
LANGUAGES = ("ko", "zh", "en")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(lang: str) -> dict[str, str]:
    data = json.loads((WEB / "translations" / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_same_keys_as_english(lang: str) -> None:
    english, other = set(load("en")), set(load(lang))
    assert not english - other, f"missing in {lang}.json: {sorted(english - other)}"
    assert not other - english, f"extra in {lang}.json: {sorted(other - english)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_values_are_text_with_the_same_placeholders(lang: str) -> None:
    english = load("en")
    for key, text in load(lang).items():
        assert isinstance(text, str) and text.strip(), f"{lang}.json: {key} is empty"
        wanted = set(PLACEHOLDER.findall(english[key]))
        assert set(PLACEHOLDER.findall(text)) == wanted, f"{lang}.json: {key} placeholders"


def used_keys() -> set[str]:
    """Keys the page names literally: data-i18n* attributes and t("...") calls."""
    html = (WEB / "static" / "index.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n(?:-title|-aria)?="([^"]+)"', html))
    for script in (WEB / "static" / "app").glob("*.js"):
        keys |= set(re.findall(r"""\bt\(\s*["']([\w.-]+)["']""", script.read_text("utf-8")))
    return keys


def test_every_literal_key_is_translated() -> None:
    keys = used_keys()
    assert len(keys) > 40  # the scan found the page's strings
    missing = keys - set(load("en"))
    assert not missing, f"used but not translated: {sorted(missing)}"


def test_dynamic_keys_are_translated() -> None:
    """Keys the scripts build from data: layer types, live states, history choices."""
    english = load("en")
    expected = {f"type.{layer.type}" for layer in LAYERS}
    expected |= {f"live.{s}" for s in ("connecting", "on", "reconnecting", "off")}
    expected |= {f"history.aggr.{m}" for m in ("raw", "avg", "min", "max")}
    status = (WEB / "static" / "app" / "status.js").read_text("utf-8")
    block = re.search(r"export const LEVELS = \{(.*?)\};", status, re.S)
    assert block is not None
    for type_, levels in re.findall(r"(\w+): \[([-\d, ]+)\]", block.group(1)):
        for level in (int(x) for x in levels.split(",")):
            expected.add("status.unknown" if level == -1 else f"status.{type_}.{level}")
    assert {f"type.{layer.type}" for layer in LAYERS} <= expected
    missing = expected - set(english)
    assert not missing, f"not translated: {sorted(missing)}"


def test_incident_keys_are_translated() -> None:
    """Keys the incident board builds from incident data and the lifecycle."""
    english = load("en")
    expected = {f"category.{c}" for c in CATEGORIES}
    expected |= {f"severity.{s}" for s in SEVERITIES}
    expected |= {f"state.{s.value}" for s in State}
    expected |= {f"action.{a}" for a in ACTIONS}
    expected |= {f"service.{k}" for k in KINDS}
    expected |= {f"incident.delivery.{s}" for s in ("delivered", "failed", "pending")}
    missing = expected - set(english)
    assert not missing, f"not translated: {sorted(missing)}"
