"""What both backends share about history rows: the column order of reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from dosi.store.base import AttributeInstance


def to_row(record: Sequence[Any]) -> AttributeInstance:
    entity, etype, attr, iid, dataset, observed, created, modified, t, number, value, deleted = (
        record
    )
    return AttributeInstance(
        entity_id=entity,
        entity_type=etype,
        attr=attr,
        instance_id=iid,
        dataset_id=dataset,
        observed_at=observed,
        created_at=created,
        modified_at=modified,
        time=t,
        number=number,
        instance=orjson.loads(value),
        deleted=bool(deleted),
    )
