"""The incident service: signals become incidents, operators move them through their
lifecycle, unacknowledged incidents escalate, linked services and the public are told.

Incidents are ``Alert`` entities written through the entity service, so they appear in
the NGSI-LD API, the change feed and the temporal API like any other data. Everything
the service needs to resume after a restart (state, last escalation, issued alerts)
lives in the entity itself. Mutations are serialized by one lock: correlation is a
read-modify-write on the incident of a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from dosi.core.audit import ACTOR
from dosi.core.clock import format_datetime
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext, ContextResolver
from dosi.core.query import EntityQuery
from dosi.core.typesel import parse_type_selection
from dosi.errors import BadRequestData, DosiError, ResourceNotFound
from dosi.ops import lifecycle
from dosi.ops.cap import CapError, MsgType
from dosi.ops.incidents import sop
from dosi.ops.incidents.alerts import PublicAlerts
from dosi.ops.incidents.const import (
    ALERT_CONTEXT,
    ALERT_TYPE,
    DEVICE_CONTEXT,
    ENDING_STATES,
    ID_PREFIX,
    KEYS,
    LANGUAGES,
    OPEN_STATES,
    SUB_CATEGORY,
    TRANSPORTATION_CONTEXT,
)
from dosi.ops.incidents.model import (
    View,
    check_severity,
    from_entity,
    is_incident,
    raised,
    rank,
    to_attrs,
    to_entity,
)
from dosi.ops.incidents.trail import Trail
from dosi.ops.lifecycle import AuditEntry, State
from dosi.ops.services.delivery import Receipt
from dosi.ops.services.linked import LinkedServices
from dosi.ops.signals import Signal
from dosi.settings import OpsSettings

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_LISTED: Final = 1000
#: lifecycle state → the attribute holding when it was entered.
STATE_TIME: Final = {
    State.ACKNOWLEDGED: "acknowledgedAt",
    State.DISPATCHED: "dispatchedAt",
    State.RESOLVED: "resolvedAt",
    State.CLOSED: "closedAt",
    State.FALSE_ALARM: "falseAlarmAt",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def acting(actor: str) -> Iterator[None]:
    """Attribute the writes in this block to ``actor`` (the platform audit log too)."""
    token = ACTOR.set(actor)
    try:
        yield
    finally:
        ACTOR.reset(token)


class IncidentService:
    """Implements ``dosi.ops.signals.SignalSink``; ``start``/``stop`` own the escalation
    timer, the HTTP client and the deliveries in flight."""

    def __init__(
        self,
        entities: EntityService,
        resolver: ContextResolver,
        settings: OpsSettings,
        *,
        clock: Clock = _utc_now,
        client: httpx.AsyncClient | None = None,
        shutdown_timeout: float = 10.0,
    ) -> None:
        self.entities = entities
        self.resolver = resolver
        self.settings = settings
        self.clock = clock
        self.trail = Trail(entities.store)
        self.shutdown_timeout = shutdown_timeout
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._ctx: ActiveContext | None = None
        self._linked: LinkedServices | None = None
        self._alerts: PublicAlerts | None = None

    # -- lifetime ---------------------------------------------------------------------
    async def start(self, *, timer: bool = True) -> None:
        self._ctx = await self.resolver.resolve(ALERT_CONTEXT)
        self._linked = LinkedServices(
            self.settings,
            self.entities,
            await self.resolver.resolve(DEVICE_CONTEXT),
            await self.resolver.resolve(TRANSPORTATION_CONTEXT),
            self._client,
            self._on_receipt,
        )
        self._alerts = PublicAlerts(self.entities.store, self.settings, self._client)
        if timer:
            self._timer = asyncio.create_task(self._escalate_forever(), name="ops:escalation")

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        await self.drain()
        if self._own_client:
            await self._client.aclose()

    async def drain(self) -> None:
        """Wait for the deliveries (linked services, CAP subscribers) still running."""
        await self.linked.drain(self.shutdown_timeout)
        await self.alerts.drain(self.shutdown_timeout)

    @property
    def ctx(self) -> ActiveContext:
        if self._ctx is None:
            raise RuntimeError("the incident service is not started")
        return self._ctx

    @property
    def linked(self) -> LinkedServices:
        if self._linked is None:
            raise RuntimeError("the incident service is not started")
        return self._linked

    @property
    def alerts(self) -> PublicAlerts:
        if self._alerts is None:
            raise RuntimeError("the incident service is not started")
        return self._alerts

    def _now(self) -> tuple[datetime, str]:
        moment = self.clock()
        return moment, format_datetime(moment)

    # -- signals (SignalSink) -----------------------------------------------------------
    async def signal(self, signal: Signal) -> None:
        await self.receive(signal)

    async def receive(self, signal: Signal) -> str | None:
        """The id of the incident ``signal`` created or was correlated into (None for a
        clear signal without an open incident)."""
        check_severity(signal.severity)
        if signal.category not in lifecycle.CATEGORIES:
            raise BadRequestData(f"unknown incident category {signal.category!r}")
        observed = format_datetime(signal.observed_at)
        with acting(signal.source):
            async with self._lock:
                current = await self._open_for_key(signal.tenant, signal.key)
                if signal.clear:
                    if current is not None:
                        await self._cleared(signal, current, observed)
                    return current["id"] if current else None
                if current is not None and self._within_window(current, signal.observed_at):
                    await self._correlate(signal, current, observed)
                    return str(current["id"])
                view = {
                    "category": signal.category,
                    "severity": signal.severity,
                    "title": signal.title,
                    "location": signal.location,
                    "area": signal.area,
                    "readings": signal.readings,
                    "alertSource": signal.source,
                    "sourceKey": signal.key,
                    "entityIds": list(signal.entity_ids),
                    "firstSeen": observed,
                    "validFrom": observed,
                }
                return await self._create(signal.tenant, view, observed)

    def _within_window(self, incident: View, observed: datetime) -> bool:
        last = datetime.fromisoformat(str(incident.get("lastSeen") or incident["dateIssued"]))
        if observed.tzinfo is None:
            observed = observed.replace(tzinfo=UTC)
        return (observed - last).total_seconds() <= self.settings.correlation_window

    async def _open_for_key(self, tenant: str, key: str) -> View | None:
        """The newest incident of ``key`` if it is still open: one document look-up (the
        key index), not a scan of every incident."""
        if not await self.entities.store.tenant_exists(tenant):
            return None
        doc = await self.entities.store.get_document(tenant, KEYS, key)
        if doc is None:
            return None
        try:
            view = await self.get(tenant, str(doc["incident"]))
        except ResourceNotFound:  # deleted through the NGSI-LD API
            return None
        return view if view.get("state") in {s.value for s in OPEN_STATES} else None

    async def _matching(self, tenant: str, wanted: dict[str, frozenset[str]]) -> list[View]:
        """Incidents whose attributes take one of the wanted values, newest first. The
        filter runs inside the query, so the page limit counts matches only."""
        if not await self.entities.store.tenant_exists(tenant):
            return []
        iris = {self.ctx.expand(name): allowed for name, allowed in wanted.items()}

        def matches(entity: dict[str, Any]) -> bool:
            return all(
                (entity["attrs"].get(iri) or [{}])[0].get("value") in allowed
                for iri, allowed in iris.items()
            )

        query = EntityQuery(
            types=parse_type_selection(ALERT_TYPE, self.ctx),
            q=matches if iris else None,
            limit=MAX_LISTED,
        )
        page = await self.entities.query(tenant, query)
        views = [from_entity(e, self.ctx) for e in page.entities]
        return sorted(views, key=lambda v: str(v.get("dateIssued")), reverse=True)

    async def _correlate(self, signal: Signal, incident: View, observed: str) -> None:
        changes: View = {
            "count": int(incident.get("count", 1)) + 1,
            "lastSeen": max(observed, str(incident.get("lastSeen", observed))),
        }
        if signal.readings:
            changes["readings"] = signal.readings
        if rank(signal.severity) > rank(str(incident.get("severity"))):
            changes["severity"] = signal.severity
        await self._write(signal.tenant, incident["id"], changes)
        await self._audit(
            signal.tenant,
            incident["id"],
            "signal:repeat",
            {k: incident.get(k) for k in changes},
            changes,
        )
        if "severity" in changes:
            await self._severity_changed(signal.tenant, {**incident, **changes})

    async def _cleared(self, signal: Signal, incident: View, observed: str) -> None:
        changes: View = {"clearedAt": observed}
        if signal.readings:
            changes["readings"] = signal.readings
        await self._write(signal.tenant, incident["id"], changes)
        await self._audit(
            signal.tenant, incident["id"], "signal:clear", {}, {"clearedAt": observed}
        )

    # -- creation ---------------------------------------------------------------------
    async def create(self, tenant: str, body: Any) -> View:
        """An incident an operator reports by hand (POST /ops/incidents)."""
        if not isinstance(body, dict):
            raise BadRequestData("an incident must be a JSON object")
        category = body.get("category")
        if category not in lifecycle.CATEGORIES:
            raise BadRequestData(f"category must be one of {', '.join(lifecycle.CATEGORIES)}")
        title = body.get("title")
        if isinstance(title, str):
            title = dict.fromkeys(LANGUAGES, title)
        if not isinstance(title, dict) or not title:
            raise BadRequestData("title must be a text or an object of texts per language")
        location = body.get("location")
        if location is not None and not isinstance(location, dict):
            raise BadRequestData("location must be a GeoJSON geometry")
        related = body.get("entityIds") or []
        if not isinstance(related, list) or not all(isinstance(i, str) for i in related):
            raise BadRequestData("entityIds must be a list of entity ids")
        _, at = self._now()
        view = {
            "category": category,
            "severity": check_severity(str(body.get("severity", "indeterminate"))),
            "title": title,
            "location": location,
            "area": body.get("area"),
            "areaName": body.get("areaName"),
            "readings": body.get("readings") or {},
            "alertSource": f"operator:{ACTOR.get()}",
            "sourceKey": f"manual:{uuid.uuid4()}",
            "entityIds": related,
            "firstSeen": at,
            "validFrom": at,
        }
        if isinstance(body.get("subCategory"), str):
            view["subCategory"] = body["subCategory"]
        if isinstance(body.get("description"), str):
            view["description"] = body["description"]
        async with self._lock:
            incident_id = await self._create(tenant, view, at)
        return await self.get(tenant, incident_id)

    async def _create(self, tenant: str, fields: View, observed: str) -> str:
        _, now = self._now()
        title = fields["title"]
        view: View = {
            "id": f"{ID_PREFIX}{uuid.uuid4()}",
            "subCategory": SUB_CATEGORY.get(fields["category"]),
            "description": title.get("en") or next(iter(title.values()), ""),
            **{k: v for k, v in fields.items() if v is not None},
            "dateIssued": now,
            "state": State.DETECTED.value,
            "count": 1,
            "lastSeen": observed,
            "escalationLevel": 0,
            "sopChecklist": sop.checklist(fields["category"]),
        }
        await self.entities.create(tenant, to_entity(view, self.ctx, now))
        await self.entities.store.put_document(
            tenant, KEYS, view["sourceKey"], {"incident": view["id"]}
        )
        await self._audit(
            tenant,
            view["id"],
            "created",
            {},
            {k: view[k] for k in ("state", "category", "severity", "count")},
        )
        logger.info(
            "incident %s: %s %s",
            view["id"],
            view["category"],
            view["severity"],
            extra={"incident_id": view["id"]},
        )
        if self.alerts.warrants(view):
            await self._issue(tenant, view, "Alert")
        self._notify(tenant, view, "created", self.linked.select(view["category"], event="created"))
        return str(view["id"])

    # -- reads --------------------------------------------------------------------------
    async def get(self, tenant: str, incident_id: str) -> View:
        entity = await self.entities.retrieve(tenant, incident_id)
        if not is_incident(entity, self.ctx):
            raise ResourceNotFound(f"{incident_id} is not an incident")
        return from_entity(entity, self.ctx)

    async def find(
        self,
        tenant: str,
        *,
        state: str | None = None,
        category: str | None = None,
        severity: str | None = None,
    ) -> list[View]:
        """Incidents, newest first, filtered by state, category and severity."""
        wanted = {"state": state, "category": category, "severity": severity}
        return await self._matching(
            tenant, {k: frozenset({v}) for k, v in wanted.items() if v is not None}
        )

    async def audit(self, tenant: str, incident_id: str) -> list[dict[str, Any]]:
        await self.get(tenant, incident_id)
        return await self.trail.entries(tenant, incident_id)

    async def comments(self, tenant: str, incident_id: str) -> list[dict[str, Any]]:
        await self.get(tenant, incident_id)
        return await self.trail.comments(tenant, incident_id)

    async def cap_preview(self, tenant: str, incident_id: str) -> bytes:
        view = await self.get(tenant, incident_id)
        return self.alerts.preview(view, self.clock())

    # -- operator actions ---------------------------------------------------------------
    async def transition(
        self, tenant: str, incident_id: str, target: str, *, services: list[str] | None = None
    ) -> View:
        """Move the incident to ``target`` (Conflict, 409, if the lifecycle refuses);
        dispatching sends it to ``services`` (default: every adapter of its category)."""
        _, now = self._now()
        async with self._lock:
            view = await self.get(tenant, incident_id)
            moved, entry = lifecycle.transition(view, target, actor=ACTOR.get(), at=now)
            state = State(moved["state"])
            changes: View = {"state": state.value, STATE_TIME[state]: now}
            names: list[str] = []
            if state is State.DISPATCHED:
                names = self.linked.select(view["category"], services)
                changes["dispatchedTo"] = names
            if state in ENDING_STATES:
                changes["validTo"] = now
            await self._write(tenant, incident_id, changes)
            await self.trail.record(tenant, incident_id, entry)
            view = {**view, **changes}
            if state in ENDING_STATES and self._alert_active(view):
                await self._issue(tenant, view, "Cancel")
        if names:
            self._notify(tenant, view, "dispatch", names)
        return await self.get(tenant, incident_id)

    async def assign(self, tenant: str, incident_id: str, assignee: str) -> View:
        if not assignee:
            raise BadRequestData("assignee must be a non-empty operator name")
        async with self._lock:
            view = await self.get(tenant, incident_id)
            await self._write(tenant, incident_id, {"assignee": assignee})
            await self._audit(
                tenant,
                incident_id,
                "assigned",
                {"assignee": view.get("assignee")},
                {"assignee": assignee},
            )
        return await self.get(tenant, incident_id)

    async def comment(self, tenant: str, incident_id: str, text: str) -> dict[str, Any]:
        if not text.strip():
            raise BadRequestData("a comment needs a text")
        _, now = self._now()
        note = {"at": now, "actor": ACTOR.get(), "text": text}
        async with self._lock:
            view = await self.get(tenant, incident_id)
            count = int(view.get("commentCount", 0)) + 1
            await self.trail.comment(tenant, incident_id, note)
            await self._write(tenant, incident_id, {"commentCount": count})
            await self._audit(tenant, incident_id, "comment", {}, {"text": text})
        return note

    async def check_step(
        self, tenant: str, incident_id: str, item: str, done: bool
    ) -> dict[str, Any]:
        """(Un)check one SOP step; returns the checklist and its progress."""
        _, now = self._now()
        async with self._lock:
            view = await self.get(tenant, incident_id)
            items = list(view.get("sopChecklist") or [])
            before = next((e for e in items if e.get("item") == item), None)
            items = sop.check(items, item, done, actor=ACTOR.get(), at=now)
            await self._write(tenant, incident_id, {"sopChecklist": items})
            await self._audit(
                tenant,
                incident_id,
                f"sop:{item}",
                {"done": bool(before and before.get("done"))},
                {"done": done},
            )
        return {"sopChecklist": items, "progress": sop.progress(items)}

    # -- escalation ---------------------------------------------------------------------
    async def _escalate_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.escalation_check_every)
            try:
                await self.escalate_due()
            except DosiError:
                logger.exception("incident escalation pass failed")

    async def escalate_due(self) -> list[str]:
        """Escalate every incident left unacknowledged for longer than its severity
        allows; returns the ids escalated. Idempotent: run it as often as you like."""
        escalated = []
        moment, now = self._now()
        for tenant in await self.entities.store.list_tenants():
            for view in await self.find(tenant, state=State.DETECTED.value):
                if not self._due(view, moment):
                    continue
                try:
                    with acting("system:escalation"):
                        async with self._lock:
                            done = await self._escalate(tenant, view["id"], moment, now)
                except Exception:  # one incident: logged, the others still escalate
                    logger.exception(
                        "escalation of %s failed", view["id"], extra={"incident_id": view["id"]}
                    )
                    continue
                if done:
                    escalated.append(view["id"])
        return escalated

    def _due(self, view: View, moment: datetime) -> bool:
        level = int(view.get("escalationLevel", 0))
        if level >= self.settings.max_escalation_level:
            return False
        limit = self.settings.escalate_after.get(str(view.get("severity")))
        if limit is None:
            return False
        since = datetime.fromisoformat(str(view.get("escalatedAt") or view["dateIssued"]))
        return (moment - since).total_seconds() >= limit

    async def _escalate(self, tenant: str, incident_id: str, moment: datetime, now: str) -> bool:
        view = await self.get(tenant, incident_id)
        if view.get("state") != State.DETECTED.value or not self._due(view, moment):
            return False  # acknowledged meanwhile, or another pass got there first
        changes: View = {
            "severity": raised(str(view["severity"])),
            "escalationLevel": int(view.get("escalationLevel", 0)) + 1,
            "escalatedAt": now,
        }
        await self._write(tenant, incident_id, changes)
        await self._audit(
            tenant, incident_id, "escalated", {k: view.get(k) for k in changes}, changes
        )
        view = {**view, **changes}
        logger.warning(
            "incident %s escalated to level %d (%s)",
            incident_id,
            changes["escalationLevel"],
            changes["severity"],
            extra={"incident_id": incident_id},
        )
        await self._severity_changed(tenant, view)
        self._notify(
            tenant, view, "escalation", self.linked.select(view["category"], event="escalation")
        )
        return True

    # -- public alerts and linked services -----------------------------------------------
    @staticmethod
    def _alert_active(view: View) -> bool:
        issued = view.get("capAlerts") or []
        return bool(issued) and issued[-1].get("msgType") != "Cancel"

    async def _severity_changed(self, tenant: str, view: View) -> None:
        if self._alert_active(view):
            await self._issue(tenant, view, "Update")
        elif not view.get("capAlerts") and self.alerts.warrants(view):
            await self._issue(tenant, view, "Alert")

    async def _issue(self, tenant: str, view: View, msg_type: MsgType) -> None:
        """Issue a public alert; an invalid one is recorded, never fatal to the incident."""
        try:
            record = await self.alerts.issue(tenant, view, msg_type, self.clock())
        except CapError as exc:
            logger.error("no CAP %s for %s: %s", msg_type, view["id"], exc.detail)
            await self._audit(tenant, view["id"], "cap:refused", {}, {"error": exc.detail})
            return
        issued = [*(view.get("capAlerts") or []), record]
        view["capAlerts"] = issued
        await self._write(tenant, view["id"], {"capAlerts": issued})
        await self._audit(tenant, view["id"], f"cap:{msg_type}", {}, record)

    def _notify(self, tenant: str, view: View, event: str, names: list[str]) -> None:
        if names:
            self.linked.notify(tenant, dict(view), event, names)

    async def _on_receipt(self, tenant: str, incident_id: str, receipt: Receipt) -> None:
        """A delivery ended: keep its receipt on the incident and in the trail."""
        record = receipt.to_dict()
        with acting(f"service:{receipt.service}"):
            async with self._lock:
                view = await self.get(tenant, incident_id)
                deliveries = [*(view.get("deliveries") or []), record]
                await self._write(tenant, incident_id, {"deliveries": deliveries})
                await self._audit(tenant, incident_id, f"delivery:{receipt.status}", {}, record)

    # -- writing ------------------------------------------------------------------------
    async def _write(self, tenant: str, incident_id: str, changes: View) -> None:
        _, now = self._now()
        attrs = to_attrs(changes, self.ctx, now)
        if attrs:
            await self.entities.append_attrs(tenant, incident_id, attrs, no_overwrite=False)

    async def _audit(
        self,
        tenant: str,
        incident_id: str,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        _, now = self._now()
        entry = AuditEntry(now, ACTOR.get(), action, before, after)
        await self.trail.record(tenant, incident_id, entry)
