"""Authentication and authorization for every HTTP request (pure ASGI middleware).

With auth off every request runs as the anonymous principal (the demo default). With auth
on, a bearer token is required except on public paths, and the principal's roles in the
request's tenant (``NGSILD-Tenant``) must grant the endpoint's permission. The live stream
(``/ui/events``) also takes a stream ticket in its URL and names its tenant in ``?tenant=``
(``dosi.auth.tickets``).
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from dosi.auth.policy import is_public, required_permission
from dosi.auth.principal import ANONYMOUS, Principal
from dosi.auth.tickets import TICKET_PARAM, TICKET_PATHS, query_value, ticket_audience
from dosi.auth.tokens import TokenError, TokenVerifier
from dosi.core.audit import ACTOR
from dosi.errors import Forbidden, NgsiLdError, Unauthorized

logger = logging.getLogger(__name__)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, verifier: TokenVerifier | None) -> None:
        """``verifier`` None means authentication is off."""
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            principal = self._authorize(scope)
        except NgsiLdError as error:
            await _problem(error, scope, receive, send)
            return
        scope["principal"] = principal
        token = ACTOR.set(principal.subject)
        try:
            await self.app(scope, receive, send)
        finally:
            ACTOR.reset(token)

    def _authorize(self, scope: Scope) -> Principal:
        if self.verifier is None:
            return ANONYMOUS
        path: str = scope["path"]
        headers = Headers(scope=scope)
        authorization = headers.get("authorization", "")
        principal: Principal | None = None
        query = scope.get("query_string", b"")
        ticket = query_value(query, TICKET_PARAM) if path in TICKET_PATHS else None
        try:
            if authorization.lower().startswith("bearer "):
                principal = self.verifier.verify(authorization[7:].strip())
            elif ticket is not None:
                audience = ticket_audience(self.verifier.policy)
                principal = self.verifier.verify(ticket, audience=audience)
        except TokenError as exc:
            raise Unauthorized(str(exc)) from None
        if is_public(path):
            return principal or Principal(subject="public")
        if principal is None:
            raise Unauthorized("a bearer token is required (Authorization: Bearer ...)")
        tenant = headers.get("ngsild-tenant", "").strip()
        if path in TICKET_PATHS and not tenant:
            tenant = (query_value(query, "tenant") or "").strip()
        permission = required_permission(scope.get("method", "GET"), path)
        if permission is None:
            return principal
        if not principal.can(permission, tenant):
            logger.info(
                "denied %s %s to %s in tenant %r",
                scope.get("method"),
                path,
                principal.subject,
                tenant,
            )
            raise Forbidden(
                f"{principal.subject} lacks the {permission.value} permission "
                f"in tenant {tenant or '(default)'}"
            )
        return principal


async def _problem(error: NgsiLdError, scope: Scope, receive: Receive, send: Send) -> None:
    from dosi.api.problems import problem_response

    response = problem_response(error)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dosi"'
    await response(scope, receive, send)
