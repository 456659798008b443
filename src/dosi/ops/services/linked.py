"""Sending incidents to the linked services: pick the adapters, build, sign, deliver.

Deliveries run in the background (an operator's click never waits on an agency); each
ends in a receipt that is stored and handed to ``on_receipt`` so the incident records
it. ``drain`` waits for the deliveries still running (shutdown, tests).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext
from dosi.errors import BadRequestData
from dosi.ops.services import contract, delivery
from dosi.ops.services.adapters import KINDS, Surroundings
from dosi.ops.services.nearby import point_of
from dosi.ops.services.records import time_key
from dosi.settings import LinkedServiceSettings, OpsSettings

logger = logging.getLogger(__name__)

View = dict[str, Any]
OnReceipt = Callable[[str, str, delivery.Receipt], Awaitable[None]]
SUMMARY = (
    "id",
    "category",
    "subCategory",
    "severity",
    "state",
    "title",
    "description",
    "location",
    "area",
    "dateIssued",
    "count",
    "readings",
    "escalationLevel",
    "alertSource",
    "entityIds",
)
#: Store documents collection of the delivery receipts.
RECEIPTS = "ops.receipts"


def summary(incident: View, spot: tuple[float, float] | None) -> View:
    found = {k: incident[k] for k in SUMMARY if k in incident}
    if "location" not in found and spot is not None:
        found["location"] = {"type": "Point", "coordinates": list(spot)}
    return found


class LinkedServices:
    """The configured adapters and their deliveries."""

    def __init__(
        self,
        settings: OpsSettings,
        entities: EntityService,
        devices: ActiveContext,
        transport: ActiveContext,
        client: httpx.AsyncClient,
        on_receipt: OnReceipt,
    ) -> None:
        self.settings = settings
        self.entities = entities
        self.devices = devices
        self.transport = transport
        self.client = client
        self.on_receipt = on_receipt
        self._background = delivery.Background()
        for name, adapter in settings.adapters.items():
            if adapter.kind not in KINDS:
                raise BadRequestData(
                    f"linked service {name!r}: unknown kind {adapter.kind!r} "
                    f"(one of {', '.join(KINDS)})"
                )

    def describe(self) -> list[View]:
        """The adapters as the API shows them (never the secret)."""
        return [
            {
                "name": name,
                "kind": a.kind,
                "url": a.url,
                "categories": a.categories,
                "auto": a.auto,
            }
            for name, a in sorted(self.settings.adapters.items())
        ]

    def select(
        self, category: str, names: list[str] | None = None, *, event: str | None = None
    ) -> list[str]:
        """Adapters for ``category``: the ``names`` asked for; else all that take the
        category, or only those configured to receive ``event`` automatically."""
        adapters = self.settings.adapters
        if names is not None:
            unknown = [n for n in names if n not in adapters]
            if unknown:
                raise BadRequestData(f"unknown linked services: {', '.join(unknown)}")
            refused = [n for n in names if category not in adapters[n].categories]
            if refused:
                raise BadRequestData(
                    f"{', '.join(refused)} do not take {category} incidents (configuration)"
                )
            return names
        return sorted(
            n
            for n, a in adapters.items()
            if category in a.categories and (event is None or event in a.auto)
        )

    def notify(self, tenant: str, incident: View, event: str, names: list[str]) -> None:
        """Start one background delivery per adapter."""
        for name in names:
            self._background.start(
                self._deliver_logged(tenant, name, incident, event),
                f"ops:linked:{name}:{incident['id']}",
            )

    async def _deliver_logged(self, tenant: str, name: str, incident: View, event: str) -> None:
        try:
            await self.deliver(tenant, name, incident, event)
        except Exception:  # one delivery: logged, never the service
            logger.exception("linked service %s: delivery failed", name)

    async def deliver(self, tenant: str, name: str, incident: View, event: str) -> View:
        """Build, sign and send one message; store its receipt and report it."""
        adapter: LinkedServiceSettings = self.settings.adapters[name]
        spot = point_of(incident)
        around = Surroundings(self.entities, self.devices, self.transport, self.settings, tenant)
        context = await KINDS[adapter.kind](around, incident, spot, adapter.options)
        message_id = str(uuid.uuid4())
        body = orjson.dumps(
            contract.message(
                message_id=message_id,
                service=name,
                kind=adapter.kind,
                event=event,
                sent_at=utc_now(),
                incident=summary(incident, spot),
                context=context,
            )
        )
        outcome = await delivery.post(
            self.client,
            adapter.url,
            body,
            lambda: contract.signed_headers(
                adapter.secret.get_secret_value(), body, service=name, message_id=message_id
            ),
            attempts=self.settings.delivery_attempts,
            backoff=self.settings.delivery_backoff,
        )
        receipt = delivery.receipt(name, message_id, event, outcome)
        record = {"incident": incident["id"], **receipt.to_dict()}
        await self.entities.store.put_document(tenant, RECEIPTS, time_key(), record)
        await self.on_receipt(tenant, incident["id"], receipt)
        return record

    async def receipts(self, tenant: str, limit: int = 200) -> list[View]:
        if not await self.entities.store.tenant_exists(tenant):
            return []
        rows = await self.entities.store.list_documents(tenant, RECEIPTS)
        return [doc for _, doc in rows[-limit:]]

    async def drain(self, within: float) -> None:
        """Wait up to ``within`` s for running deliveries, then cancel the rest."""
        await self._background.drain(within)
