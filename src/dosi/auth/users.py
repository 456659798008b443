"""The built-in user store for cities without an identity provider (argon2 hashes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dosi.auth.passwords import hash_password, verify_password
from dosi.auth.roles import Role, parse_roles
from dosi.core.clock import utc_now
from dosi.errors import AlreadyExists, BadRequestData, ResourceNotFound
from dosi.store.base import Store

COLLECTION = "auth.users"
SYSTEM_TENANT = ""
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")


@dataclass(frozen=True)
class User:
    username: str
    roles: dict[str, list[str]]
    disabled: bool
    created_at: str

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "roles": self.roles,
            "disabled": self.disabled,
            "createdAt": self.created_at,
        }


class UserStore:
    """Users live in the store's documents, in the system tenant."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, username: str, password: str, roles: dict[str, list[str]]) -> User:
        if not _USERNAME.match(username):
            raise BadRequestData("a username is 2-64 letters, digits or . _ @ -")
        if len(password) < 10:
            raise BadRequestData("a password needs at least 10 characters")
        for tenant_roles in roles.values():
            if len(parse_roles(tenant_roles)) != len(tenant_roles):
                raise BadRequestData(f"roles must be among {', '.join(r.value for r in Role)}")
        if await self.store.get_document(SYSTEM_TENANT, COLLECTION, username) is not None:
            raise AlreadyExists(f"user {username} already exists")
        doc = {
            "passwordHash": hash_password(password),
            "roles": roles,
            "disabled": False,
            "createdAt": utc_now(),
        }
        await self.store.put_document(SYSTEM_TENANT, COLLECTION, username, doc)
        return _user(username, doc)

    async def list(self) -> list[User]:
        docs = await self.store.list_documents(SYSTEM_TENANT, COLLECTION)
        return [_user(name, doc) for name, doc in docs]

    async def set_disabled(self, username: str, disabled: bool) -> User:
        doc = await self.store.get_document(SYSTEM_TENANT, COLLECTION, username)
        if doc is None:
            raise ResourceNotFound(f"user {username} does not exist")
        doc["disabled"] = disabled
        await self.store.put_document(SYSTEM_TENANT, COLLECTION, username, doc)
        return _user(username, doc)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password matches and the account is enabled."""
        doc = await self.store.get_document(SYSTEM_TENANT, COLLECTION, username)
        if doc is None:
            verify_password(_DUMMY_HASH, password)  # same cost either way
            return None
        if not verify_password(doc["passwordHash"], password) or doc.get("disabled"):
            return None
        return _user(username, doc)


_DUMMY_HASH = hash_password("dosi-timing-equaliser")


def _user(username: str, doc: dict[str, Any]) -> User:
    return User(
        username,
        dict(doc.get("roles", {})),
        bool(doc.get("disabled")),
        str(doc.get("createdAt", "")),
    )
