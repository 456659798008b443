"""A service group's API keys: several at once, so a key can be rotated without downtime.

A group keeps a list of keys, each stored as its SHA-256 only, with when it was
created and, if set, when it expires or was revoked. Rotation issues a new key and,
with a grace period, lets the older keys expire that many seconds later, so devices
can be moved to the new key one by one. Group documents written before keys could
rotate hold one ``apikey_sha256``; they read as a group with a single key.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from dosi.core.clock import format_datetime
from dosi.ingest.errors import KeyExpired, KeyRevoked, Refused

#: Id of the one key of a group stored before rotation existed.
LEGACY_KEY_ID: Final = "initial"
#: Random bytes in an issued key (its text is URL-safe, so it fits an MQTT topic level).
KEY_BYTES: Final = 24
#: At most this many keys per group (revoked and expired ones included).
MAX_KEYS: Final = 32


def hash_apikey(apikey: str) -> str:
    return hashlib.sha256(apikey.encode()).hexdigest()


class KeyRequest(BaseModel):
    """Body of ``POST /iot/services/{id}/keys`` (all optional)."""

    model_config = ConfigDict(extra="forbid")

    grace: float | None = Field(
        default=None,
        ge=0,
        le=366 * 86_400,
        description="Rotate: the group's other keys expire this many seconds from now "
        "(0 = at once). Unset: they stay valid, the new key is added.",
    )
    expires_in: float | None = Field(
        default=None, gt=0, le=10 * 366 * 86_400, description="Seconds the new key is valid."
    )


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    sha256: str
    created_at: str
    #: Epoch seconds, for the hot path; None = never.
    expires: float | None = None
    revoked_at: str | None = None

    def refusal(self, now: float, tenant: str) -> Refused | None:
        """Why a message with this key is refused, or None if the key is valid."""
        if self.revoked_at is not None:
            return KeyRevoked(f"API key {self.id!r} was revoked", tenant=tenant)
        if self.expires is not None and now >= self.expires:
            return KeyExpired(f"API key {self.id!r} has expired", tenant=tenant)
        return None

    def active(self, now: float) -> bool:
        return self.refusal(now, "") is None

    def expiring(self, at: float) -> ApiKey:
        """This key, valid until ``at`` at the latest."""
        if self.expires is not None and self.expires <= at:
            return self
        return replace(self, expires=at)

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "expires_at": None if self.expires is None else _iso(self.expires),
            "revoked_at": self.revoked_at,
        }

    def public(self, now: float) -> dict[str, Any]:
        """What the API shows: everything but the hash, and the key's state."""
        doc = {k: v for k, v in self.to_doc().items() if k != "sha256" and v is not None}
        refusal = self.refusal(now, "")
        doc["status"] = "active" if refusal is None else refusal.reason.split("-")[0]
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ApiKey:
        expires = doc.get("expires_at")
        return cls(
            id=doc["id"],
            sha256=doc["sha256"],
            created_at=doc["created_at"],
            expires=None if expires is None else _epoch(expires),
            revoked_at=doc.get("revoked_at"),
        )


def new_key(now: float, expires_in: float | None = None) -> tuple[str, ApiKey]:
    """A fresh random key (shown once) and its stored form."""
    raw = secrets.token_urlsafe(KEY_BYTES)
    expires = None if expires_in is None else now + expires_in
    return raw, ApiKey(uuid.uuid4().hex[:12], hash_apikey(raw), _iso(now), expires)


def first_key(sha256: str, created_at: str) -> ApiKey:
    """The key a group is created with (its raw form came in the request)."""
    return ApiKey(uuid.uuid4().hex[:12], sha256, created_at)


def keys_of(doc: dict[str, Any]) -> tuple[ApiKey, ...]:
    """The keys of a stored group document, of either layout."""
    if "keys" in doc:
        return tuple(ApiKey.from_doc(k) for k in doc["keys"])
    return (ApiKey(LEGACY_KEY_ID, doc["apikey_sha256"], doc.get("created_at", _iso(0.0))),)


def with_keys(doc: dict[str, Any], keys: tuple[ApiKey, ...]) -> dict[str, Any]:
    """The group document with ``keys`` (in the current layout)."""
    out = {k: v for k, v in doc.items() if k not in ("apikey_sha256", "keys")}
    out["keys"] = [key.to_doc() for key in keys]
    return out


def _iso(epoch: float) -> str:
    return format_datetime(datetime.fromtimestamp(epoch, UTC))


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


__all__ = [
    "LEGACY_KEY_ID",
    "MAX_KEYS",
    "ApiKey",
    "KeyRequest",
    "first_key",
    "hash_apikey",
    "keys_of",
    "new_key",
    "with_keys",
]
