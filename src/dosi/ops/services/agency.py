"""A stand-in for the agencies (112, 119, disaster-safety, ...) for demos and tests.

It checks every message's signature like a real receiver must (``contract.verify``),
answers with an agency reference, and shows what it got at ``GET /received``.
``fail_first`` answers the first N valid messages with 503, to watch retries work.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dosi.ops.services import contract

logger = logging.getLogger(__name__)


class Agency:
    """What the simulated agencies received (valid messages only) and refused."""

    def __init__(self, secret: str, *, fail_first: int = 0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self._numbers = itertools.count(1)

    async def take(self, request: Request) -> Response:
        body = await request.body()
        if not contract.verify(
            self.secret,
            request.headers.get(contract.TIMESTAMP_HEADER),
            body,
            request.headers.get(contract.SIGNATURE_HEADER),
        ):
            self.refused += 1
            logger.warning("refused a message to %s: bad or stale signature", request.url.path)
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        if self.fail_first > 0:
            self.fail_first -= 1
            return JSONResponse({"error": "busy, retry later"}, status_code=503)
        try:
            message = orjson.loads(body)
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        service = request.headers.get(contract.SERVICE_HEADER, "agency")
        reference = f"{service.upper()}-{next(self._numbers):06d}"
        self.received.append(
            {
                "path": request.url.path,
                "service": service,
                "reference": reference,
                "headers": {
                    k: v for k, v in request.headers.items() if k.lower().startswith("x-dosi-")
                },
                "message": message,
                "at": time.time(),
            }
        )
        logger.info(
            "%s took %s message %s (incident %s) as %s",
            service,
            message.get("event"),
            message.get("messageId"),
            (message.get("incident") or {}).get("id"),
            reference,
        )
        return JSONResponse({"reference": reference, "received": message.get("messageId")})

    async def list_received(self, request: Request) -> Response:
        return JSONResponse(self.received)

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "received": len(self.received)})


def agency_app(secret: str, *, fail_first: int = 0) -> Starlette:
    agency = Agency(secret, fail_first=fail_first)
    app = Starlette(
        routes=[
            Route("/health", agency.health, methods=["GET"]),
            Route("/received", agency.list_received, methods=["GET"]),
            Route("/{service:path}", agency.take, methods=["POST"]),
        ]
    )
    app.state.agency = agency
    return app


def run(host: str, port: int, secret: str, *, fail_first: int = 0) -> None:
    """Serve the simulated agencies until interrupted."""
    import uvicorn

    uvicorn.run(
        agency_app(secret, fail_first=fail_first),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
    )
