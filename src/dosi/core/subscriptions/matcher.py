"""Which subscriptions a committed change triggers (§5.8.5-§5.8.6): pure, runs in the
write transaction so the outbox row commits with the change."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dosi.core.changes import EntityChange
from dosi.core.geoquery import GeoQuery
from dosi.core.model import Entity, TermResolver
from dosi.core.qlang import compile_q
from dosi.core.scopeq import compile_scope_q
from dosi.core.subscriptions.model import DEFAULT_TRIGGERS, geo_query, parse_time, status_of
from dosi.core.typesel import TypeSelection, parse_type_selection


@dataclass(frozen=True)
class Selector:
    types: TypeSelection
    entity_id: str | None = None
    pattern: re.Pattern[str] | None = None

    def matches(self, entity: Entity) -> bool:
        if self.entity_id is not None and entity["id"] != self.entity_id:
            return False
        if self.pattern is not None and self.pattern.search(entity["id"]) is None:
            return False
        return self.types.matches(entity["type"])


@dataclass
class Compiled:
    """A subscription ready for matching: names expanded, queries compiled."""

    doc: dict[str, Any]
    selectors: list[Selector]
    watched: frozenset[str] | None
    triggers: frozenset[str]
    q: Callable[[Entity], bool] | None
    geo: GeoQuery | None
    scope: Callable[[Sequence[str] | None], bool] | None
    expires: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def periodic(self) -> bool:
        return bool(self.doc["body"].get("timeInterval"))

    def active(self, now: datetime | None = None) -> bool:
        return status_of(self.doc, now) == "active"

    def selects(self, entity: Entity) -> bool:
        if self.selectors and not any(s.matches(entity) for s in self.selectors):
            return False
        if self.q is not None and not self.q(entity):
            return False
        if self.scope is not None and not self.scope(entity.get("scope")):
            return False
        return self.geo is None or self.geo.matches(entity)


def compile_subscription(doc: dict[str, Any], resolver: TermResolver) -> Compiled:
    body = doc["body"]
    selectors = []
    for selector in body.get("entities") or []:
        pattern = selector.get("idPattern")
        selectors.append(
            Selector(
                parse_type_selection(selector["type"], resolver),
                selector.get("id"),
                re.compile(pattern) if pattern else None,
            )
        )
    watched = body.get("watchedAttributes")
    return Compiled(
        doc=doc,
        selectors=selectors,
        watched=frozenset(resolver.expand(a) for a in watched) if watched else None,
        triggers=frozenset(body.get("notificationTrigger") or DEFAULT_TRIGGERS),
        q=compile_q(body["q"], resolver) if body.get("q") else None,
        geo=geo_query(body["geoQ"], resolver) if body.get("geoQ") else None,
        scope=compile_scope_q(body["scopeQ"]) if body.get("scopeQ") else None,
        expires=parse_time(body["expiresAt"], "expiresAt") if body.get("expiresAt") else None,
    )


def fired(sub: Compiled, change: EntityChange) -> list[str]:
    """The triggers of ``sub`` that ``change`` fires (empty: no notification)."""
    before, after = change.before, change.after
    subject = after if after is not None else before
    assert subject is not None
    if not sub.selects(subject):
        return []
    watched = sub.watched
    events: list[str] = []
    if before is None:
        events.append("entityCreated")
        if any(watched is None or a in watched for a in subject["attrs"]):
            events.append("attributeCreated")
    elif after is None:
        events.append("entityDeleted")
    else:
        old, new = before["attrs"], after["attrs"]
        touched = False
        for attr in new.keys() | old.keys():
            if watched is not None and attr not in watched:
                continue
            if attr not in old:
                events.append("attributeCreated")
                touched = True
            elif attr not in new:
                events.append("attributeDeleted")
                touched = True
            elif _stamps(old[attr]) != _stamps(new[attr]):
                events.append("attributeUpdated")
                touched = True
        if touched or (watched is None and before != after):
            events.append("entityUpdated")
    return sorted({e for e in events if e in sub.triggers})


def _stamps(instances: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(i.get("datasetId"), i.get("modifiedAt")) for i in instances]


def now_utc() -> datetime:
    return datetime.now(UTC)
