"""Subscriptions (ETSI GS CIM 009 §5.2.12, §5.8): validation, storage form and output form.

A subscription is kept as the client sent it (``body``, with the ``@context`` it came
with) plus what dosi maintains: status members and the expanded names the matcher needs.
Queries (q, geoQ, scopeQ) are compiled again when the subscription is loaded.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from dosi.core.geoquery import parse_geo_query
from dosi.core.ids import is_uri
from dosi.core.model import TermResolver
from dosi.core.qlang import parse_q
from dosi.core.scopeq import compile_scope_q
from dosi.core.typesel import parse_type_selection
from dosi.errors import BadRequestData, InvalidRequest

TRIGGERS: Final = frozenset(
    {
        "entityCreated",
        "entityUpdated",
        "entityDeleted",
        "attributeCreated",
        "attributeUpdated",
        "attributeDeleted",
    }
)
DEFAULT_TRIGGERS: Final = ("entityCreated", "attributeCreated", "attributeUpdated")
FORMATS: Final = frozenset({"normalized", "keyValues", "simplified", "concise"})
SCHEMES: Final = frozenset({"http", "https", "mqtt", "mqtts"})
MUTABLE: Final = frozenset(
    {
        "subscriptionName",
        "description",
        "entities",
        "watchedAttributes",
        "notificationTrigger",
        "timeInterval",
        "q",
        "geoQ",
        "scopeQ",
        "csf",
        "isActive",
        "notification",
        "expiresAt",
        "throttling",
        "lang",
    }
)
STATUS_MEMBERS: Final = (
    "timesSent",
    "timesFailed",
    "lastNotification",
    "lastSuccess",
    "lastFailure",
)
_NAME = re.compile(r"^[^\s<>\"'=;()\\]+$")


def new_subscription_id() -> str:
    return f"urn:ngsi-ld:Subscription:{uuid.uuid4()}"


def validate(body: Any, resolver: TermResolver, *, partial: bool = False) -> dict[str, Any]:
    """Check a subscription body (or a PATCH fragment with ``partial``) and return it
    without ``@context``; raises BadRequestData with the first problem found (a query
    that does not parse is bad data inside a body, not an invalid request)."""
    try:
        return _validate(body, resolver, partial)
    except InvalidRequest as exc:
        raise BadRequestData(exc.detail) from None


def _validate(body: Any, resolver: TermResolver, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequestData("a subscription must be a JSON object")
    data = {k: v for k, v in body.items() if k != "@context"}
    if not partial:
        if data.get("type") != "Subscription":
            raise BadRequestData('a subscription needs "type": "Subscription"')
        if "id" in data and not is_uri(data["id"]):
            raise BadRequestData("the subscription id must be a URI")
        if "notification" not in data:
            raise BadRequestData("a subscription needs a notification member")
        if not data.get("entities") and not data.get("watchedAttributes"):
            raise BadRequestData("a subscription needs entities or watchedAttributes")
    else:
        unknown = set(data) - MUTABLE - {"id", "type"}
        if unknown:
            raise BadRequestData(f"cannot change {', '.join(sorted(unknown))}")
    if "entities" in data:
        _entities(data["entities"], resolver)
    if "watchedAttributes" in data:
        _names(data["watchedAttributes"], "watchedAttributes")
    if data.get("timeInterval") is not None:
        interval = data["timeInterval"]
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            raise BadRequestData("timeInterval must be a positive number of seconds")
        if data.get("watchedAttributes") or data.get("throttling"):
            raise BadRequestData(
                "timeInterval cannot be combined with watchedAttributes/throttling"
            )
    if "notificationTrigger" in data:
        triggers = data["notificationTrigger"]
        if not isinstance(triggers, list) or not triggers or not set(triggers) <= TRIGGERS:
            raise BadRequestData(f"notificationTrigger must list some of {sorted(TRIGGERS)}")
    if "q" in data:
        if not isinstance(data["q"], str):
            raise BadRequestData("q must be a string")
        parse_q(data["q"])
    if "csf" in data:
        # Context source filters select registrations; dosi checks their syntax (the q
        # grammar) and keeps them for when context sources are registered.
        if not isinstance(data["csf"], str):
            raise BadRequestData("csf must be a string")
        parse_q(data["csf"])
    if "scopeQ" in data:
        if not isinstance(data["scopeQ"], str):
            raise BadRequestData("scopeQ must be a string")
        compile_scope_q(data["scopeQ"])
    if "geoQ" in data:
        geo_query(data["geoQ"], resolver)
    if "expiresAt" in data:
        expires = parse_time(data["expiresAt"], "expiresAt")
        if not partial and expires <= datetime.now(UTC):
            raise BadRequestData("expiresAt must be in the future")
    if "throttling" in data:
        throttling = data["throttling"]
        if (
            not isinstance(throttling, int | float)
            or isinstance(throttling, bool)
            or throttling < 0
        ):
            raise BadRequestData("throttling must be a non-negative number of seconds")
    if "isActive" in data and not isinstance(data["isActive"], bool):
        raise BadRequestData("isActive must be true or false")
    if "notification" in data:
        _notification(data["notification"])
    return data


def geo_query(geo: Any, resolver: TermResolver) -> Any:
    if not isinstance(geo, dict):
        raise BadRequestData("geoQ must be an object")
    coords = geo.get("coordinates")
    query = parse_geo_query(
        geo.get("georel"), geo.get("geometry"), coords, geo.get("geoproperty"), resolver
    )
    if query is None:
        raise BadRequestData("geoQ needs georel, geometry and coordinates")
    return query


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise BadRequestData(f"{name} must be a DateTime string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequestData(f"{name} must be an ISO 8601 DateTime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entities(entities: Any, resolver: TermResolver) -> None:
    if not isinstance(entities, list) or not entities:
        raise BadRequestData("entities must be a non-empty list of EntitySelectors")
    for selector in entities:
        if not isinstance(selector, dict) or not isinstance(selector.get("type"), str):
            raise BadRequestData("each EntitySelector needs a type")
        parse_type_selection(selector["type"], resolver)
        if "id" in selector and not is_uri(selector["id"]):
            raise BadRequestData("an EntitySelector id must be a URI")
        if "idPattern" in selector:
            try:
                re.compile(selector["idPattern"])
            except (re.error, TypeError):
                raise BadRequestData("idPattern is not a valid regular expression") from None


def _names(names: Any, what: str) -> None:
    if not isinstance(names, list) or not names:
        raise BadRequestData(f"{what} must be a non-empty list of attribute names")
    for name in names:
        if not isinstance(name, str) or not _NAME.match(name):
            raise BadRequestData(f"invalid attribute name {name!r} in {what}")


def _notification(notification: Any) -> None:
    if not isinstance(notification, dict):
        raise BadRequestData("notification must be an object")
    endpoint = notification.get("endpoint")
    if not isinstance(endpoint, dict) or not isinstance(endpoint.get("uri"), str):
        raise BadRequestData("notification.endpoint.uri is required")
    parts = urlsplit(endpoint["uri"])
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise BadRequestData("notification.endpoint.uri must be an http(s) or mqtt(s) URL")
    accept = endpoint.get("accept", "application/json")
    if accept not in ("application/json", "application/ld+json", "application/geo+json"):
        raise BadRequestData("endpoint.accept must be application/json or application/ld+json")
    for member in ("receiverInfo", "notifierInfo"):
        info = endpoint.get(member, [])
        if not isinstance(info, list) or not all(
            isinstance(i, dict)
            and isinstance(i.get("key"), str)
            and isinstance(i.get("value"), str)
            for i in info
        ):
            raise BadRequestData(f"endpoint.{member} must be a list of key/value objects")
    fmt = notification.get("format", "normalized")
    if fmt not in FORMATS:
        raise BadRequestData(f"notification.format must be one of {sorted(FORMATS)}")
    if "attributes" in notification:
        _names(notification["attributes"], "notification.attributes")
    for flag in ("sysAttrs", "showChanges"):
        if flag in notification and not isinstance(notification[flag], bool):
            raise BadRequestData(f"notification.{flag} must be true or false")


def status_of(sub: dict[str, Any], now: datetime | None = None) -> str:
    """active, paused or expired (§5.2.12)."""
    expires = sub["body"].get("expiresAt")
    if expires and parse_time(expires, "expiresAt") <= (now or datetime.now(UTC)):
        return "expired"
    return "active" if sub["body"].get("isActive", True) else "paused"


def render(sub: dict[str, Any], *, with_context: bool) -> dict[str, Any]:
    """The client view: the body with status members merged into ``notification``."""
    out = {k: v for k, v in sub["body"].items()}
    out["id"] = sub["id"]
    out["type"] = "Subscription"
    out.setdefault("isActive", True)
    out["status"] = status_of(sub)
    notification = dict(out.get("notification", {}))
    for member in STATUS_MEMBERS:
        if sub.get(member) is not None:
            notification[member] = sub[member]
    notification["status"] = "failed" if sub.get("lastFailureSinceSuccess") else "ok"
    out["notification"] = notification
    if with_context:
        out["@context"] = sub.get("context")
    return out
