"""Why a device message was refused: the IngestError family and its dead-letter reasons.

* IngestError (dosi.errors)          reason
  + UnknownDevice                    unknown-device
  + WrongApiKey                      wrong-apikey
    + KeyRevoked                     revoked-apikey
    + KeyExpired                     expired-apikey
  + RateLimited                      rate-limited        (the key's token bucket is empty)
  + MalformedPayload                 malformed-payload   (bad JSON / UltraLight 2.0 / topic)
  + OutOfRange                       out-of-range        (a mapping's min/max, NaN, infinity)
  + ConversionFailed                 conversion-failed   (value type or expression failed)
  + NotStored                        not-stored          (the store refused the write)

Each class carries the ``reason`` used for dead letters and counters, and knows the
NGSI-LD error the HTTP northbound answers with.
"""

from __future__ import annotations

from typing import ClassVar

from dosi.errors import (
    BadRequestData,
    IngestError,
    InternalError,
    InvalidRequest,
    NgsiLdError,
    ResourceNotFound,
    TooManyRequests,
    Unauthorized,
)


class Refused(IngestError):
    """A message the agent refused; ``str(error)`` is the human reason."""

    reason: ClassVar[str] = "refused"
    http_error: ClassVar[type[NgsiLdError]] = BadRequestData

    def __init__(self, detail: str, *, tenant: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        #: The tenant the message belongs to, when known (its dead letter goes there).
        self.tenant = tenant

    def to_http(self) -> NgsiLdError:
        """The ProblemDetails error an HTTP device receives."""
        return self.http_error(self.detail)


class UnknownDevice(Refused):
    reason = "unknown-device"
    http_error = ResourceNotFound


class WrongApiKey(Refused):
    reason = "wrong-apikey"
    http_error = Unauthorized


class KeyRevoked(WrongApiKey):
    reason = "revoked-apikey"


class KeyExpired(WrongApiKey):
    reason = "expired-apikey"


class RateLimited(Refused):
    reason = "rate-limited"
    http_error = TooManyRequests


class MalformedPayload(Refused):
    reason = "malformed-payload"
    http_error = InvalidRequest


class OutOfRange(Refused):
    reason = "out-of-range"
    http_error = BadRequestData


class ConversionFailed(Refused):
    reason = "conversion-failed"
    http_error = BadRequestData


class NotStored(Refused):
    reason = "not-stored"
    http_error = InternalError


class ExpressionError(IngestError):
    """An expression is invalid (at provisioning) or cannot be evaluated (at run time)."""


REASONS: tuple[str, ...] = tuple(
    cls.reason
    for cls in (
        UnknownDevice,
        WrongApiKey,
        KeyRevoked,
        KeyExpired,
        RateLimited,
        MalformedPayload,
        OutOfRange,
        ConversionFailed,
        NotStored,
    )
)

__all__ = [
    "REASONS",
    "AgentUnavailable",
    "ConversionFailed",
    "ExpressionError",
    "KeyExpired",
    "KeyRevoked",
    "MalformedPayload",
    "NotStored",
    "OutOfRange",
    "RateLimited",
    "Refused",
    "UnknownDevice",
    "WrongApiKey",
]


class AgentUnavailable(NgsiLdError):
    """The device agent is not running (starting or shutting down) (503)."""

    type_uri = "https://dosi.city/errors/ServiceUnavailable"
    title_default = "Service unavailable"
    status = 503
