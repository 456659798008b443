"""Provisioning persistence and look-up: service groups and devices in the store.

Groups are few: all of them are held in memory (loaded at start) and indexed by the
SHA-256 of their API key, the only form in which a key is stored. Devices may be many:
they are read on demand and kept in a bounded LRU cache of resolved ``DeviceProfile``s
(unknown devices are remembered briefly, so a flood of bad ids does not hammer the
store). Provisioning a device also creates or updates its entity with the static and
command attributes, so it is on the map before its first measure.

Raw API keys are kept in memory only (learned from provisioning requests and from
device messages): the southbound command topic needs the key, and it is never stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext, ContextResolver
from dosi.core.model import Entity, Instance, TermResolver
from dosi.core.representation import parse_attributes
from dosi.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from dosi.ingest._documents import put_documents
from dosi.ingest.const import COMMANDS, DEVICES, ENTITY_INDEX, GROUPS
from dosi.ingest.errors import UnknownDevice, WrongApiKey
from dosi.ingest.expressions import Expression, compile_expression
from dosi.ingest.model import AttributeMapping, DeviceIn, ServiceGroupIn
from dosi.store.base import Store

logger = logging.getLogger(__name__)

NEGATIVE_TTL: Final = 10.0
ENTITY_CHUNK: Final = 1_000
LOOKUP_CONCURRENCY: Final = 256


def hash_apikey(apikey: str) -> str:
    return hashlib.sha256(apikey.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Mapping:
    """A compiled attribute mapping: the expanded name and the parsed expression."""

    key: str
    name: str
    iri: str
    kind: str
    value_type: str | None
    expression: Expression | None
    unit_code: str | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """Everything the hot path needs to turn a device message into entity attributes."""

    tenant: str
    device_id: str
    group_id: str
    apikey_hash: str
    entity_id: str
    entity_type: str
    protocol: str
    transport: str
    ctx: ActiveContext
    mappings: dict[str, Mapping]
    explicit_attrs: bool
    #: command name → expanded attribute IRI
    commands: dict[str, str]
    endpoint: str | None


@dataclass(frozen=True, slots=True)
class Group:
    tenant: str
    id: str
    apikey_hash: str
    doc: dict[str, Any]


def _bad(exc: ValidationError, what: str) -> BadRequestData:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or what}: {err['msg']}" for err in exc.errors()
    )
    return BadRequestData(f"invalid {what}: {problems}")


def parse_group(body: Any) -> ServiceGroupIn:
    try:
        return ServiceGroupIn.model_validate(body)
    except ValidationError as exc:
        raise _bad(exc, "service group") from None


def parse_device(body: Any) -> DeviceIn:
    try:
        return DeviceIn.model_validate(body)
    except ValidationError as exc:
        raise _bad(exc, "device") from None


def compile_mapping(mapping: AttributeMapping, ctx: TermResolver) -> Mapping:
    """Expand the attribute name and parse the expression of one mapping."""
    return Mapping(
        key=mapping.key,
        name=mapping.name,
        iri=ctx.expand(mapping.name),
        kind=mapping.type,
        value_type=mapping.value_type,
        expression=compile_expression(mapping.expression) if mapping.expression else None,
        unit_code=mapping.unit_code,
        minimum=mapping.min,
        maximum=mapping.max,
    )


class Registry:
    """Service groups and devices of every tenant, backed by store documents."""

    def __init__(
        self,
        store: Store,
        resolver: ContextResolver,
        entities: EntityService,
        *,
        cache_size: int = 100_000,
    ) -> None:
        self.store = store
        self.resolver = resolver
        self.entities = entities
        self.cache_size = cache_size
        self._groups: dict[tuple[str, str], Group] = {}
        self._by_hash: dict[str, Group] = {}
        self._keys: dict[str, str] = {}  # apikey hash → apikey (memory only)
        self._hashes: dict[str, str] = {}  # apikey → hash (bounded memo)
        self._profiles: OrderedDict[tuple[str, str], DeviceProfile | float] = OrderedDict()
        self._lock = asyncio.Lock()
        #: Called with an API key hash when its raw key becomes known (commands wait).
        self.key_listeners: list[Callable[[str], None]] = []
        #: Expanded IRIs of every command attribute, per tenant (persisted): the cheap
        #: filter the command dispatcher applies to each entity change.
        self.command_iris: dict[str, set[str]] = {}

    async def load(self) -> None:
        """Read every tenant's service groups into memory."""
        for tenant in await self.store.list_tenants():
            after: str | None = None
            while True:
                page = await self.store.list_documents(tenant, GROUPS, after=after, limit=500)
                for key, doc in page:
                    self._index(Group(tenant, key, doc["apikey_sha256"], doc))
                if len(page) < 500:
                    break
                after = page[-1][0]
            keys = [k for k, _ in await self.store.list_documents(tenant, COMMANDS)]
            if keys:
                self.command_iris[tenant] = set(keys)
        logger.info("ingest: %d service groups loaded", len(self._groups))

    # -- API keys ------------------------------------------------------------------
    def hash_of(self, apikey: str) -> str:
        found = self._hashes.get(apikey)
        if found is None:
            if len(self._hashes) > 10_000:
                self._hashes.clear()
            found = self._hashes[apikey] = hash_apikey(apikey)
        return found

    def apikey_for(self, apikey_hash: str) -> str | None:
        """The raw API key of a group, if seen since start (needed for command topics)."""
        return self._keys.get(apikey_hash)

    def learn(self, apikey: str, apikey_hash: str) -> None:
        known = apikey_hash in self._keys
        self._keys[apikey_hash] = apikey
        if not known:
            for listener in self.key_listeners:
                listener(apikey_hash)

    def group_by_apikey(self, apikey: str) -> Group | None:
        return self._by_hash.get(self.hash_of(apikey))

    def _index(self, group: Group) -> None:
        self._groups[(group.tenant, group.id)] = group
        self._by_hash[group.apikey_hash] = group

    def _unindex(self, group: Group) -> None:
        self._groups.pop((group.tenant, group.id), None)
        if self._by_hash.get(group.apikey_hash) is group:
            del self._by_hash[group.apikey_hash]

    # -- hot path --------------------------------------------------------------------
    async def profile(self, apikey: str, device_id: str) -> DeviceProfile:
        """The device behind a topic; WrongApiKey / UnknownDevice otherwise."""
        group = self.group_by_apikey(apikey)
        if group is None:
            raise WrongApiKey("no service group has this API key")
        profile = await self.device_profile(group.tenant, device_id)
        if profile is None:
            raise UnknownDevice(f"device {device_id!r} is not provisioned", tenant=group.tenant)
        if profile.apikey_hash != group.apikey_hash:
            raise WrongApiKey(
                f"device {device_id!r} belongs to another service group", tenant=group.tenant
            )
        if group.apikey_hash not in self._keys:
            self.learn(apikey, group.apikey_hash)
        return profile

    async def device_profile(self, tenant: str, device_id: str) -> DeviceProfile | None:
        key = (tenant, device_id)
        cached = self._profiles.get(key)
        if isinstance(cached, DeviceProfile):
            self._profiles.move_to_end(key)
            return cached
        if cached is not None and time.monotonic() < cached:
            return None
        doc = await self.store.get_document(tenant, DEVICES, device_id)
        profile = None if doc is None else await self._build(tenant, doc)
        self._remember(key, profile)
        return profile

    def _remember(self, key: tuple[str, str], profile: DeviceProfile | None) -> None:
        self._profiles[key] = profile if profile is not None else time.monotonic() + NEGATIVE_TTL
        self._profiles.move_to_end(key)
        while len(self._profiles) > self.cache_size:
            self._profiles.popitem(last=False)

    async def profile_of_entity(self, tenant: str, entity_id: str) -> DeviceProfile | None:
        doc = await self.store.get_document(tenant, ENTITY_INDEX, entity_id)
        if doc is None:
            return None
        return await self.device_profile(tenant, doc["device_id"])

    async def _build(self, tenant: str, doc: dict[str, Any]) -> DeviceProfile | None:
        group = self._groups.get((tenant, doc["group"]))
        if group is None:
            return None  # its group was deleted: the device is orphaned
        return await self._profile(tenant, group, DeviceIn.model_validate(_device_input(doc)))

    async def _profile(self, tenant: str, group: Group, device: DeviceIn) -> DeviceProfile:
        gdoc = group.doc
        ctx = await self.resolver.resolve(device.context or gdoc.get("context"))
        mappings = {
            m.key: compile_mapping(m, ctx)
            for m in [
                *(AttributeMapping.model_validate(a) for a in gdoc.get("attributes", [])),
                *device.attributes,
            ]
        }
        entity_type = device.entity_type or gdoc["entity_type"]
        commands = [*gdoc.get("commands", []), *device.commands]
        return DeviceProfile(
            tenant=tenant,
            device_id=device.device_id,
            group_id=group.id,
            apikey_hash=group.apikey_hash,
            entity_id=device.entity_id or f"urn:ngsi-ld:{entity_type}:{device.device_id}",
            entity_type=ctx.expand(entity_type),
            protocol=device.protocol or gdoc.get("protocol", "JSON"),
            transport=device.transport or gdoc.get("transport", "MQTT"),
            ctx=ctx,
            mappings=mappings,
            explicit_attrs=bool(gdoc.get("explicit_attrs")),
            commands={name: ctx.expand(name) for name in dict.fromkeys(commands)},
            endpoint=device.endpoint,
        )

    async def _declare_commands(self, tenant: str, iris: set[str]) -> None:
        known = self.command_iris.setdefault(tenant, set())
        new = sorted(iris - known)
        if new:
            await put_documents(self.store, tenant, [(COMMANDS, iri, {}) for iri in new])
            known.update(new)

    def invalidate(self) -> None:
        self._profiles.clear()

    # -- service groups ---------------------------------------------------------------
    def groups(self, tenant: str) -> list[dict[str, Any]]:
        return [_public_group(g) for (t, _), g in sorted(self._groups.items()) if t == tenant]

    def group(self, tenant: str, group_id: str) -> dict[str, Any]:
        return _public_group(self._group(tenant, group_id))

    def _group(self, tenant: str, group_id: str) -> Group:
        group = self._groups.get((tenant, group_id))
        if group is None:
            raise ResourceNotFound(f"service group {group_id!r} not found")
        return group

    def find_group(self, tenant: str, apikey: str) -> dict[str, Any] | None:
        group = self.group_by_apikey(apikey)
        return None if group is None or group.tenant != tenant else _public_group(group)

    async def add_groups(self, tenant: str, bodies: Sequence[ServiceGroupIn]) -> list[str]:
        """Create groups (all or none); AlreadyExists if an API key is taken."""
        async with self._lock:
            hashes = [self.hash_of(b.apikey) for b in bodies]
            if len(set(hashes)) != len(hashes):
                raise BadRequestData("the same apikey is given twice")
            commands: set[str] = set()
            for body, digest in zip(bodies, hashes, strict=True):
                if digest in self._by_hash:
                    raise AlreadyExists("a service group with this apikey already exists")
                commands |= await self._check_group(body)
            now = utc_now()
            groups = [
                Group(tenant, uuid.uuid4().hex[:16], digest, _group_doc(body, digest, now, now))
                for body, digest in zip(bodies, hashes, strict=True)
            ]
            await put_documents(self.store, tenant, [(GROUPS, g.id, g.doc) for g in groups])
            await self._declare_commands(tenant, commands)
            for group, body in zip(groups, bodies, strict=True):
                self._index(group)
                self.learn(body.apikey, group.apikey_hash)
            return [g.id for g in groups]

    async def replace_group(self, tenant: str, group_id: str, body: ServiceGroupIn) -> None:
        async with self._lock:
            old = self._group(tenant, group_id)
            digest = self.hash_of(body.apikey)
            other = self._by_hash.get(digest)
            if other is not None and other is not old:
                raise AlreadyExists("another service group has this apikey")
            commands = await self._check_group(body)
            doc = _group_doc(body, digest, old.doc["created_at"], utc_now())
            await self.store.put_document(tenant, GROUPS, group_id, doc)
            self._unindex(old)
            self._index(Group(tenant, group_id, digest, doc))
            self.learn(body.apikey, digest)
            await self._declare_commands(tenant, commands)
            self.invalidate()

    async def delete_group(self, tenant: str, group_id: str) -> None:
        """Devices of a deleted group stay provisioned but are refused (orphans)."""
        async with self._lock:
            group = self._group(tenant, group_id)
            await self.store.delete_document(tenant, GROUPS, group_id)
            self._unindex(group)
            self.invalidate()

    async def _check_group(self, body: ServiceGroupIn) -> set[str]:
        """Validate the group's @context and static attributes; its command IRIs."""
        ctx = await self.resolver.resolve(body.context)
        parse_attributes(body.static_attributes, ctx, now=utc_now())
        for mapping in body.attributes:
            compile_mapping(mapping, ctx)
        return {ctx.expand(name) for name in body.commands}

    # -- devices ---------------------------------------------------------------------
    async def add_devices(
        self, tenant: str, bodies: Sequence[DeviceIn], *, upsert: bool = False
    ) -> list[str]:
        """Create devices (all or none) and upsert their entities; AlreadyExists if a
        device id is taken, unless ``upsert`` (then existing devices are replaced)."""
        ids = [b.device_id for b in bodies]
        if len(set(ids)) != len(ids):
            raise BadRequestData("the same device_id is given twice")
        now = utc_now()
        prepared = [await self._prepare(tenant, body, now) for body in bodies]
        taken = [] if upsert else await self._existing(tenant, ids)
        if taken:
            shown = ", ".join(sorted(taken)[:10])
            raise AlreadyExists(f"{len(taken)} device(s) already exist: {shown}")
        docs: list[tuple[str, str, dict[str, Any]]] = []
        for item in prepared:
            docs.append((DEVICES, item.body.device_id, _device_doc(item.body, item.profile, now)))
            docs.append((ENTITY_INDEX, item.profile.entity_id, {"device_id": item.body.device_id}))
        await put_documents(self.store, tenant, docs)
        await self._declare_commands(
            tenant, {iri for item in prepared for iri in item.profile.commands.values()}
        )
        await self._upsert_entities(tenant, [item.entity for item in prepared])
        for item in prepared:
            self._remember((tenant, item.profile.device_id), item.profile)
        return ids

    async def replace_device(self, tenant: str, device_id: str, body: DeviceIn) -> None:
        if body.device_id != device_id:
            raise BadRequestData("the body's device_id differs from the one in the path")
        old = await self.store.get_document(tenant, DEVICES, device_id)
        if old is None:
            raise ResourceNotFound(f"device {device_id!r} not found")
        now = utc_now()
        item = await self._prepare(tenant, body, now)
        profile = item.profile
        doc = _device_doc(body, profile, now, created=old.get("created_at", now))
        docs = [
            (DEVICES, device_id, doc),
            (ENTITY_INDEX, profile.entity_id, {"device_id": device_id}),
        ]
        await put_documents(self.store, tenant, docs)
        if old.get("entity_id") != profile.entity_id:
            await self.store.delete_document(tenant, ENTITY_INDEX, old["entity_id"])
        await self._declare_commands(tenant, set(profile.commands.values()))
        await self._upsert_entities(tenant, [item.entity])
        self._remember((tenant, device_id), profile)

    async def delete_device(self, tenant: str, device_id: str) -> None:
        """The device goes; its entity stays (it is city data, not provisioning)."""
        doc = await self.store.get_document(tenant, DEVICES, device_id)
        if doc is None:
            raise ResourceNotFound(f"device {device_id!r} not found")
        await self.store.delete_document(tenant, DEVICES, device_id)
        await self.store.delete_document(tenant, ENTITY_INDEX, doc["entity_id"])
        self._profiles.pop((tenant, device_id), None)

    async def device(self, tenant: str, device_id: str) -> dict[str, Any]:
        doc = await self.store.get_document(tenant, DEVICES, device_id)
        if doc is None:
            raise ResourceNotFound(f"device {device_id!r} not found")
        return doc

    async def devices(
        self, tenant: str, *, limit: int, after: str | None = None
    ) -> list[dict[str, Any]]:
        return [
            doc
            for _, doc in await self.store.list_documents(tenant, DEVICES, after=after, limit=limit)
        ]

    async def _prepare(self, tenant: str, body: DeviceIn, now: str) -> _Prepared:
        """Validate a device against its group: profile, and the entity to upsert."""
        if body.apikey is not None:
            group = self.group_by_apikey(body.apikey)
            if group is None or group.tenant != tenant:
                raise BadRequestData(f"device {body.device_id}: no service group has this apikey")
            self.learn(body.apikey, group.apikey_hash)
        else:
            assert body.group is not None
            found = self._groups.get((tenant, body.group))
            if found is None:
                raise BadRequestData(
                    f"device {body.device_id}: service group {body.group!r} not found"
                )
            group = found
        try:
            profile = await self._profile(tenant, group, body)
            static = {**group.doc.get("static_attributes", {}), **body.static_attributes}
            attrs = parse_attributes(static, profile.ctx, now=now)
        except NgsiLdError as exc:
            raise BadRequestData(f"device {body.device_id}: {exc.detail}") from None
        for iri in profile.commands.values():
            attrs.setdefault(iri, [_instance("", now)])
        entity: Entity = {
            "id": profile.entity_id,
            "type": [profile.entity_type],
            "createdAt": now,
            "modifiedAt": now,
            "attrs": attrs,
        }
        return _Prepared(profile, body, entity)

    async def _existing(self, tenant: str, ids: Sequence[str]) -> list[str]:
        taken: list[str] = []
        semaphore = asyncio.Semaphore(LOOKUP_CONCURRENCY)

        async def check(device_id: str) -> None:
            cached = self._profiles.get((tenant, device_id))
            if isinstance(cached, DeviceProfile):
                taken.append(device_id)
                return
            async with semaphore:
                if await self.store.get_document(tenant, DEVICES, device_id) is not None:
                    taken.append(device_id)

        await asyncio.gather(*(check(i) for i in ids))
        return taken

    async def _upsert_entities(self, tenant: str, entities: list[Entity]) -> None:
        for start in range(0, len(entities), ENTITY_CHUNK):
            outcome = await self.entities.batch_upsert(
                tenant, entities[start : start + ENTITY_CHUNK], update=True
            )
            for entity_id, error in outcome.errors:
                logger.warning("ingest: entity %s not provisioned: %s", entity_id, error.detail)


@dataclass(frozen=True, slots=True)
class _Prepared:
    profile: DeviceProfile
    body: DeviceIn
    entity: Entity


def _instance(value: Any, now: str) -> Instance:
    return {"type": "Property", "value": value, "createdAt": now, "modifiedAt": now}


def _group_doc(body: ServiceGroupIn, digest: str, created: str, modified: str) -> dict[str, Any]:
    doc = body.model_dump(exclude={"apikey"}, exclude_none=True)
    doc["apikey_sha256"] = digest
    doc["created_at"] = created
    doc["modified_at"] = modified
    return doc


def _public_group(group: Group) -> dict[str, Any]:
    doc = {k: v for k, v in group.doc.items() if k != "apikey_sha256"}
    return {"id": group.id, **doc}


def _device_doc(
    body: DeviceIn, profile: DeviceProfile, now: str, *, created: str | None = None
) -> dict[str, Any]:
    doc = body.model_dump(exclude={"apikey"}, exclude_none=True)
    doc["group"] = profile.group_id
    doc["entity_id"] = profile.entity_id
    doc["entity_type"] = body.entity_type or profile.ctx.compact(profile.entity_type)
    doc["created_at"] = created or now
    doc["modified_at"] = now
    return doc


_STORED_ONLY: Final = frozenset({"created_at", "modified_at"})


def _device_input(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in _STORED_ONLY}


__all__ = [
    "DeviceProfile",
    "Group",
    "Mapping",
    "Registry",
    "compile_mapping",
    "hash_apikey",
    "parse_device",
    "parse_group",
]
