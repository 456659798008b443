"""What an entity change adds to the temporal history: one row per changed instance."""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any

from dosi.core.changes import EntityChange
from dosi.core.model import Entity, Instance
from dosi.core.representation import NULL
from dosi.store.base import AttributeInstance, epoch


class _InstanceIds:
    """Instance ids unique without a random draw each: a random 128-bit prefix per
    process (drawn again in a forked child) and a counter. Consecutive ids also sort
    together, so the history's instance index grows at its end instead of at random."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = f"urn:ngsi-ld:Instance:{uuid.uuid4()}-"
        self.counter = itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter):012x}"


_ids = _InstanceIds()


def new_instance_id() -> str:
    return _ids.next()


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
    """Rows for every instance the change created, modified or deleted.

    An attribute whose instance list the change left as it was (the same list object:
    mutations share what they do not touch) has nothing to record and is skipped.
    """
    before = change.before["attrs"] if change.before else {}
    after = change.after
    rows: list[AttributeInstance] = []
    if after is None:
        return rows
    after_attrs = after["attrs"]
    at = change.at
    for attr, instances in after_attrs.items():
        previous_list = before.get(attr)
        if previous_list is instances:
            continue
        if not previous_list:
            rows.extend(row_of(after, attr, instance, at) for instance in instances)
            continue
        old = {i.get("datasetId"): i for i in previous_list}
        for instance in instances:
            previous = old.get(instance.get("datasetId"))
            if previous is not None and previous.get("modifiedAt") == instance.get("modifiedAt"):
                continue
            rows.append(row_of(after, attr, instance, at))
    for attr, instances in before.items():
        current = after_attrs.get(attr)
        if current is instances:
            continue
        kept = {i.get("datasetId") for i in current} if current else set()
        for instance in instances:
            if instance.get("datasetId") not in kept:
                tombstone = {
                    "type": instance.get("type", "Property"),
                    "value": NULL,
                    "deletedAt": at,
                    "createdAt": at,
                    "modifiedAt": at,
                }
                if "datasetId" in instance:
                    tombstone["datasetId"] = instance["datasetId"]
                rows.append(row_of(after, attr, tombstone, at, deleted=True))
    return rows
