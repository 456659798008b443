"""Indicator values as NGSI-LD entities, so they have a history and subscriptions.

The type and attribute names follow the Smart Data Models KeyPerformanceIndicator model
(``kpiValue``, ``calculationPeriod``, ``calculationFormula``...). Its @context is not
packaged, so the names expand in the default vocabulary of the core context.
"""

from __future__ import annotations

from typing import Any, Final

from dosi.apps.kpi.definitions import LANGUAGES, translations
from dosi.apps.kpi.export import iso
from dosi.apps.kpi.report import Report

TYPE: Final = "KeyPerformanceIndicator"
ID_PREFIX: Final = f"urn:ngsi-ld:{TYPE}:dosi:"


def to_entities(report: Report) -> list[dict[str, Any]]:
    """One entity per indicator that has a value (no data leaves the last value)."""
    text = translations()
    entities = []
    for result in report.results:
        if result.value is None:
            continue
        i = result.indicator
        words = {lang: text[lang]["indicators"][i.id] for lang in LANGUAGES}
        entity: dict[str, Any] = {
            "id": ID_PREFIX + i.id,
            "type": TYPE,
            "name": {
                "type": "LanguageProperty",
                "languageMap": {lang: w["name"] for lang, w in words.items()},
            },
            "description": {
                "type": "LanguageProperty",
                "languageMap": {lang: w["definition"] for lang, w in words.items()},
            },
            "kpiValue": {
                "type": "Property",
                "value": round(result.value, 4),
                "unitCode": i.unit_code,
                "observedAt": iso(report.end),
            },
            "calculationPeriod": {
                "type": "Property",
                "value": {"from": iso(report.start), "to": iso(report.end)},
            },
            "calculationFormula": {"type": "Property", "value": i.formula},
            "calculationMethod": {"type": "Property", "value": "automatic"},
            "category": {"type": "Property", "value": ["quantitative"]},
        }
        if i.reference:
            entity["source"] = {"type": "Property", "value": i.reference}
        entities.append(entity)
    return entities
