"""The one message contract of every linked service: JSON body + HMAC-SHA256 signature.

A message is signed over ``f"{timestamp}.{body}"`` with the adapter's shared secret; the
receiver recomputes it, compares in constant time and refuses stale timestamps (replay).
``docs/linked-services.md`` is the human-readable version of this module.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Final

SPEC: Final = "dosi.linked-service/1"
TIMESTAMP_HEADER: Final = "X-Dosi-Timestamp"
SIGNATURE_HEADER: Final = "X-Dosi-Signature"
SERVICE_HEADER: Final = "X-Dosi-Service"
MESSAGE_HEADER: Final = "X-Dosi-Message-Id"
SCHEME: Final = "v1="
#: Largest accepted clock difference between sender and receiver, in seconds.
TOLERANCE: Final = 300.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SCHEME + mac.hexdigest()


def signed_headers(
    secret: str, body: bytes, *, service: str, message_id: str, now: float | None = None
) -> dict[str, str]:
    """The headers of one delivery attempt (a fresh timestamp each time)."""
    timestamp = str(int(time.time() if now is None else now))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        SERVICE_HEADER: service,
        MESSAGE_HEADER: message_id,
    }


def verify(
    secret: str,
    timestamp: str | None,
    body: bytes,
    presented: str | None,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> bool:
    """True if ``presented`` signs ``body`` at ``timestamp`` and the timestamp is fresh."""
    if not timestamp or not presented:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), presented)


def message(
    *,
    message_id: str,
    service: str,
    kind: str,
    event: str,
    sent_at: str,
    incident: dict[str, Any],
    context: dict[str, Any],
) -> dict[str, Any]:
    """The JSON body every adapter sends; ``context`` is the adapter-specific part."""
    return {
        "spec": SPEC,
        "messageId": message_id,
        "service": service,
        "kind": kind,
        "event": event,
        "sentAt": sent_at,
        "incident": incident,
        "context": context,
    }
