"""Stream tickets: how the control room opens its live stream with authentication on.

A browser's ``EventSource`` cannot send an ``Authorization`` header, so the page trades
its bearer token for a ticket (``POST /auth/ticket``) and puts it in the stream URL
(``/ui/events?ticket=...``). A ticket is a token of dosi's own issuer with the caller's
subject and roles, valid for ``TICKET_TTL`` seconds and for its own audience
(``<audience>:events``): it is refused as a bearer token anywhere else, and it opens no
path but the stream. A ticket in a URL may end up in a proxy's log; its short life and
narrow audience are what make that acceptable. An open stream is not cut when its ticket
expires; a reconnecting page asks for a new one.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs

from dosi.auth.principal import Principal
from dosi.auth.tokens import TokenIssuer, TokenPolicy

TICKET_TTL: Final = 60.0
TICKET_PARAM: Final = "ticket"
#: The only paths a ticket opens.
TICKET_PATHS: Final = frozenset({"/ui/events"})


def ticket_audience(policy: TokenPolicy) -> str:
    return f"{policy.audience}:events"


def issue_ticket(issuer: TokenIssuer, principal: Principal) -> str:
    roles = {
        tenant: sorted(role.value for role in held) for tenant, held in principal.roles.items()
    }
    return issuer.issue(
        principal.subject, roles, audience=ticket_audience(issuer.policy), ttl=TICKET_TTL
    )


def query_value(query_string: bytes, name: str) -> str | None:
    """One query parameter of a raw ASGI query string (the first, if repeated)."""
    values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True).get(name)
    return values[0] if values else None


__all__ = [
    "TICKET_PARAM",
    "TICKET_PATHS",
    "TICKET_TTL",
    "issue_ticket",
    "query_value",
    "ticket_audience",
]
