"""Write semantics (§5.6): pure functions over the internal form."""

from __future__ import annotations

from typing import Any

import pytest

from dosi.core import mutations as m
from dosi.core.representation import parse_attributes, parse_entity
from dosi.errors import ResourceNotFound
from tests.core.resolver import VOCAB, DictResolver

R = DictResolver()
T0 = "2026-11-25T00:00:00.000000Z"
T1 = "2026-11-25T01:00:00.000000Z"


def base() -> dict[str, Any]:
    return parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "a": 1,
            "m": [
                {"type": "Property", "value": 1},
                {"type": "Property", "value": 2, "datasetId": "urn:ds:2"},
            ],
            "s": {"type": "Property", "value": 1, "sub": {"type": "Property", "value": "x"}},
        },
        R,
        now=T0,
    )


def attrs(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return parse_attributes(body, R, now=T1, allow_null=True)


def value(entity: dict[str, Any], name: str, index: int = 0) -> Any:
    return entity["attrs"][VOCAB + name][index]["value"]


def test_append_overwrites_or_not() -> None:
    entity = base()
    new, result = m.append_attrs(entity, attrs({"a": 5, "b": 6}), T1, no_overwrite=False)
    assert value(new, "a") == 5 and value(new, "b") == 6
    assert new["attrs"][VOCAB + "a"][0]["createdAt"] == T0
    assert new["modifiedAt"] == T1 and result.updated == [VOCAB + "a", VOCAB + "b"]
    kept, result = m.append_attrs(entity, attrs({"a": 5, "b": 6}), T1, no_overwrite=True)
    assert value(kept, "a") == 1 and value(kept, "b") == 6
    assert result.not_updated[0][0] == VOCAB + "a"
    assert value(entity, "a") == 1  # the input is never changed


def test_update_only_existing() -> None:
    new, result = m.update_attrs(base(), attrs({"a": 7, "zz": 1}), T1)
    assert value(new, "a") == 7 and VOCAB + "zz" not in new["attrs"]
    assert result.not_updated == [(VOCAB + "zz", "attribute does not exist")]
    by_dataset = attrs({"m": {"type": "Property", "value": 9, "datasetId": "urn:ds:2"}})
    new, _ = m.update_attrs(base(), by_dataset, T1)
    assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == [1, 9]


def test_partial_update_merges_sub_attributes() -> None:
    fragment = attrs({"s": {"value": 2, "extra": {"type": "Property", "value": True}}})
    new = m.partial_update_attr(base(), VOCAB + "s", fragment[VOCAB + "s"], T1)
    instance = new["attrs"][VOCAB + "s"][0]
    assert instance["value"] == 2
    assert instance[VOCAB + "sub"]["value"] == "x" and instance[VOCAB + "extra"]["value"] is True
    with pytest.raises(ResourceNotFound):
        m.partial_update_attr(base(), VOCAB + "nope", fragment[VOCAB + "s"], T1)


def test_replace_and_delete_attribute() -> None:
    new = m.replace_attr(base(), VOCAB + "s", attrs({"s": 3})[VOCAB + "s"], T1)
    assert new["attrs"][VOCAB + "s"][0]["value"] == 3
    assert VOCAB + "sub" not in new["attrs"][VOCAB + "s"][0]
    gone = m.delete_attr(base(), VOCAB + "m", T1, dataset_id="urn:ds:2", delete_all=False)
    assert [i["value"] for i in gone["attrs"][VOCAB + "m"]] == [1]
    assert (
        VOCAB + "m"
        not in m.delete_attr(base(), VOCAB + "m", T1, dataset_id=None, delete_all=True)["attrs"]
    )
    with pytest.raises(ResourceNotFound):
        m.delete_attr(base(), VOCAB + "m", T1, dataset_id="urn:ds:9", delete_all=False)
    with pytest.raises(ResourceNotFound):
        m.delete_attr(base(), VOCAB + "nope", T1, dataset_id=None, delete_all=False)


def test_merge_with_null() -> None:
    patch = attrs({"a": "urn:ngsi-ld:null", "b": 2, "s": {"value": 5, "sub": "urn:ngsi-ld:null"}})
    new = m.merge_entity(base(), patch, T1)
    assert VOCAB + "a" not in new["attrs"]
    assert value(new, "b") == 2
    assert value(new, "s") == 5 and VOCAB + "sub" not in new["attrs"][VOCAB + "s"][0]


def test_replace_entity_keeps_created_at() -> None:
    replacement = parse_entity({"id": "urn:x:1", "type": "T", "z": 1}, R, now=T1)
    new = m.replace_entity(base(), replacement, T1)
    assert new["createdAt"] == T0 and new["modifiedAt"] == T1
    assert list(new["attrs"]) == [VOCAB + "z"]
