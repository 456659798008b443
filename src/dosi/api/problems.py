"""The one place errors become HTTP responses: NGSI-LD ProblemDetails (§5.5.2)."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from dosi.api.responses import json_response
from dosi.errors import (
    ERRORS_BASE,
    InternalError,
    InvalidRequest,
    NgsiLdError,
    OperationNotSupported,
    ResourceNotFound,
)

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/json"
#: JSON Schema of a ProblemDetails body, for the OpenAPI documents.
PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["type", "title"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
    },
}


def problem_response(error: NgsiLdError) -> Response:
    return json_response(error.to_problem(), status=error.status, media_type=PROBLEM_JSON)


async def ngsi_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NgsiLdError)
    return problem_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, wrong method) in ProblemDetails form."""
    assert isinstance(exc, HTTPException)
    error: NgsiLdError
    if exc.status_code == 404:
        error = ResourceNotFound(f"no resource at {request.url.path}")
    elif exc.status_code == 405:
        error = OperationNotSupported(f"{request.method} is not supported on {request.url.path}")
        response = problem_response(error)
        response.status_code = 405
        return response
    else:
        error = InvalidRequest(str(exc.detail))
        response = problem_response(error)
        response.status_code = exc.status_code
        return response
    return problem_response(error)


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a 500 with a request id; the traceback goes to the log only."""
    request_id = uuid.uuid4().hex
    logger.error(
        "unhandled error on %s %s (request %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    error = InternalError(
        f"an internal error occurred; quote request id {request_id} when reporting it",
        extra={"requestId": request_id},
    )
    return problem_response(error)


__all__ = ["ERRORS_BASE", "http_error_handler", "internal_error_handler", "ngsi_error_handler"]
