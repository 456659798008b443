"""Outbound HTTP delivery with retries and exponential backoff, ending in a receipt.

One attempt failing raises ``DeliveryError`` (the same class the subscription notifier
uses); after the last attempt the failure becomes a ``failed`` receipt, never an
exception, so an unreachable agency cannot break incident handling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from dosi.core.clock import utc_now
from dosi.core.subscriptions.delivery import DeliveryError

logger = logging.getLogger(__name__)

REFERENCE_HEADER = "X-Agency-Reference"
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Receipt:
    """What became of one message: delivered (with the agency's reference) or failed."""

    service: str
    message_id: str
    event: str
    status: str  # "delivered" | "failed"
    attempts: int
    at: str
    http_status: int | None = None
    reference: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The receipt as JSON (camelCase, unknown values left out)."""
        names = {"message_id": "messageId", "http_status": "httpStatus"}
        return {names.get(k, k): v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Outcome:
    attempts: int
    http_status: int | None
    reference: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


async def _attempt(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str | None]:
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"POST {url} failed: {exc!r}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"POST {url} answered {response.status_code}")
    reference = response.headers.get(REFERENCE_HEADER)
    if reference is None and response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("reference") is not None:
            reference = str(data["reference"])
    return response.status_code, reference


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: Callable[[], dict[str, str]],
    *,
    attempts: int,
    backoff: float,
    sleep: Sleep = asyncio.sleep,
) -> Outcome:
    """POST ``body`` until it is taken or ``attempts`` ran out (waits backoff·2ⁿ between)."""
    error = "not attempted"
    for attempt in range(1, attempts + 1):
        try:
            status, reference = await _attempt(client, url, body, headers())
        except DeliveryError as exc:
            error = str(exc)
            logger.warning("delivery attempt %d/%d: %s", attempt, attempts, error)
            if attempt < attempts:
                await sleep(backoff * 2 ** (attempt - 1))
            continue
        return Outcome(attempt, status, reference, None)
    return Outcome(attempts, None, None, error)


def receipt(service: str, message_id: str, event: str, outcome: Outcome) -> Receipt:
    return Receipt(
        service=service,
        message_id=message_id,
        event=event,
        status="delivered" if outcome.ok else "failed",
        attempts=outcome.attempts,
        at=utc_now(),
        http_status=outcome.http_status,
        reference=outcome.reference,
        error=outcome.error,
    )


class Background:
    """Deliveries in flight: each a named task; ``drain`` waits for them on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, within: float) -> None:
        """Wait up to ``within`` s for the running tasks, then cancel the rest."""
        pending = set(self._tasks)
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=within)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
