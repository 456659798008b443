"""Which permission each endpoint needs: one table, checked for every request."""

from __future__ import annotations

from dosi.auth.roles import Permission

#: Paths anyone may reach, even with authentication on.
PUBLIC_PREFIXES = ("/health", "/auth/token", "/auth/jwks.json", "/static/", "/ui/assets/")
#: ``/ui/config.json`` tells the page whether to show the login form (nothing secret).
PUBLIC_EXACT = frozenset({"/", "/index.html", "/favicon.ico", "/ui/config.json"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API = "/ngsi-ld/v1"
#: Paths any authenticated caller may reach, whatever its roles (its own identity).
AUTHENTICATED_EXACT = frozenset({"/auth/me", "/auth/ticket"})
#: The HTTP device northbound (exact paths: ``/iot/devices`` is provisioning).
DEVICE_PATHS = frozenset({"/iot/json", "/iot/d"})


def is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def required_permission(method: str, path: str) -> Permission | None:
    """The permission a request needs (None: being authenticated is enough); unknown
    paths need ADMIN (deny by default)."""
    if path in AUTHENTICATED_EXACT:
        return None
    reading = method in READ_METHODS
    if path == "/openapi.json":
        return Permission.READ
    if path.startswith(API):
        rest = path[len(API) :]
        if rest.startswith("/entityOperations/query") or rest.startswith(
            "/temporal/entityOperations/query"
        ):
            return Permission.READ
        if rest.startswith("/jsonldContexts"):
            return Permission.READ if reading else Permission.ADMIN
        if rest.startswith("/csourceRegistrations") or rest.startswith("/csourceSubscriptions"):
            return Permission.READ if reading else Permission.FEDERATE
        return Permission.READ if reading else Permission.WRITE
    if path in DEVICE_PATHS:
        return Permission.INGEST
    if path.startswith("/iot/"):
        return Permission.READ if reading else Permission.PROVISION
    if path.startswith("/ops/rules"):
        return Permission.READ if reading else Permission.ADMIN
    if path.startswith("/ops/"):
        return Permission.READ if reading else Permission.OPERATE
    if path.startswith("/apps/"):
        return Permission.READ if reading else Permission.OPERATE
    if path.startswith("/auth/users"):
        return Permission.ADMIN
    if path.startswith("/ui/"):
        return Permission.READ
    return Permission.ADMIN
