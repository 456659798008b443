"""Notification delivery: render a Notification (§5.3.1) and send it over HTTP or MQTT.

Sending is off the request path: the subscription service drains a durable outbox and
calls ``Sender.send`` for each item, in order per subscription.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from dosi.core.clock import utc_now
from dosi.core.jsonld import ActiveContext
from dosi.core.representation import RenderOptions, render_entity

logger = logging.getLogger(__name__)

LINK_REL = "http://www.w3.org/ns/json-ld#context"
FORMATS = {"keyValues": "simplified", "simplified": "simplified", "concise": "concise"}


class DeliveryError(Exception):
    """The endpoint did not take the notification; it will be retried."""


def notification_body(
    sub: dict[str, Any],
    entities: list[dict[str, Any]],
    ctx: ActiveContext,
    previous: dict[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    """The Notification: rendered entities per the subscription's notification params."""
    notification = sub["body"].get("notification", {})
    attributes = notification.get("attributes")
    options = RenderOptions(
        format=FORMATS.get(notification.get("format", "normalized"), "normalized"),  # type: ignore[arg-type]
        sys_attrs=bool(notification.get("sysAttrs")),
        attrs=frozenset(ctx.expand(a) for a in attributes) if attributes else None,
        lang=sub["body"].get("lang"),
    )
    data = []
    for entity in entities:
        rendered = render_entity(entity, ctx, options)
        if notification.get("showChanges") and previous and options.format == "normalized":
            for attr, value in (previous.get(entity["id"]) or {}).items():
                name = ctx.compact(attr)
                if isinstance(rendered.get(name), dict):
                    rendered[name]["previousValue"] = value
        data.append(rendered)
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub["id"],
        "notifiedAt": utc_now(),
        "data": data,
    }


class Sender:
    """Sends notifications; one shared HTTP client (connection reuse) and MQTT on demand."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.http = httpx.AsyncClient(timeout=timeout)
        self.timeout = timeout

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, sub: dict[str, Any], body: dict[str, Any], ctx: ActiveContext) -> None:
        endpoint = sub["body"]["notification"]["endpoint"]
        uri = endpoint["uri"]
        accept = endpoint.get("accept", "application/json")
        headers = {i["key"]: i["value"] for i in endpoint.get("receiverInfo", [])}
        if accept == "application/ld+json":
            body = {**body, "@context": ctx.source if ctx.source is not None else ctx.url}
            headers["Content-Type"] = "application/ld+json"
        else:
            headers["Content-Type"] = "application/json"
            headers["Link"] = f'<{ctx.url}>; rel="{LINK_REL}"; type="application/ld+json"'
        scheme = urlsplit(uri).scheme
        if scheme in ("mqtt", "mqtts"):
            await self._mqtt(uri, endpoint, headers, body)
        else:
            await self._http(uri, headers, body)

    async def _http(self, uri: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        try:
            response = await self.http.post(uri, content=orjson.dumps(body), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"POST {uri} failed: {exc!r}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"POST {uri} answered {response.status_code}")

    async def _mqtt(
        self, uri: str, endpoint: dict[str, Any], headers: dict[str, str], body: dict[str, Any]
    ) -> None:
        import aiomqtt

        parts = urlsplit(uri)
        info = {i["key"]: i["value"] for i in endpoint.get("notifierInfo", [])}
        qos = int(info.get("MQTT-QoS", "0"))
        if qos not in (0, 1, 2):
            raise DeliveryError(f"unsupported MQTT-QoS {qos}")
        topic = parts.path.lstrip("/")
        payload = orjson.dumps({"metadata": headers, "body": body})
        try:
            async with aiomqtt.Client(
                parts.hostname or "localhost",
                port=parts.port or (8883 if parts.scheme == "mqtts" else 1883),
                username=parts.username,
                password=parts.password,
                timeout=self.timeout,
            ) as client:
                await client.publish(topic, payload, qos=qos)
        except (aiomqtt.MqttError, OSError) as exc:
            raise DeliveryError(f"MQTT publish to {uri} failed: {exc!r}") from None
