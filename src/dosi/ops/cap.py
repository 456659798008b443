"""Public alerts as OASIS CAP 1.2: one ``info`` block per language (ko, zh, en), the
incident's area as polygon or circle, validated against the official XSD before release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

from lxml import etree

from dosi.errors import BadRequestData

NS: Final = "urn:oasis:names:tc:emergency:cap:1.2"
XSD: Final = Path(__file__).parent / "schemas" / "CAP-v1.2.xsd"
TRANSLATIONS: Final = Path(__file__).parent / "translations"
LANGUAGES: Final = {"ko": "ko-KR", "zh": "zh-CN", "en": "en-US"}

#: dosi incident category → CAP category.
CATEGORY: Final = {
    "fire": "Fire",
    "flood": "Met",
    "crime": "Security",
    "traffic": "Transport",
    "air": "Env",
    "waste": "Env",
    "infrastructure": "Infra",
    "health": "Health",
    "person-at-risk": "Rescue",
}
#: dosi severity → CAP severity.
SEVERITY: Final = {
    "critical": "Extreme",
    "major": "Severe",
    "warning": "Moderate",
    "minor": "Minor",
    "indeterminate": "Unknown",
}
MsgType = Literal["Alert", "Update", "Cancel"]


class CapError(BadRequestData):
    """The alert would not be a valid CAP 1.2 message."""


@dataclass(frozen=True)
class CapArea:
    description: str
    #: Closed ring of (lon, lat) positions (GeoJSON order), or None.
    polygon: list[tuple[float, float]] | None = None
    #: (lon, lat, radius in km), or None.
    circle: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class CapAlert:
    """What an alert says; the texts come from the translations of each language."""

    identifier: str
    sender: str
    sent: datetime
    category: str
    severity: str
    city: str
    area: CapArea
    msg_type: MsgType = "Alert"
    urgency: str = "Immediate"
    certainty: str = "Observed"
    references: list[tuple[str, str, datetime]] = field(default_factory=list)
    description: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


@lru_cache(maxsize=8)
def _texts(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
    return data


def cap_time(moment: datetime) -> str:
    """CAP's date-time form: seconds, and an explicit offset (never "Z" or "-00:00")."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "+00:00" if text.endswith("-00:00") else text


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def build(alert: CapAlert) -> bytes:
    """The CAP 1.2 XML of ``alert``, validated; raises CapError if it is not valid."""
    if alert.category not in CATEGORY or alert.severity not in SEVERITY:
        raise CapError(f"no CAP mapping for {alert.category}/{alert.severity}")
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "scope", "Public")
    if alert.references:
        refs = " ".join(f"{s},{i},{cap_time(t)}" for s, i, t in alert.references)
        _sub(root, "references", refs)
    elif alert.msg_type != "Alert":
        raise CapError(f"a CAP {alert.msg_type} must reference the alert it updates")
    for short, tag in LANGUAGES.items():
        _info(root, alert, short, tag)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    validate(xml)
    return xml


def _info(root: Any, alert: CapAlert, short: str, tag: str) -> None:
    texts = _texts(short)
    event = texts.get(f"cap.event.{alert.category}", alert.category)
    info = _sub(root, "info")
    _sub(info, "language", tag)
    _sub(info, "category", CATEGORY[alert.category])
    _sub(info, "event", event)
    _sub(info, "urgency", "Past" if alert.msg_type == "Cancel" else alert.urgency)
    _sub(info, "severity", SEVERITY[alert.severity])
    _sub(info, "certainty", alert.certainty)
    _sub(info, "senderName", texts["cap.sender_name"].format(city=alert.city))
    key = "cap.headline.cancel" if alert.msg_type == "Cancel" else "cap.headline"
    _sub(info, "headline", texts[key].format(event=event, area=alert.area.description))
    if alert.description.get(short):
        _sub(info, "description", alert.description[short])
    instruction = texts.get(f"cap.instruction.{alert.category}", texts["cap.instruction.default"])
    _sub(info, "instruction", instruction)
    area = _sub(info, "area")
    _sub(area, "areaDesc", alert.area.description)
    if alert.area.polygon:
        ring = alert.area.polygon
        if len(ring) < 4 or ring[0] != ring[-1]:
            raise CapError("a CAP polygon needs at least 4 positions, first == last")
        _sub(area, "polygon", " ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in ring))
    if alert.area.circle:
        lon, lat, radius = alert.area.circle
        _sub(area, "circle", f"{lat:.6f},{lon:.6f} {radius:g}")


def validate(xml: bytes) -> None:
    """Raise CapError unless ``xml`` is valid against the CAP 1.2 XSD."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise CapError(f"not XML: {exc}") from None
    schema = _schema()
    if not schema.validate(document):
        raise CapError(f"not valid CAP 1.2: {schema.error_log.last_error}")
