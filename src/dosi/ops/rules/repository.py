"""Rules in the store: current documents, every version, and the expanded names they watch.

Each write stores the rule and a copy of it under its new version in one transaction, so
the history never misses a step. Entity type and attribute names are expanded with the
rule's @context when the rule is written, and the IRIs are stored with it: the engine
starts without fetching any context.
"""

from __future__ import annotations

import asyncio
import builtins
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dosi.core.clock import utc_now
from dosi.core.jsonld import ContextResolver
from dosi.errors import AlreadyExists, BadRequestData, Conflict, ResourceNotFound
from dosi.ops.rules.const import RULES, VERSION_SEP, VERSIONS
from dosi.ops.rules.model import Rule
from dosi.ops.rules.parse import describe
from dosi.store.base import Store
from dosi.store.documents import iter_documents, put_documents

#: Fields PATCH may change; the identity and the watched type stay as they are.
PATCHABLE = frozenset(
    {"name", "attribute", "condition", "severity", "category", "enabled", "active", "repeat"}
)


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule as stored: the client's document, its version and the expanded IRIs."""

    rule: Rule
    version: int
    created_at: str
    modified_at: str
    type_iri: str
    attr_iri: str | None

    def to_api(self) -> dict[str, Any]:
        return {
            **self.rule.model_dump(mode="json", exclude_none=True),
            "version": self.version,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
        }

    def to_doc(self) -> dict[str, Any]:
        return {**self.to_api(), "expanded": {"type": self.type_iri, "attribute": self.attr_iri}}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> StoredRule:
        body = {k: v for k, v in doc.items() if k not in ("version", "createdAt", "modifiedAt")}
        expanded = body.pop("expanded")
        return cls(
            rule=Rule.model_validate(body),
            version=doc["version"],
            created_at=doc["createdAt"],
            modified_at=doc["modifiedAt"],
            type_iri=expanded["type"],
            attr_iri=expanded["attribute"],
        )


def version_key(rule_id: str, version: int) -> str:
    return f"{rule_id}{VERSION_SEP}{version:09d}"


class RuleRepository:
    """CRUD and history of rules, per tenant."""

    def __init__(self, store: Store, resolver: ContextResolver) -> None:
        self.store = store
        self.resolver = resolver
        self._lock = asyncio.Lock()

    async def expand(self, rule: Rule) -> tuple[str, str | None]:
        """The entity type and attribute IRIs under the rule's @context."""
        ctx = await self.resolver.resolve(rule.context)
        selector = rule.selector()
        attr = ctx.expand(selector[0]) if selector is not None else None
        return ctx.expand(rule.entity_type), attr

    async def list(self, tenant: str) -> builtins.list[StoredRule]:
        return [
            StoredRule.from_doc(doc) async for _, doc in iter_documents(self.store, tenant, RULES)
        ]

    async def get(self, tenant: str, rule_id: str) -> StoredRule:
        doc = await self.store.get_document(tenant, RULES, rule_id)
        if doc is None:
            raise ResourceNotFound(f"no rule {rule_id!r}")
        return StoredRule.from_doc(doc)

    async def versions(self, tenant: str, rule_id: str) -> builtins.list[StoredRule]:
        await self.get(tenant, rule_id)
        prefix = f"{rule_id}{VERSION_SEP}"
        return [
            StoredRule.from_doc(doc)
            async for _, doc in iter_documents(self.store, tenant, VERSIONS, prefix=prefix)
        ]

    async def create(self, rule: Rule) -> StoredRule:
        type_iri, attr_iri = await self.expand(rule)
        async with self._lock:
            if await self.store.get_document(rule.tenant, RULES, rule.id) is not None:
                raise AlreadyExists(f"a rule {rule.id!r} already exists")
            now = utc_now()
            stored = StoredRule(rule, 1, now, now, type_iri, attr_iri)
            await self._write(stored)
        return stored

    async def replace(self, rule: Rule, expected: int | None = None) -> StoredRule:
        """Store ``rule`` as the next version; ``expected`` guards against lost updates."""
        type_iri, attr_iri = await self.expand(rule)
        async with self._lock:
            current = await self.get(rule.tenant, rule.id)
            self._check_version(current, expected)
            stored = StoredRule(
                rule, current.version + 1, current.created_at, utc_now(), type_iri, attr_iri
            )
            await self._write(stored)
        return stored

    async def patch(self, tenant: str, rule_id: str, changes: dict[str, Any]) -> StoredRule:
        unknown = set(changes) - PATCHABLE - {"version"}
        if unknown:
            raise BadRequestData(
                f"PATCH may change {', '.join(sorted(PATCHABLE))}; not {', '.join(sorted(unknown))}"
            )
        expected = changes.get("version")
        current = await self.get(tenant, rule_id)
        body = current.rule.model_dump(mode="json", exclude_none=True)
        body.update({k: v for k, v in changes.items() if k != "version"})
        try:
            rule = Rule.model_validate({k: v for k, v in body.items() if v is not None})
        except ValidationError as exc:
            raise BadRequestData(f"invalid rule: {describe(exc)}") from None
        if expected is None:
            expected = current.version
        return await self.replace(rule, expected)

    async def delete(self, tenant: str, rule_id: str) -> None:
        """Remove the rule and its history."""
        async with self._lock:
            await self.get(tenant, rule_id)
            prefix = f"{rule_id}{VERSION_SEP}"
            keys = [k async for k, _ in iter_documents(self.store, tenant, VERSIONS, prefix=prefix)]
            await self.store.delete_documents(tenant, VERSIONS, keys)
            await self.store.delete_document(tenant, RULES, rule_id)

    async def all(self) -> builtins.list[tuple[str, StoredRule]]:
        """Every rule of every tenant (the engine's start)."""
        found: builtins.list[tuple[str, StoredRule]] = []
        for tenant in dict.fromkeys(["", *await self.store.list_tenants()]):
            found.extend((tenant, stored) for stored in await self.list(tenant))
        return found

    @staticmethod
    def _check_version(current: StoredRule, expected: int | None) -> None:
        if expected is not None and expected != current.version:
            raise Conflict(
                f"rule {current.rule.id!r} is at version {current.version}, not {expected}; "
                "read it again and retry"
            )

    async def _write(self, stored: StoredRule) -> None:
        doc = stored.to_doc()
        tenant, rule_id = stored.rule.tenant, stored.rule.id
        await put_documents(
            self.store,
            tenant,
            [(RULES, rule_id, doc), (VERSIONS, version_key(rule_id, stored.version), doc)],
        )
