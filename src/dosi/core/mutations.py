"""Write semantics on the internal form: pure functions, no I/O (§5.6).

Each function takes the current entity and returns a *new* entity; the caller runs them
inside ``Store.transact`` plans. System attributes (``createdAt`` kept, ``modifiedAt``
set to ``now``) are maintained here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dosi.core.model import Entity, Instance


@dataclass
class UpdateResult:
    """Per-attribute outcome (§5.2.18 UpdateResult): expanded names."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[tuple[str, str]] = field(default_factory=list)  # (attr, reason)


def append_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str, *, no_overwrite: bool
) -> tuple[Entity, UpdateResult]:
    """POST /entities/{id}/attrs (§5.6.3); ``noOverwrite`` keeps existing instances."""
    raise NotImplementedError


def update_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str
) -> tuple[Entity, UpdateResult]:
    """PATCH /entities/{id}/attrs (§5.6.2): only existing attributes/instances change."""
    raise NotImplementedError


def partial_update_attr(
    entity: Entity, attr: str, fragment: list[Instance], now: str
) -> Entity:
    """PATCH /entities/{id}/attrs/{attrId} (§5.6.4); ``ResourceNotFound`` if absent."""
    raise NotImplementedError


def replace_attr(entity: Entity, attr: str, instances: list[Instance], now: str) -> Entity:
    """PUT /entities/{id}/attrs/{attrId} (§5.6.19); ``ResourceNotFound`` if absent."""
    raise NotImplementedError


def delete_attr(
    entity: Entity, attr: str, now: str, *, dataset_id: str | None, delete_all: bool
) -> Entity:
    """DELETE /entities/{id}/attrs/{attrId} (§5.6.5); ``ResourceNotFound`` if absent."""
    raise NotImplementedError


def merge_entity(entity: Entity, patch: dict[str, list[Instance]], now: str) -> Entity:
    """PATCH /entities/{id} merge (§5.6.17): ``urn:ngsi-ld:null`` deletes."""
    raise NotImplementedError


def replace_entity(entity: Entity, new: Entity, now: str) -> Entity:
    """PUT /entities/{id} (§5.6.18): keep ``createdAt`` of the entity."""
    raise NotImplementedError
