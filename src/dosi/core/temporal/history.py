"""What an entity change adds to the temporal history: one row per changed instance."""

from __future__ import annotations

import uuid
from typing import Any

from dosi.core.changes import EntityChange
from dosi.core.model import Entity, Instance
from dosi.core.representation import NULL
from dosi.store.base import AttributeInstance, epoch


def new_instance_id() -> str:
    return f"urn:ngsi-ld:Instance:{uuid.uuid4()}"


def numeric(instance: Instance) -> float | None:
    value = instance.get("value")
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def row_of(
    entity: Entity, attr: str, instance: Instance, now: str, *, deleted: bool = False
) -> AttributeInstance:
    """The history row for one instance state (sample time: observedAt, else modifiedAt)."""
    modified = instance.get("modifiedAt", now)
    observed = instance.get("observedAt")
    stored: dict[str, Any] = dict(instance)
    stored.setdefault("instanceId", new_instance_id())
    return AttributeInstance(
        entity_id=entity["id"],
        entity_type=entity["type"][0],
        attr=attr,
        instance_id=stored["instanceId"],
        dataset_id=instance.get("datasetId"),
        observed_at=observed,
        created_at=instance.get("createdAt", now),
        modified_at=modified,
        time=epoch(observed or modified),
        number=None if deleted else numeric(instance),
        instance=stored,
        deleted=deleted,
    )


def history_rows(change: EntityChange) -> list[AttributeInstance]:
    """Rows for every instance the change created, modified or deleted."""
    before = change.before["attrs"] if change.before else {}
    after = change.after
    rows: list[AttributeInstance] = []
    if after is None:
        return rows
    for attr, instances in after["attrs"].items():
        old = {i.get("datasetId"): i for i in before.get(attr, ())}
        for instance in instances:
            previous = old.get(instance.get("datasetId"))
            if previous is not None and previous.get("modifiedAt") == instance.get("modifiedAt"):
                continue
            rows.append(row_of(after, attr, instance, change.at))
    for attr, instances in before.items():
        kept = {i.get("datasetId") for i in after["attrs"].get(attr, ())}
        for instance in instances:
            if instance.get("datasetId") not in kept:
                tombstone = {
                    "type": instance.get("type", "Property"),
                    "value": NULL,
                    "deletedAt": change.at,
                    "createdAt": change.at,
                    "modifiedAt": change.at,
                }
                if "datasetId" in instance:
                    tombstone["datasetId"] = instance["datasetId"]
                rows.append(row_of(after, attr, tombstone, change.at, deleted=True))
    return rows
