"""dosi's exceptions.

* DosiError
  x NgsiLdError            (maps to an NGSI-LD ProblemDetails, ETSI GS CIM 009 §5.5.2)
    + InvalidRequest, BadRequestData, AlreadyExists, OperationNotSupported,
      ResourceNotFound, InternalError, TooComplexQuery, TooManyResults,
      LdContextNotAvailable, NoMultiTenantSupport, NonexistentTenant,
      NotAcceptable, UnsupportedMediaType, Conflict,
      Unauthorized, Forbidden, TooManyRequests     (dosi's own type URIs)
  x StoreError             (a backend failed; never shown raw to a client)
  x IngestError            (bad device payload; goes to the dead-letter store)
  x AppError               (a plug-in failed to set up or run)
"""

from __future__ import annotations

from typing import Any, ClassVar

ERRORS_BASE = "https://uri.etsi.org/ngsi-ld/errors/"


class DosiError(Exception):
    """Root of every error dosi raises on purpose."""


class NgsiLdError(DosiError):
    """An error with an NGSI-LD ProblemDetails representation."""

    type_uri: ClassVar[str] = ERRORS_BASE + "InternalError"
    title_default: ClassVar[str] = "Internal error"
    status: ClassVar[int] = 500

    def __init__(
        self, detail: str, *, title: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.title = title or self.title_default
        self.extra = extra or {}

    def to_problem(self) -> dict[str, Any]:
        """The ProblemDetails body (RFC 9457) the API returns for this error."""
        body: dict[str, Any] = {"type": self.type_uri, "title": self.title, "detail": self.detail}
        body.update(self.extra)
        return body


class InvalidRequest(NgsiLdError):
    """The request is syntactically wrong: bad JSON, bad parameters (400)."""

    type_uri = ERRORS_BASE + "InvalidRequest"
    title_default = "Invalid request"
    status = 400


class BadRequestData(NgsiLdError):
    """The request is well formed but its content breaks NGSI-LD rules (400)."""

    type_uri = ERRORS_BASE + "BadRequestData"
    title_default = "Bad request data"
    status = 400


class AlreadyExists(NgsiLdError):
    """The entity, subscription or registration already exists (409)."""

    type_uri = ERRORS_BASE + "AlreadyExists"
    title_default = "Already exists"
    status = 409


class OperationNotSupported(NgsiLdError):
    """The operation is not supported for this resource (422)."""

    type_uri = ERRORS_BASE + "OperationNotSupported"
    title_default = "Operation not supported"
    status = 422


class ResourceNotFound(NgsiLdError):
    """The referred resource does not exist (404)."""

    type_uri = ERRORS_BASE + "ResourceNotFound"
    title_default = "Resource not found"
    status = 404


class InternalError(NgsiLdError):
    """Something unexpected failed; details are in the log, not the response (500)."""


class TooComplexQuery(NgsiLdError):
    """The query is too complex to be answered (403)."""

    type_uri = ERRORS_BASE + "TooComplexQuery"
    title_default = "Too complex query"
    status = 403


class TooManyResults(NgsiLdError):
    """The query would return more results than allowed (403)."""

    type_uri = ERRORS_BASE + "TooManyResults"
    title_default = "Too many results"
    status = 403


class LdContextNotAvailable(NgsiLdError):
    """A JSON-LD @context could not be resolved (503)."""

    type_uri = ERRORS_BASE + "LdContextNotAvailable"
    title_default = "LD context not available"
    status = 503


class NoMultiTenantSupport(NgsiLdError):
    """Multi-tenancy is not available for this operation (501)."""

    type_uri = ERRORS_BASE + "NoMultiTenantSupport"
    title_default = "No multi-tenant support"
    status = 501


class NonexistentTenant(NgsiLdError):
    """The tenant named in NGSILD-Tenant does not exist (404)."""

    type_uri = ERRORS_BASE + "NonexistentTenant"
    title_default = "Nonexistent tenant"
    status = 404


class NotAcceptable(NgsiLdError):
    """No representation matches the Accept header (406)."""

    type_uri = ERRORS_BASE + "NotAcceptable"
    title_default = "Not acceptable"
    status = 406


class UnsupportedMediaType(NgsiLdError):
    """The request body's media type is not accepted (415)."""

    type_uri = ERRORS_BASE + "UnsupportedMediaType"
    title_default = "Unsupported media type"
    status = 415


class Conflict(NgsiLdError):
    """The request conflicts with the resource's state (409)."""

    type_uri = ERRORS_BASE + "Conflict"
    title_default = "Conflict"
    status = 409


DOSI_ERRORS_BASE = "https://dosi.city/errors/"


class Unauthorized(NgsiLdError):
    """No valid credentials were presented (401); NGSI-LD leaves auth to the platform."""

    type_uri = DOSI_ERRORS_BASE + "Unauthorized"
    title_default = "Unauthorized"
    status = 401


class Forbidden(NgsiLdError):
    """The caller's roles do not allow this operation in this tenant (403)."""

    type_uri = DOSI_ERRORS_BASE + "Forbidden"
    title_default = "Forbidden"
    status = 403


class TooManyRequests(NgsiLdError):
    """A rate limit was exceeded (429)."""

    type_uri = DOSI_ERRORS_BASE + "TooManyRequests"
    title_default = "Too many requests"
    status = 429


class StoreError(DosiError):
    """A storage backend failed for a reason that is not the client's fault."""


class IngestError(DosiError):
    """A device payload could not be taken in; the reason goes to the dead-letter store."""


class AppError(DosiError):
    """A city app failed to set up or run."""


__all__ = [
    "DOSI_ERRORS_BASE",
    "ERRORS_BASE",
    "AlreadyExists",
    "AppError",
    "BadRequestData",
    "Conflict",
    "DosiError",
    "Forbidden",
    "IngestError",
    "InternalError",
    "InvalidRequest",
    "LdContextNotAvailable",
    "NgsiLdError",
    "NoMultiTenantSupport",
    "NonexistentTenant",
    "NotAcceptable",
    "OperationNotSupported",
    "ResourceNotFound",
    "StoreError",
    "TooComplexQuery",
    "TooManyRequests",
    "TooManyResults",
    "Unauthorized",
    "UnsupportedMediaType",
]
