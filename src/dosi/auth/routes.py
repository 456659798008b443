"""Auth endpoints: token issuing for built-in users, the JWKS, the caller's own identity
and permissions, and user administration."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dosi.api.media import JSON
from dosi.api.requests import read_json, tenant_of
from dosi.api.responses import json_response
from dosi.auth.principal import ANONYMOUS, Principal
from dosi.auth.roles import permissions_of
from dosi.auth.tickets import TICKET_TTL, issue_ticket
from dosi.auth.tokens import TokenIssuer
from dosi.auth.users import UserStore
from dosi.errors import BadRequestData, Unauthorized


class AuthState:
    """What the auth routes need, set on ``app.state.auth`` in the lifespan."""

    def __init__(self, users: UserStore, issuer: TokenIssuer) -> None:
        self.users = users
        self.issuer = issuer


def _state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


async def token(request: Request) -> Response:
    """Password grant for built-in users: {"username", "password"} → a bearer token."""
    state = _state(request)
    body = await read_json(request, request.app.state.services.settings, (JSON,))
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("username", "password")
    ):
        raise BadRequestData("send a JSON object with username and password")
    user = await state.users.authenticate(body["username"], body["password"])
    if user is None:
        raise Unauthorized("unknown user, wrong password or disabled account")
    issued = state.issuer.issue(user.username, user.roles)
    return json_response(
        {"access_token": issued, "token_type": "Bearer", "expires_in": int(state.issuer.ttl)}
    )


async def jwks(request: Request) -> Response:
    return json_response(_state(request).issuer.jwks)


async def me(request: Request) -> Response:
    """Who the caller is and what it may do in the request's tenant (the control room
    hides what is not permitted; the server checks every call anyway)."""
    principal: Principal = request.scope.get("principal", ANONYMOUS)
    tenant = tenant_of(request)
    roles = principal.roles_in(tenant)
    return json_response(
        {
            "subject": principal.subject,
            "tenant": tenant,
            "roles": sorted(role.value for role in roles),
            "permissions": sorted(p.value for p in permissions_of(roles)),
        }
    )


async def ticket(request: Request) -> Response:
    """A stream ticket for the caller (``dosi.auth.tickets``): EventSource sends no headers."""
    principal: Principal = request.scope.get("principal", ANONYMOUS)
    issued = issue_ticket(_state(request).issuer, principal)
    return json_response({"ticket": issued, "expires_in": int(TICKET_TTL)})


async def list_users(request: Request) -> Response:
    return json_response([u.public() for u in await _state(request).users.list()])


async def add_user(request: Request) -> Response:
    body = await read_json(request, request.app.state.services.settings, (JSON,))
    if not isinstance(body, dict):
        raise BadRequestData("send a JSON object")
    roles = body.get("roles", {})
    if not isinstance(roles, dict) or not all(
        isinstance(v, list) and all(isinstance(r, str) for r in v) for v in roles.values()
    ):
        raise BadRequestData('roles must map tenants to role lists: {"": ["operator"]}')
    user = await _state(request).users.add(
        str(body.get("username", "")), str(body.get("password", "")), roles
    )
    return json_response(user.public(), status=201)


routes = [
    Route("/auth/token", token, methods=["POST"]),
    Route("/auth/jwks.json", jwks, methods=["GET"]),
    Route("/auth/me", me, methods=["GET"]),
    Route("/auth/ticket", ticket, methods=["POST"]),
    Route("/auth/users", list_users, methods=["GET"]),
    Route("/auth/users", add_user, methods=["POST"]),
]
