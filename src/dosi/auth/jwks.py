"""Keys of an external OIDC issuer: fetched from its JWKS endpoint and kept fresh.

Identity providers rotate their signing keys; a verifier that loaded them once would
start refusing every user after a rotation. The keys are therefore refreshed on a timer
and, rate-limited, as soon as a token names a key id we do not know yet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import httpx

from dosi.auth.tokens import TokenVerifier

logger = logging.getLogger(__name__)

DISCOVERY: Final = "/.well-known/openid-configuration"
#: Seconds between two refreshes asked for by unknown key ids.
MIN_INTERVAL: Final = 30.0
RETRY: Final = 60.0


class JwksError(Exception):
    """The issuer's keys could not be fetched or read."""


async def fetch_jwks(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    if response.status_code != 200:
        raise JwksError(f"{url} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise JwksError(f"{url} did not answer JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise JwksError(f"{url} holds no JWKS (a 'keys' array)")
    return body


async def discover_jwks_url(client: httpx.AsyncClient, issuer: str) -> str:
    """``jwks_uri`` from the issuer's OpenID Connect discovery document."""
    url = issuer.rstrip("/") + DISCOVERY
    response = await client.get(url)
    if response.status_code != 200:
        raise JwksError(f"{url} answered {response.status_code}")
    try:
        jwks_uri = response.json().get("jwks_uri")
    except (ValueError, AttributeError):
        jwks_uri = None
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise JwksError(f"{url} names no jwks_uri")
    return jwks_uri


class RemoteKeys:
    """Keeps ``verifier``'s external keys equal to the issuer's published JWKS."""

    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        jwks_url: str | None = None,
        issuer: str | None = None,
        refresh: float = 3600.0,
        timeout: float = 10.0,
    ) -> None:
        if jwks_url is None and issuer is None:
            raise ValueError("a JWKS URL or an issuer to discover it from is needed")
        self.verifier = verifier
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.refresh_every = refresh
        self.timeout = timeout
        self.loaded_at: float | None = None
        self._wanted = asyncio.Event()
        self._last_try = 0.0
        verifier.on_unknown_key = self._unknown_key

    def _unknown_key(self, kid: str | None) -> None:
        if time.monotonic() - self._last_try >= MIN_INTERVAL:
            logger.info("auth: token signed with unknown key %r; refreshing the JWKS", kid)
            self._wanted.set()

    async def refresh(self) -> int:
        """Fetch the keys now; returns how many were loaded. Raises JwksError."""
        self._last_try = time.monotonic()
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            try:
                if self.jwks_url is None:
                    assert self.issuer is not None
                    self.jwks_url = await discover_jwks_url(client, self.issuer)
                jwks = await fetch_jwks(client, self.jwks_url)
            except httpx.HTTPError as exc:
                raise JwksError(f"cannot reach the issuer: {exc}") from None
        loaded = self.verifier.set_remote_keys(jwks)
        self.loaded_at = time.time()
        return loaded

    async def run(self) -> None:
        """Refresh on a timer and when asked (unknown key ids); failures are retried."""
        while True:
            try:
                count = await self.refresh()
                logger.info("auth: %d signing keys loaded from %s", count, self.jwks_url)
                wait = self.refresh_every
            except JwksError as exc:
                logger.warning("auth: the issuer's keys are unavailable: %s", exc)
                wait = min(RETRY, self.refresh_every)
            self._wanted.clear()
            try:
                async with asyncio.timeout(wait):
                    await self._wanted.wait()
            except TimeoutError:
                pass
