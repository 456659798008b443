"""The Atom feed (RFC 4287) of active public alerts, one entry per CAP message, each
linking to its CAP XML; the usual way CAP aggregators poll an alerting authority."""

from __future__ import annotations

from typing import Any, Final

from lxml import etree

ATOM: Final = "http://www.w3.org/2005/Atom"
ATOM_MEDIA: Final = "application/atom+xml"


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def feed(alerts: list[dict[str, Any]], *, base: str, city: str, updated: str) -> bytes:
    """``alerts`` are stored CAP records (identifier, sent, headline, msgType)."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _sub(root, "id", f"{base}/feed.atom")
    _sub(root, "title", f"{city} public alerts (CAP 1.2)")
    _sub(root, "updated", max((a["sent"] for a in alerts), default=updated))
    author = _sub(root, "author")
    _sub(author, "name", city)
    _sub(root, "link", rel="self", href=f"{base}/feed.atom", type="application/atom+xml")
    for alert in alerts:
        entry = _sub(root, "entry")
        _sub(entry, "id", f"urn:dosi:cap:{alert['identifier']}")
        _sub(entry, "title", alert.get("headline") or alert["identifier"])
        _sub(entry, "updated", alert["sent"])
        _sub(entry, "summary", f"{alert['msgType']}: {alert.get('headline', '')}")
        _sub(
            entry,
            "link",
            rel="alternate",
            type="application/cap+xml",
            href=f"{base}/alerts/{alert['identifier']}.xml",
        )
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xml
