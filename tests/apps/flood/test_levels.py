"""Thresholds of a gauge and the rating of levels, with hysteresis."""

from __future__ import annotations

from typing import Any

import pytest

from dosi.apps.flood.levels import classify, held, thresholds_for
from dosi.apps.flood.settings import Thresholds

DEFAULTS = Thresholds(attention=2.0, warning=3.0, alarm=4.0)
LEVELS = Thresholds(attention=1.0, warning=2.0, alarm=3.0)


def prop(value: float) -> dict[str, Any]:
    return {"type": "Property", "value": value}


@pytest.mark.parametrize(
    ("value", "rank"),
    [(0.5, 0), (0.999, 0), (1.0, 1), (1.5, 1), (2.0, 2), (2.99, 2), (3.0, 3), (9.0, 3)],
)
def test_classify(value: float, rank: int) -> None:
    assert classify(value, LEVELS) == rank


def test_classify_with_unmonitored_levels() -> None:
    only_alarm = Thresholds(alarm=3.0)
    assert classify(2.5, only_alarm) == 0
    assert classify(3.5, only_alarm) == 3


def test_hysteresis_holds_a_level_until_the_band_is_left() -> None:
    assert held(2.1, LEVELS, previous=0, band=0.1) == 2  # rising: at once
    assert held(1.95, LEVELS, previous=2, band=0.1) == 2  # within the band: kept
    assert held(1.9, LEVELS, previous=2, band=0.1) == 2  # exactly at the edge: kept
    assert held(1.89, LEVELS, previous=2, band=0.1) == 1  # below the band: one down
    assert held(0.95, LEVELS, previous=3, band=0.1) == 1  # far down: the band of 1 holds
    assert held(0.5, LEVELS, previous=3, band=0.1) == 0
    assert held(1.95, LEVELS, previous=2, band=0.0) == 1


def test_entity_thresholds_win_and_attention_sits_halfway() -> None:
    entity = {
        "id": "urn:g",
        "referenceLevel": prop(1.0),
        "alertLevel": prop(2.5),
        "dangerLevel": prop(4.0),
    }
    assert thresholds_for(entity, None, DEFAULTS) == Thresholds(
        attention=1.75, warning=2.5, alarm=4.0
    )
    own = {**entity, "warningLevel": prop(2.0), "attentionLevel": prop(1.2)}
    assert thresholds_for(own, None, DEFAULTS) == Thresholds(attention=1.2, warning=2.0, alarm=4.0)


def test_settings_fill_what_the_entity_lacks() -> None:
    entity = {"id": "urn:g", "dangerLevel": prop(5.0)}
    configured = Thresholds(attention=3.0, warning=4.0, alarm=6.0)
    assert thresholds_for(entity, configured, DEFAULTS) == Thresholds(
        attention=3.0, warning=4.0, alarm=5.0
    )


def test_defaults_only_for_gauges_without_any_threshold() -> None:
    assert thresholds_for({"id": "urn:g"}, None, DEFAULTS) == DEFAULTS
    assert thresholds_for({"id": "urn:g"}, Thresholds(), DEFAULTS) == DEFAULTS
    partial = thresholds_for({"id": "urn:g", "dangerLevel": prop(2.5)}, None, DEFAULTS)
    assert partial == Thresholds(alarm=2.5)


def test_a_threshold_below_a_lower_level_is_dropped() -> None:
    entity = {"id": "urn:g", "attentionLevel": prop(3.0), "alertLevel": prop(2.0)}
    assert thresholds_for(entity, None, DEFAULTS) == Thresholds(attention=3.0)
