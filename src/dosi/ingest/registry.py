"""Provisioning persistence and look-up: service groups and devices in the store.

Groups are few: all of them are held in memory (loaded at start) and indexed by the
SHA-256 of each of their API keys, the only form in which a key is stored. A group may
have several keys (rotation, ``dosi.ingest.apikeys``) and a per-key rate limit. Devices may be many:
they are read on demand and kept in a bounded LRU cache of resolved ``DeviceProfile``s
(unknown devices are remembered briefly, so a flood of bad ids does not hammer the
store). Provisioning a device also creates or updates its entity with the static and
command attributes, so it is on the map before its first measure.

Raw API keys are kept in memory only (learned from provisioning requests and from
device messages): the southbound command topic needs the key the group's devices use
now, and it is never stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from dosi.core.clock import utc_now
from dosi.core.entities import EntityService
from dosi.core.jsonld import ActiveContext, ContextResolver
from dosi.core.model import Entity, Instance, TermResolver
from dosi.core.representation import parse_attributes
from dosi.errors import AlreadyExists, BadRequestData, NgsiLdError, ResourceNotFound
from dosi.ingest.apikeys import (
    MAX_KEYS,
    ApiKey,
    KeyRequest,
    first_key,
    hash_apikey,
    keys_of,
    new_key,
    with_keys,
)
from dosi.ingest.const import COMMANDS, DEVICES, ENTITY_INDEX, GROUPS
from dosi.ingest.errors import RateLimited, UnknownDevice, WrongApiKey
from dosi.ingest.expressions import Expression, compile_expression
from dosi.ingest.model import AttributeMapping, DeviceIn, ServiceGroupIn
from dosi.ingest.ratelimit import RateLimit, TokenBucket
from dosi.store.base import Store
from dosi.store.documents import put_documents

logger = logging.getLogger(__name__)

NEGATIVE_TTL: Final = 10.0
ENTITY_CHUNK: Final = 1_000
LOOKUP_CONCURRENCY: Final = 256
M = TypeVar("M", bound=BaseModel)


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
    doc: dict[str, Any]
    keys: tuple[ApiKey, ...]

    @property
    def limit(self) -> RateLimit | None:
        raw = self.doc.get("rate_limit")
        return None if raw is None else RateLimit.model_validate(raw)


def _bad(exc: ValidationError, what: str) -> BadRequestData:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or what}: {err['msg']}" for err in exc.errors()
    )
    return BadRequestData(f"invalid {what}: {problems}")


def parse_model(model: type[M], body: Any, what: str) -> M:
    """``body`` as ``model``; BadRequestData naming each problem otherwise."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _bad(exc, what) from None


def parse_group(body: Any) -> ServiceGroupIn:
    return parse_model(ServiceGroupIn, body, "service group")


def parse_device(body: Any) -> DeviceIn:
    return parse_model(DeviceIn, body, "device")


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
        self._by_hash: dict[str, tuple[Group, ApiKey]] = {}
        self._limits: dict[str, RateLimit | None] = {}  # group id → its limit
        self._buckets: dict[str, TokenBucket] = {}  # apikey hash → its bucket
        self._keys: dict[str, str] = {}  # group id → apikey its devices use (memory only)
        self._hashes: dict[str, str] = {}  # apikey → hash (bounded memo)
        #: Wall clock (epoch seconds) for key expiry and rate limits; tests replace it.
        self.clock: Callable[[], float] = time.time
        self._profiles: OrderedDict[tuple[str, str], DeviceProfile | float] = OrderedDict()
        self._lock = asyncio.Lock()
        #: Called with a group id when its raw API key becomes known (commands wait).
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
                    self._index(Group(tenant, key, doc, keys_of(doc)))
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

    def apikey_for(self, group_id: str) -> str | None:
        """The raw API key a group's devices use, if seen since start (command topics)."""
        return self._keys.get(group_id)

    def learn(self, apikey: str, group_id: str) -> None:
        known = group_id in self._keys
        self._keys[group_id] = apikey
        if not known:
            for listener in self.key_listeners:
                listener(group_id)

    def group_by_apikey(self, apikey: str, *, active: bool = False) -> Group | None:
        """The group holding this key (with ``active``: only if the key is valid now)."""
        found = self._by_hash.get(self.hash_of(apikey))
        if found is None or (active and not found[1].active(self.clock())):
            return None
        return found[0]

    def _index(self, group: Group) -> None:
        self._groups[(group.tenant, group.id)] = group
        self._limits[group.id] = group.limit
        for key in group.keys:
            self._by_hash[key.sha256] = (group, key)

    def _unindex(self, group: Group, replaced_by: Group | None = None) -> None:
        """Forget ``group``; the rate-limit buckets of keys it keeps stay as they are."""
        self._groups.pop((group.tenant, group.id), None)
        self._limits.pop(group.id, None)
        kept = {key.sha256 for key in replaced_by.keys} if replaced_by is not None else set()
        for key in group.keys:
            found = self._by_hash.get(key.sha256)
            if found is not None and found[0] is group:
                del self._by_hash[key.sha256]
            if key.sha256 not in kept:
                self._buckets.pop(key.sha256, None)

    # -- hot path --------------------------------------------------------------------
    async def profile(self, apikey: str, device_id: str) -> DeviceProfile:
        """The device behind a topic; WrongApiKey (or its revoked / expired kinds),
        RateLimited or UnknownDevice otherwise."""
        found = self._by_hash.get(self.hash_of(apikey))
        if found is None:
            raise WrongApiKey("no service group has this API key")
        group, key = found
        now = self.clock()
        refusal = key.refusal(now, group.tenant)
        if refusal is not None:
            raise refusal
        self._throttle(group, key, now)
        profile = await self.device_profile(group.tenant, device_id)
        if profile is None:
            raise UnknownDevice(f"device {device_id!r} is not provisioned", tenant=group.tenant)
        if profile.group_id != group.id:
            raise WrongApiKey(
                f"device {device_id!r} belongs to another service group", tenant=group.tenant
            )
        if self._keys.get(group.id) != apikey:
            self.learn(apikey, group.id)
        return profile

    def _throttle(self, group: Group, key: ApiKey, now: float) -> None:
        limit = self._limits.get(group.id)
        if limit is None:
            return
        bucket = self._buckets.get(key.sha256)
        if bucket is None or (bucket.rate, bucket.burst) != (limit.per_second, limit.burst):
            bucket = self._buckets[key.sha256] = TokenBucket.full(limit, now)
        if not bucket.take(now):
            raise RateLimited(
                f"API key {key.id!r} is over its limit of {limit.per_second:g} messages/s "
                f"(burst {limit.burst}); retry in {bucket.retry_after():.2f} s",
                tenant=group.tenant,
            )

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
        return [self._public(g) for (t, _), g in sorted(self._groups.items()) if t == tenant]

    def group(self, tenant: str, group_id: str) -> dict[str, Any]:
        return self._public(self._group(tenant, group_id))

    def _public(self, group: Group) -> dict[str, Any]:
        now = self.clock()
        doc = {k: v for k, v in group.doc.items() if k not in ("apikey_sha256", "keys")}
        return {"id": group.id, **doc, "keys": [key.public(now) for key in group.keys]}

    def _group(self, tenant: str, group_id: str) -> Group:
        group = self._groups.get((tenant, group_id))
        if group is None:
            raise ResourceNotFound(f"service group {group_id!r} not found")
        return group

    def find_group(self, tenant: str, apikey: str) -> dict[str, Any] | None:
        group = self.group_by_apikey(apikey)
        return None if group is None or group.tenant != tenant else self._public(group)

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
                _new_group(tenant, uuid.uuid4().hex[:16], body, (first_key(digest, now),), now)
                for body, digest in zip(bodies, hashes, strict=True)
            ]
            await put_documents(self.store, tenant, [(GROUPS, g.id, g.doc) for g in groups])
            await self._declare_commands(tenant, commands)
            for group, body in zip(groups, bodies, strict=True):
                self._index(group)
                self.learn(body.apikey, group.id)
            return [g.id for g in groups]

    async def replace_group(self, tenant: str, group_id: str, body: ServiceGroupIn) -> None:
        """Replace a group's settings. An ``apikey`` among its valid keys keeps them all;
        a new one replaces them (the others are revoked, as before rotation existed)."""
        async with self._lock:
            old = self._group(tenant, group_id)
            digest = self.hash_of(body.apikey)
            other = self._by_hash.get(digest)
            if other is not None and other[0] is not old:
                raise AlreadyExists("another service group has this apikey")
            now = utc_now()
            if other is not None:
                if not other[1].active(self.clock()):
                    raise BadRequestData("this apikey was revoked or has expired")
                keys = old.keys
            else:
                keys = (*_revoke_all(old.keys, now), first_key(digest, now))
            commands = await self._check_group(body)
            keys = _bounded(keys, self.clock())
            group = _new_group(tenant, group_id, body, keys, old.doc["created_at"], now)
            await self.store.put_document(tenant, GROUPS, group_id, group.doc)
            self._unindex(old, group)
            self._index(group)
            self.learn(body.apikey, group_id)
            await self._declare_commands(tenant, commands)
            self.invalidate()

    # -- API keys of a group ------------------------------------------------------------
    def keys(self, tenant: str, group_id: str) -> list[dict[str, Any]]:
        now = self.clock()
        return [key.public(now) for key in self._group(tenant, group_id).keys]

    async def issue_key(self, tenant: str, group_id: str, request: KeyRequest) -> dict[str, Any]:
        """A new key for the group; the raw key is in the answer and nowhere else.

        With ``grace``, this is a rotation: the group's other keys expire ``grace``
        seconds from now (earlier expiries are kept).
        """
        async with self._lock:
            old = self._group(tenant, group_id)
            now = self.clock()
            raw, key = new_key(now, request.expires_in)
            keys = old.keys
            if request.grace is not None:
                until = now + request.grace
                keys = tuple(k.expiring(until) if k.active(now) else k for k in keys)
            await self._save(old, _bounded((*keys, key), now))
            return {**key.public(now), "apikey": raw}

    async def revoke_key(self, tenant: str, group_id: str, key_id: str) -> None:
        """Messages with the key are refused from now on (dead letter ``revoked-apikey``)."""
        async with self._lock:
            old = self._group(tenant, group_id)
            if not any(k.id == key_id for k in old.keys):
                raise ResourceNotFound(f"API key {key_id!r} not found in group {group_id!r}")
            now = utc_now()
            keys = tuple(
                k if k.id != key_id or k.revoked_at else replace(k, revoked_at=now)
                for k in old.keys
            )
            await self._save(old, keys)
            raw = self._keys.get(group_id)
            if raw is not None and not any(
                k.sha256 == self.hash_of(raw) and k.active(self.clock()) for k in keys
            ):
                del self._keys[group_id]  # commands wait for a device with a valid key

    async def _save(self, old: Group, keys: tuple[ApiKey, ...]) -> None:
        doc = with_keys(old.doc, keys)
        doc["modified_at"] = utc_now()
        await self.store.put_document(old.tenant, GROUPS, old.id, doc)
        group = Group(old.tenant, old.id, doc, keys)
        self._unindex(old, group)
        self._index(group)

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
            group = self.group_by_apikey(body.apikey, active=True)
            if group is None or group.tenant != tenant:
                raise BadRequestData(
                    f"device {body.device_id}: no service group has this apikey (or it was "
                    "revoked or has expired)"
                )
            self.learn(body.apikey, group.id)
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


def _new_group(
    tenant: str,
    group_id: str,
    body: ServiceGroupIn,
    keys: tuple[ApiKey, ...],
    created: str,
    modified: str | None = None,
) -> Group:
    doc = body.model_dump(exclude={"apikey"}, exclude_none=True)
    doc["created_at"] = created
    doc["modified_at"] = modified or created
    return Group(tenant, group_id, with_keys(doc, keys), keys)


def _revoke_all(keys: tuple[ApiKey, ...], now: str) -> tuple[ApiKey, ...]:
    return tuple(k if k.revoked_at else replace(k, revoked_at=now) for k in keys)


def _bounded(keys: tuple[ApiKey, ...], now: float) -> tuple[ApiKey, ...]:
    """At most MAX_KEYS keys: the oldest revoked or expired ones are forgotten first."""
    excess = len(keys) - MAX_KEYS
    if excess <= 0:
        return keys
    dropped = {k.id for k in [k for k in keys if not k.active(now)][:excess]}
    if len(dropped) < excess:
        raise BadRequestData(f"a service group may have at most {MAX_KEYS} valid API keys")
    return tuple(k for k in keys if k.id not in dropped)


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
    "parse_model",
]
