"""Temporal representations (§4.5.7-§4.5.9): normalized instances, temporalValues and
aggregatedValues, compacted through the request's @context."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final

from dosi.core.model import VALUE_MEMBER, Entity, TermResolver
from dosi.core.representation import RenderOptions, render_entity
from dosi.core.temporal.params import TemporalParams
from dosi.store.base import AttributeInstance, Bucket

#: temporalValues member per attribute kind.
VALUES_MEMBER: Final = {
    "Property": "values",
    "GeoProperty": "values",
    "Relationship": "objects",
    "LanguageProperty": "languageMaps",
    "VocabProperty": "vocabs",
    "ListProperty": "valueLists",
    "ListRelationship": "objectLists",
    "JsonProperty": "jsons",
}
TIME_MEMBER: Final = {"time": "observedAt", "created": "createdAt", "modified": "modifiedAt"}


@lru_cache(maxsize=4096)
def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_temporal(
    entity: Entity,
    rows: list[AttributeInstance],
    resolver: TermResolver,
    params: TemporalParams,
    *,
    sys_attrs: bool = False,
    buckets: list[Bucket] | None = None,
) -> dict[str, Any]:
    """One temporal entity: id, type (and scope) of the entity plus attribute histories."""
    head = render_entity({**entity, "attrs": {}}, resolver, RenderOptions(sys_attrs=sys_attrs))
    kinds = {attr: insts[0]["type"] for attr, insts in entity["attrs"].items() if insts}
    by_attr: dict[str, list[AttributeInstance]] = defaultdict(list)
    for row in rows:
        by_attr[row.attr].append(row)
    if params.representation == "aggregatedValues":
        for attr, attr_buckets in _group(buckets or []).items():
            head[resolver.compact(attr)] = _aggregated(
                kinds.get(attr, "Property"), attr_buckets, params
            )
        return head
    for attr, attr_rows in by_attr.items():
        name = resolver.compact(attr)
        if params.representation == "temporalValues":
            head[name] = _simplified(attr_rows, params)
        else:
            head[name] = [_instance(r, resolver, sys_attrs) for r in attr_rows]
    return head


def _instance(row: AttributeInstance, resolver: TermResolver, sys_attrs: bool) -> dict[str, Any]:
    rendered = render_entity(
        {"id": "", "type": [], "attrs": {"a": [row.instance]}, "createdAt": "", "modifiedAt": ""},
        resolver,
        RenderOptions(sys_attrs=sys_attrs),
    )["a"]
    rendered["instanceId"] = row.instance_id
    if "deletedAt" in row.instance:
        rendered["deletedAt"] = row.instance["deletedAt"]
    return dict(rendered)


def _simplified(rows: list[AttributeInstance], params: TemporalParams) -> dict[str, Any]:
    kind = rows[0].instance.get("type", "Property")
    member = VALUE_MEMBER.get(kind, "value")
    time_member = TIME_MEMBER[params.time_column]
    values = [
        [r.instance.get(member), r.instance.get(time_member) or r.modified_at]
        for r in rows
        if not r.deleted
    ]
    return {"type": kind, VALUES_MEMBER.get(kind, "values"): values}


def _group(buckets: list[Bucket]) -> dict[str, list[Bucket]]:
    grouped: dict[str, list[Bucket]] = defaultdict(list)
    for bucket in buckets:
        grouped[bucket.attr].append(bucket)
    return grouped


def _aggregated(kind: str, buckets: list[Bucket], params: TemporalParams) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    origin = params.start or 0.0
    for method in params.aggr_methods:
        series = []
        for b in buckets:
            if params.period > 0:
                start = origin + b.index * params.period
                end = start + params.period
            else:
                start, end = origin, params.end or datetime.now(UTC).timestamp()
            series.append([_value(method, b), iso(start), iso(end)])
        out[method] = series
    return out


def _value(method: str, b: Bucket) -> float | int | None:
    if method == "totalCount":
        return b.count
    if method == "distinctCount":
        return b.distinct
    if b.total is None:
        return None
    numeric = b.numeric
    if method == "sum":
        return b.total
    if method == "sumsq":
        return b.sumsq
    if method == "min":
        return b.minimum
    if method == "max":
        return b.maximum
    if method == "avg":
        return b.total / numeric if numeric else None
    if method == "stddev":
        if numeric < 2 or b.sumsq is None:
            return 0.0
        variance = (b.sumsq - b.total * b.total / numeric) / (numeric - 1)
        return math.sqrt(max(variance, 0.0))
    return None
