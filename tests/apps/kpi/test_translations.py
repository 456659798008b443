"""The KPI and flood apps' texts exist in ko, zh and en with the same keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dosi.apps.flood import alerts
from dosi.apps.kpi import definitions


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, value in tree.items():
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{name}.")
        else:
            assert isinstance(value, str)
            found.add(f"{prefix}{name}")
    return found


@pytest.mark.parametrize(
    "texts", [definitions.translations(), alerts.translations()], ids=["kpi", "flood"]
)
def test_every_language_has_every_text(texts: dict[str, dict[str, Any]]) -> None:
    assert set(texts) == {"ko", "zh", "en"}
    assert keys(texts["ko"]) == keys(texts["zh"]) == keys(texts["en"])


def test_every_indicator_has_names_in_every_language() -> None:
    for lang, text in definitions.translations().items():
        for indicator in definitions.INDICATORS:
            words = text["indicators"][indicator.id]
            assert words["name"] and words["definition"], (lang, indicator.id)
        for unit in {i.unit for i in definitions.INDICATORS} - {"%", "µg/m³"}:
            assert text["units"][unit], (lang, unit)


def test_the_readme_lists_every_indicator() -> None:
    readme = (Path(definitions.__file__).parent / "README.md").read_text(encoding="utf-8")
    for indicator in definitions.INDICATORS:
        assert f"`{indicator.id}`" in readme
