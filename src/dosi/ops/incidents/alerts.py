"""Public alerts of incidents as CAP 1.2: issue, store, list while active, push.

An incident that warrants a public alert (category and severity, from settings) gets a
CAP ``Alert``; a severity change sends an ``Update`` and the end of the incident a
``Cancel``, each referencing every earlier message of the incident. Every message is
validated against the XSD before it is stored or pushed (``dosi.ops.cap.build``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
from lxml import etree

from dosi.ops.cap import NS, CapAlert, CapArea, MsgType, build, cap_time
from dosi.ops.incidents.const import CAP_MESSAGES, LANGUAGES
from dosi.ops.incidents.model import View, rank
from dosi.ops.services import delivery
from dosi.ops.services.nearby import point_of
from dosi.settings import OpsSettings
from dosi.store.base import Store

logger = logging.getLogger(__name__)

CAP_MEDIA = "application/cap+xml"


def identifier_of(incident_id: str, number: int) -> str:
    return f"dosi-{incident_id.rsplit(':', 1)[-1]}-{number}"


def area_of(incident: View, radius_km: float) -> CapArea:
    """The incident's area polygon, else a circle around its location."""
    spot = point_of(incident)
    name = incident.get("areaName") or incident.get("address")
    if not isinstance(name, str):
        name = f"{spot[1]:.5f}, {spot[0]:.5f}" if spot else "unknown"
    area = incident.get("area")
    if isinstance(area, dict) and area.get("type") == "Polygon":
        ring = [(float(p[0]), float(p[1])) for p in area["coordinates"][0]]
        return CapArea(name, polygon=ring)
    if spot is None:
        return CapArea(name)
    return CapArea(name, circle=(spot[0], spot[1], radius_km))


def _description(incident: View) -> dict[str, str]:
    title = incident.get("title") or {}
    readings = incident.get("readings") or {}
    measured = ", ".join(f"{k} {v}" for k, v in sorted(readings.items()))
    return {
        lang: f"{title.get(lang, title.get('en', ''))}{f' ({measured})' if measured else ''}"
        for lang in LANGUAGES
    }


class PublicAlerts:
    """CAP messages of one platform: stored per tenant, pushed to the subscribers."""

    def __init__(self, store: Store, settings: OpsSettings, client: httpx.AsyncClient) -> None:
        self.store = store
        self.settings = settings
        self.client = client
        self._background = delivery.Background()

    def warrants(self, incident: View) -> bool:
        return incident.get("category") in self.settings.cap_categories and rank(
            str(incident.get("severity"))
        ) >= rank(self.settings.cap_min_severity)

    def compose(self, incident: View, msg_type: MsgType, sent: datetime) -> CapAlert:
        previous = incident.get("capAlerts") or []
        return CapAlert(
            identifier=identifier_of(incident["id"], len(previous) + 1),
            sender=self.settings.cap_sender,
            sent=sent,
            category=incident["category"],
            severity=incident["severity"],
            city=self.settings.city,
            area=area_of(incident, self.settings.cap_radius_km),
            msg_type=msg_type,
            references=[
                (self.settings.cap_sender, p["identifier"], datetime.fromisoformat(p["sent"]))
                for p in previous
            ],
            description=_description(incident),
        )

    def preview(self, incident: View, sent: datetime) -> bytes:
        """The XML the incident's next message would be (nothing is stored)."""
        kind: MsgType = "Update" if incident.get("capAlerts") else "Alert"
        return build(self.compose(incident, kind, sent))

    async def issue(
        self, tenant: str, incident: View, msg_type: MsgType, sent: datetime
    ) -> dict[str, Any]:
        """Build, validate, store and push one message; returns its reference record
        (``identifier``, ``msgType``, ``sent``) for the incident's ``capAlerts``."""
        alert = self.compose(incident, msg_type, sent)
        xml = build(alert)
        headline = etree.fromstring(xml).findtext(f"{{{NS}}}info/{{{NS}}}headline", "")
        sent_text = cap_time(sent)
        for earlier in incident.get("capAlerts") or []:
            doc = await self.store.get_document(tenant, CAP_MESSAGES, earlier["identifier"])
            if doc is not None and doc.get("active"):
                await self.store.put_document(
                    tenant, CAP_MESSAGES, earlier["identifier"], {**doc, "active": False}
                )
        record = {"identifier": alert.identifier, "msgType": msg_type, "sent": sent_text}
        await self.store.put_document(
            tenant,
            CAP_MESSAGES,
            alert.identifier,
            {
                **record,
                "incident": incident["id"],
                "headline": headline,
                "active": msg_type != "Cancel",
                "xml": xml.decode("utf-8"),
            },
        )
        self._push(xml, alert.identifier)
        return record

    async def get(self, tenant: str, identifier: str) -> dict[str, Any] | None:
        if not await self.store.tenant_exists(tenant):
            return None
        return await self.store.get_document(tenant, CAP_MESSAGES, identifier)

    async def active(self, tenant: str) -> list[dict[str, Any]]:
        if not await self.store.tenant_exists(tenant):
            return []
        rows = await self.store.list_documents(tenant, CAP_MESSAGES)
        found = [doc for _, doc in rows if doc.get("active")]
        return sorted(found, key=lambda d: str(d["sent"]), reverse=True)

    def _push(self, xml: bytes, identifier: str) -> None:
        for url in self.settings.cap_subscribers:
            self._background.start(self._post(url, xml), f"ops:cap:{identifier}")

    async def _post(self, url: str, xml: bytes) -> None:
        outcome = await delivery.post(
            self.client,
            url,
            xml,
            lambda: {"Content-Type": CAP_MEDIA},
            attempts=self.settings.delivery_attempts,
            backoff=self.settings.delivery_backoff,
        )
        if not outcome.ok:
            logger.warning("CAP subscriber %s did not take the alert: %s", url, outcome.error)

    async def drain(self, within: float) -> None:
        await self._background.drain(within)
