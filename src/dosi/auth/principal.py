"""Who is calling: the subject and its roles in each tenant."""

from __future__ import annotations

from dataclasses import dataclass, field

from dosi.auth.roles import Permission, Role, permissions_of


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``roles`` maps a tenant ('' = default) to its roles;
    the tenant ``*`` grants roles in every tenant."""

    subject: str
    roles: dict[str, frozenset[Role]] = field(default_factory=dict)
    #: True when authentication is off: everything is allowed (demo mode).
    anonymous: bool = False

    def roles_in(self, tenant: str) -> frozenset[Role]:
        return self.roles.get(tenant, frozenset()) | self.roles.get("*", frozenset())

    def can(self, permission: Permission, tenant: str) -> bool:
        if self.anonymous:
            return True
        return permission in permissions_of(self.roles_in(tenant))


ANONYMOUS = Principal(subject="anonymous", anonymous=True)
