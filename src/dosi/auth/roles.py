"""Roles and permissions: what each role may do, per tenant (checked on every endpoint)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    CITY_ADMIN = "city-admin"
    DEVICE = "device"
    FEDERATION_PEER = "federation-peer"


class Permission(StrEnum):
    """Coarse capabilities; every route names the one it needs."""

    READ = "read"  # entities, types, temporal, contexts (GET)
    WRITE = "write"  # entity and batch writes
    INGEST = "ingest"  # device northbound (MQTT/HTTP measures)
    PROVISION = "provision"  # IoT service groups and devices
    OPERATE = "operate"  # incidents: acknowledge, dispatch, comment
    ADMIN = "admin"  # rules, users, contexts management, tenants
    FEDERATE = "federate"  # context-source registrations, federated queries


ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.OPERATE}),
    Role.CITY_ADMIN: frozenset(Permission),
    Role.DEVICE: frozenset({Permission.INGEST}),
    Role.FEDERATION_PEER: frozenset({Permission.READ, Permission.FEDERATE}),
}


def permissions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def parse_roles(values: object) -> frozenset[Role]:
    """Roles from a token claim; unknown names are ignored (never widen access)."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return frozenset()
    known = {r.value: r for r in Role}
    return frozenset(known[v] for v in values if isinstance(v, str) and v in known)
