"""Write semantics (ETSI GS CIM 009 §5.6, §5.5.8, §5.5.12): pure functions on the internal form.

The implementation lives in ``dosi.core._writes``; fragments are parsed with the parse
mode each operation uses (``update`` for PATCH /attrs, ``patch`` for PATCH
/attrs/{attrId}, ``merge`` for PATCH /entities/{id}).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosi.core import _writes as w
from dosi.core._parse import Mode, parse_attributes, parse_entity
from dosi.core._render import RenderOptions, render_entity
from dosi.core._validate import NULL
from dosi.errors import BadRequestData, ResourceNotFound
from tests.core.resolver import VOCAB, DictResolver

R = DictResolver()
T0 = "2026-11-25T00:00:00.000000Z"
T1 = "2026-11-25T01:00:00.000000Z"
DS = "urn:ngsi-ld:Dataset:01"
LOC = "https://uri.etsi.org/ngsi-ld/location"


def base() -> dict[str, Any]:
    return parse_entity(
        {
            "id": "urn:x:1",
            "type": "T",
            "a": 1,
            "m": [
                {"type": "Property", "value": 1},
                {"type": "Property", "value": 2, "datasetId": DS},
            ],
            "s": {"type": "Property", "value": 1, "sub": {"type": "Property", "value": "x"}},
            "temperature": {
                "type": "Property",
                "value": 25,
                "unitCode": "CEL",
                "observedAt": "2022-03-14T01:59:26.535Z",
            },
            "address": {
                "type": "Property",
                "value": {"street": "Straße des 17. Juni", "city": "Berlin", "country": "Germany"},
            },
            "owner": {"type": "Relationship", "object": "urn:p:1"},
            "street": {
                "type": "LanguageProperty",
                "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"},
                "source": {"type": "Property", "value": "Speedometer"},
            },
            "category": {"type": "VocabProperty", "vocab": "monument"},
            "location": {"type": "Point", "coordinates": [1, 2]},
        },
        R,
        now=T0,
    )


def frag(body: dict[str, Any], mode: Mode) -> dict[str, list[dict[str, Any]]]:
    return parse_attributes(body, R, now=T1, mode=mode)


def one(name: str, raw: Any, mode: Mode = "patch") -> list[dict[str, Any]]:
    return frag({name: raw}, mode)[VOCAB + name]


def inst(entity: dict[str, Any], name: str, dataset: str | None = None) -> dict[str, Any]:
    iri = name if ":" in name else VOCAB + name
    return next(i for i in entity["attrs"][iri] if i.get("datasetId") == dataset)


def has(entity: dict[str, Any], name: str) -> bool:
    return (name if ":" in name else VOCAB + name) in entity["attrs"]


# -- append (§5.6.3) ------------------------------------------------------------------------


def test_append_adds_and_overwrites_keeping_created_at() -> None:
    new, result = w.append_attrs(base(), frag({"a": 5, "b": 6}, "create"), T1)
    assert inst(new, "a")["value"] == 5 and inst(new, "b")["value"] == 6
    assert inst(new, "a")["createdAt"] == T0 and inst(new, "a")["modifiedAt"] == T1
    assert new["modifiedAt"] == T1 and new["createdAt"] == T0
    assert result.updated == [VOCAB + "a", VOCAB + "b"] and result.not_updated == []


def test_append_no_overwrite() -> None:
    entity = base()
    new, result = w.append_attrs(entity, frag({"a": 5, "b": 6}, "create"), T1, no_overwrite=True)
    assert inst(new, "a")["value"] == 1 and inst(new, "b")["value"] == 6
    assert result.updated == [VOCAB + "b"]
    assert result.not_updated == [(VOCAB + "a", "the attribute exists and noOverwrite is set")]
    unchanged, result = w.append_attrs(entity, frag({"a": 5}, "create"), T1, no_overwrite=True)
    assert unchanged is entity and result.updated == []  # nothing changed: same entity


def test_append_by_dataset_id() -> None:
    new, _ = w.append_attrs(base(), frag({"m": {"value": 3, "datasetId": "urn:d:3"}}, "create"), T1)
    assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == [1, 2, 3]
    new, _ = w.append_attrs(base(), frag({"m": {"value": 9, "datasetId": DS}}, "create"), T1)
    assert inst(new, "m", DS)["value"] == 9 and inst(new, "m")["value"] == 1


# -- update attributes (§5.6.2, partial update patch §5.5.8) ---------------------------------


def test_update_replaces_the_whole_attribute() -> None:
    """TP 558_01_02 (§5.5.8 EXAMPLE 2): unitCode disappears; createdAt stays."""
    patch = frag(
        {
            "temperature": {
                "type": "Property",
                "value": 100,
                "observedAt": "2022-03-14T13:00:00.000Z",
            }
        },
        "update",
    )
    new, result = w.update_attrs(base(), patch, T1)
    temperature = inst(new, "temperature")
    assert temperature["value"] == 100 and "unitCode" not in temperature
    assert temperature["observedAt"] == "2022-03-14T13:00:00.000Z"
    assert temperature["createdAt"] == T0 and temperature["modifiedAt"] == T1
    assert result.updated == [VOCAB + "temperature"]


def test_update_reports_missing_attributes_and_instances() -> None:
    """TP 011_01_03: an attribute or datasetId the entity lacks is not added (207)."""
    patch = frag(
        {"zz": 1, "temperature": {"value": 30, "datasetId": "urn:ngsi-ld:Dataset:extra"}}, "update"
    )
    new, result = w.update_attrs(base(), patch, T1)
    assert new == base()
    assert result.updated == []
    assert [name for name, _ in result.not_updated] == [VOCAB + "zz", VOCAB + "temperature"]
    assert "datasetId urn:ngsi-ld:Dataset:extra" in result.not_updated[1][1]


def test_update_can_change_the_type() -> None:
    """TP 011_01_04."""
    new, _ = w.update_attrs(
        base(), frag({"a": {"type": "Relationship", "object": "urn:o:1"}}, "update"), T1
    )
    assert inst(new, "a") == {
        "type": "Relationship",
        "object": "urn:o:1",
        "createdAt": T0,
        "modifiedAt": T1,
    }


def test_update_with_null_deletes() -> None:
    """TP 558_01_03 (§5.5.8 EXAMPLE 3)."""
    new, result = w.update_attrs(
        base(), frag({"temperature": {"type": "Property", "value": NULL}}, "update"), T1
    )
    assert not has(new, "temperature") and result.updated == [VOCAB + "temperature"]
    new, result = w.update_attrs(
        base(), frag({"m": {"value": NULL, "datasetId": DS}}, "update"), T1
    )
    assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == [1]
    entity = base()
    same, result = w.update_attrs(entity, frag({"zz": NULL}, "update"), T1)
    assert same is entity and result.updated == []
    assert result.not_updated == [(VOCAB + "zz", "nothing to delete: no a default instance")]


# -- partial attribute update (§5.6.4) ----------------------------------------------------------


def test_partial_update_overwrites_members_only() -> None:
    """TP 558_01_01 (§5.5.8 EXAMPLE 1): value and observedAt change, unitCode stays."""
    fragment = one(
        "temperature", {"type": "Property", "value": 100, "observedAt": "2022-03-14T13:00:00.000Z"}
    )
    new = w.partial_update_attr(base(), VOCAB + "temperature", fragment, T1)
    assert inst(new, "temperature") == {
        "type": "Property",
        "value": 100,
        "unitCode": "CEL",
        "observedAt": "2022-03-14T13:00:00.000Z",
        "createdAt": T0,
        "modifiedAt": T1,
    }
    assert new["modifiedAt"] == T1


def test_partial_update_language_property() -> None:
    """TP 012_08 expectation: the languageMap is replaced, sub-attributes are merged."""
    fragment = one(
        "street",
        {
            "languageMap": {"fr": "Grand Place", "es": "Gran Lugar"},
            "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:JohnDoe"},
        },
    )
    street = inst(w.partial_update_attr(base(), VOCAB + "street", fragment, T1), "street")
    assert street["languageMap"] == {"fr": "Grand Place", "es": "Gran Lugar"}
    assert street[VOCAB + "providedBy"]["object"] == "urn:ngsi-ld:Person:JohnDoe"
    assert street[VOCAB + "source"]["value"] == "Speedometer"


def test_partial_update_deletions() -> None:
    entity = base()
    # TP 012_07: a Null value deletes the targeted instance
    gone = w.partial_update_attr(
        entity,
        VOCAB + "street",
        one("street", {"type": "LanguageProperty", "languageMap": {"@none": NULL}}),
        T1,
    )
    assert not has(gone, "street")
    gone = w.partial_update_attr(
        entity, VOCAB + "m", one("m", {"value": NULL, "datasetId": DS}), T1
    )
    assert [i["value"] for i in gone["attrs"][VOCAB + "m"]] == [1]
    # a Null sub-attribute or member is removed, the rest stays
    trimmed = w.partial_update_attr(entity, VOCAB + "s", one("s", {"sub": NULL}), T1)
    assert inst(trimmed, "s") == {"type": "Property", "value": 1, "createdAt": T0, "modifiedAt": T1}
    trimmed = w.partial_update_attr(
        entity, VOCAB + "temperature", one("temperature", {"unitCode": NULL}), T1
    )
    assert (
        "unitCode" not in inst(trimmed, "temperature")
        and inst(trimmed, "temperature")["value"] == 25
    )


def test_partial_update_keeps_the_type() -> None:
    """§5.6.4.4: the type may not change; a type-less value takes the existing type."""
    with pytest.raises(BadRequestData, match="cannot make it"):
        w.partial_update_attr(
            base(), VOCAB + "a", one("a", {"type": "Relationship", "object": "urn:o:1"}), T1
        )
    with pytest.raises(BadRequestData):
        w.partial_update_attr(base(), VOCAB + "a", one("a", {"object": "urn:o:1"}), T1)
    owner = w.partial_update_attr(base(), VOCAB + "owner", one("owner", {"value": "urn:p:2"}), T1)
    assert (
        inst(owner, "owner")["object"] == "urn:p:2"
        and inst(owner, "owner")["type"] == "Relationship"
    )
    with pytest.raises(BadRequestData, match="URI"):
        w.partial_update_attr(base(), VOCAB + "owner", one("owner", "not a uri"), T1)


def test_partial_update_errors() -> None:
    fragment = one("a", {"value": 2})
    with pytest.raises(ResourceNotFound):
        w.partial_update_attr(base(), VOCAB + "nope", fragment, T1)
    with pytest.raises(ResourceNotFound, match="datasetId"):
        w.partial_update_attr(
            base(), VOCAB + "a", one("a", {"value": 2, "datasetId": "urn:d:9"}), T1
        )
    with pytest.raises(BadRequestData):
        w.partial_update_attr(base(), VOCAB + "a", [], T1)


# -- replace and delete one attribute (§5.6.19, §5.6.5) ---------------------------------------


def test_replace_attribute() -> None:
    new = w.replace_attr(base(), VOCAB + "s", one("s", 3, "create"), T1)
    assert inst(new, "s") == {"type": "Property", "value": 3, "createdAt": T0, "modifiedAt": T1}
    new = w.replace_attr(base(), VOCAB + "m", one("m", {"value": 9, "datasetId": DS}, "create"), T1)
    assert inst(new, "m", DS)["value"] == 9 and inst(new, "m")["value"] == 1  # others stay
    with pytest.raises(ResourceNotFound):
        w.replace_attr(base(), VOCAB + "nope", one("nope", 3, "create"), T1)
    with pytest.raises(ResourceNotFound):
        w.replace_attr(
            base(), VOCAB + "a", one("a", {"value": 3, "datasetId": "urn:d:9"}, "create"), T1
        )
    with pytest.raises(BadRequestData):
        w.replace_attr(base(), VOCAB + "a", one("a", NULL, "update"), T1)


@pytest.mark.parametrize(
    ("dataset_id", "delete_all", "left"),
    [(None, False, [2]), ("@none", False, [2]), (DS, False, [1]), (None, True, None)],
)
def test_delete_attribute(dataset_id: str | None, delete_all: bool, left: list[int] | None) -> None:
    new = w.delete_attr(base(), VOCAB + "m", T1, dataset_id=dataset_id, delete_all=delete_all)
    assert new["modifiedAt"] == T1
    if left is None:
        assert not has(new, "m")
    else:
        assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == left


def test_delete_attribute_errors_and_last_instance() -> None:
    with pytest.raises(ResourceNotFound):
        w.delete_attr(base(), VOCAB + "m", T1, dataset_id="urn:d:9")
    with pytest.raises(ResourceNotFound):
        w.delete_attr(base(), VOCAB + "nope", T1)
    with pytest.raises(ResourceNotFound):
        w.delete_attr(base(), VOCAB + "a", T1, dataset_id=DS)
    assert not has(w.delete_attr(base(), VOCAB + "a", T1), "a")


# -- merge (§5.6.17, merge patch §5.5.12) --------------------------------------------------------


def merged(body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return w.merge_entity(base(), frag(body, "merge"), T1, **kwargs)


def test_merge_example_1_keeps_untouched_members() -> None:
    """§5.5.12 EXAMPLE 1 (and TP 056_01_04): unitCode survives."""
    new = merged(
        {
            "temperature": {
                "type": "Property",
                "value": 100,
                "observedAt": "2022-03-14T13:00:00.000Z",
            }
        }
    )
    assert inst(new, "temperature") == {
        "type": "Property",
        "value": 100,
        "unitCode": "CEL",
        "observedAt": "2022-03-14T13:00:00.000Z",
        "createdAt": T0,
        "modifiedAt": T1,
    }


def test_merge_example_2_goes_into_json_values() -> None:
    """§5.5.12 EXAMPLE 2 and TP 554_01_04: RFC 7396 inside the value."""
    new = merged(
        {"address": {"type": "Property", "value": {"street": "Pariser Platz", "country": NULL}}}
    )
    assert inst(new, "address")["value"] == {"street": "Pariser Platz", "city": "Berlin"}


def test_merge_deletions() -> None:
    """TP 056_03 / 056_04 / 056_05: Nulls delete attributes, instances, sub-attributes."""
    new = merged({"a": NULL, "owner": {"type": "Relationship", "object": NULL}, "s": {"sub": NULL}})
    assert not has(new, "a") and not has(new, "owner")
    assert VOCAB + "sub" not in inst(new, "s")
    new = merged({"m": {"type": "Property", "value": NULL, "datasetId": DS}})
    assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == [1]
    new = merged({"location": {"type": "GeoProperty", "value": NULL}})
    assert not has(new, LOC)
    new = merged({"street": {"type": "LanguageProperty", "languageMap": {"@none": NULL}}})
    assert not has(new, "street")
    new = merged({"temperature": {"observedAt": NULL}})
    assert (
        "observedAt" not in inst(new, "temperature")
        and inst(new, "temperature")["unitCode"] == "CEL"
    )
    entity = base()
    assert w.merge_entity(entity, frag({"zz": NULL}, "merge"), T1) is entity  # nothing to do


def test_merge_adds_and_recurses() -> None:
    new = merged({"b": 2, "s": {"value": 5, "sub": {"value": "y", "deeper": 1}, "extra": True}})
    assert inst(new, "b") == {"type": "Property", "value": 2, "createdAt": T1, "modifiedAt": T1}
    s = inst(new, "s")
    assert s["value"] == 5 and s[VOCAB + "extra"]["value"] is True
    assert s[VOCAB + "sub"]["value"] == "y" and s[VOCAB + "sub"][VOCAB + "deeper"]["value"] == 1
    assert s[VOCAB + "sub"]["createdAt"] == T0  # merged, not replaced
    new = merged({"m": {"value": 3, "datasetId": "urn:d:3"}})
    assert [i["value"] for i in new["attrs"][VOCAB + "m"]] == [1, 2, 3]


def test_merge_new_attribute_inference_and_nulls() -> None:
    new = merged(
        {"g": {"type": "Point", "coordinates": [3, 4]}, "v": {"value": {"k": 1, "gone": NULL}}}
    )
    assert inst(new, "g")["type"] == "GeoProperty"
    assert inst(new, "v")["value"] == {"k": 1}
    with pytest.raises(BadRequestData, match="needs a value"):
        merged({"zz": {"unitCode": "CEL"}})


def test_merge_keeps_existing_type_for_simplified_values() -> None:
    """§5.6.17.4: a value in simplified form keeps the type of the existing attribute."""
    new = merged({"owner": "urn:p:2"})
    assert (
        inst(new, "owner")["type"] == "Relationship" and inst(new, "owner")["object"] == "urn:p:2"
    )
    new = merged({"street": "Hauptplatz"}, lang="de")
    assert inst(new, "street")["languageMap"] == {
        "fr": "Grand Place",
        "nl": "Grote Markt",
        "de": "Hauptplatz",
    }
    new = merged({"category": "museum"}, resolver=R)
    assert inst(new, "category")["vocab"] == VOCAB + "museum"
    with pytest.raises(BadRequestData):
        merged({"category": "museum"})  # a term cannot be expanded without a resolver
    with pytest.raises(BadRequestData):
        merged({"location": "somewhere"})


def test_merge_explicit_type_change_drops_foreign_members() -> None:
    new = merged({"temperature": {"type": "Relationship", "object": "urn:t:1"}})
    temperature = inst(new, "temperature")
    assert temperature["type"] == "Relationship" and temperature["object"] == "urn:t:1"
    assert "value" not in temperature and "unitCode" not in temperature


def test_merge_language_maps_are_merged() -> None:
    new = merged({"street": {"languageMap": {"de": "Hauptplatz"}}})
    assert inst(new, "street")["languageMap"] == {
        "fr": "Grand Place",
        "nl": "Grote Markt",
        "de": "Hauptplatz",
    }


def test_merge_common_observed_at() -> None:
    new = merged({"temperature": 30, "a": 2}, observed_at="2026-01-01T00:00:00Z")
    assert inst(new, "temperature")["observedAt"] == "2026-01-01T00:00:00Z"
    assert "observedAt" not in inst(new, "a")  # only where there was one
    explicit = merged(
        {"temperature": {"value": 30, "observedAt": "2025-01-01T00:00:00Z"}},
        observed_at="2026-01-01T00:00:00Z",
    )
    assert inst(explicit, "temperature")["observedAt"] == "2025-01-01T00:00:00Z"


def test_merge_types_and_scope() -> None:
    new = merged({}, types=[VOCAB + "U", VOCAB + "T"])
    assert new["type"] == [VOCAB + "T", VOCAB + "U"] and new["modifiedAt"] == T1
    scoped = merged({}, scope=["/A", "/B"])
    assert scoped["scope"] == ["/A", "/B"]
    assert "scope" not in w.merge_entity(scoped, {}, T1, scope=[])
    entity = base()
    assert w.merge_entity(entity, {}, T1, types=[VOCAB + "T"]) is entity


# -- replace the entity (§5.6.18) ----------------------------------------------------------------


def test_replace_entity_keeps_created_at() -> None:
    replacement = parse_entity({"id": "urn:x:1", "type": "U", "z": 1}, R, now=T1)
    new = w.replace_entity(base(), replacement, T1)
    assert new["createdAt"] == T0 and new["modifiedAt"] == T1
    assert list(new["attrs"]) == [VOCAB + "z"] and new["type"] == [VOCAB + "U"]


# -- purity -------------------------------------------------------------------------------------

OPERATIONS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("append", lambda e: w.append_attrs(e, frag({"a": 5, "s": {"value": 2}}, "create"), T1)),
    ("update", lambda e: w.update_attrs(e, frag({"a": NULL, "s": {"value": 2}}, "update"), T1)),
    (
        "partial",
        lambda e: w.partial_update_attr(e, VOCAB + "s", one("s", {"sub": "z", "value": 0}), T1),
    ),
    ("replace attr", lambda e: w.replace_attr(e, VOCAB + "s", one("s", 7, "create"), T1)),
    ("delete attr", lambda e: w.delete_attr(e, VOCAB + "m", T1, dataset_id=DS)),
    (
        "merge",
        lambda e: w.merge_entity(
            e,
            frag({"address": {"value": {"city": NULL}}, "s": {"sub": {"value": "q"}}}, "merge"),
            T1,
            types=["urn:t:U"],
        ),
    ),
    (
        "replace",
        lambda e: w.replace_entity(e, parse_entity({"id": "urn:x:1", "type": "T"}, R, now=T1), T1),
    ),
]


@pytest.mark.parametrize(("case", "operation"), OPERATIONS)
def test_operations_never_change_their_input(
    case: str, operation: Callable[[dict[str, Any]], Any]
) -> None:
    entity = base()
    snapshot = copy.deepcopy(entity)
    result = operation(entity)
    new = result[0] if isinstance(result, tuple) else result
    assert entity == snapshot, case
    assert new is not entity and new["modifiedAt"] == T1 and new["createdAt"] == T0


_PATCH_VALUES = st.recursive(
    st.integers() | st.text(max_size=3) | st.just(NULL),
    lambda children: st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(_PATCH_VALUES, _PATCH_VALUES)
def test_merge_patch_laws(target: Any, patch: Any) -> None:
    """RFC 7396: applying a patch twice changes nothing more; no Null is ever stored."""
    once = w.merge_patch(target, patch)
    assert w.merge_patch(once, patch) == once
    if isinstance(patch, dict):
        assert NULL not in str(once) or NULL in str(target)


_FRAGMENT_VALUES = st.one_of(
    st.sampled_from(
        [
            NULL,
            5,
            "urn:p:9",
            "Hauptplatz",
            [1, 2],
            {"k": NULL},
            {"type": "Point", "coordinates": [3, 4]},
        ]
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(
                ["Property", "Relationship", "LanguageProperty", "GeoProperty"]
            ),
            "value": st.sampled_from([7, {"city": NULL, "zip": "1"}, NULL, "urn:o:3"]),
            "unitCode": st.sampled_from(["CEL", NULL]),
            "observedAt": st.sampled_from(["2026-01-01T00:00:00Z", NULL]),
            "sub": st.sampled_from([1, NULL, {"value": 2, "deeper": NULL}]),
            "datasetId": st.sampled_from([DS, "urn:d:new"]),
        },
    ),
    st.fixed_dictionaries({"object": st.sampled_from(["urn:o:2", NULL])}),
    st.fixed_dictionaries({"languageMap": st.sampled_from([{"de": "x"}, {"@none": NULL}])}),
    st.fixed_dictionaries({"vocab": st.sampled_from(["museum", NULL])}),
)
_FRAGMENTS = st.dictionaries(
    st.sampled_from(
        ["a", "m", "s", "temperature", "address", "owner", "street", "category", "location", "new"]
    ),
    _FRAGMENT_VALUES,
    max_size=4,
)


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_times(v) for k, v in value.items() if k not in ("createdAt", "modifiedAt")
        }
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _assert_valid(entity: dict[str, Any]) -> None:
    assert NULL not in repr(entity)
    reparsed = parse_entity(render_entity(entity, R, RenderOptions()), R, now=T1)
    assert _without_times(reparsed) == _without_times(entity)


@settings(max_examples=200, deadline=None)
@given(_FRAGMENTS, st.sampled_from(["update", "patch", "merge"]))
def test_random_writes_leave_a_valid_entity(body: dict[str, Any], how: str) -> None:
    mode: Mode = "update" if how == "update" else how  # type: ignore[assignment]
    try:
        patch = frag(body, mode)
        if how == "merge":
            new = w.merge_entity(base(), patch, T1, lang="de", resolver=R)
        elif how == "update":
            new = w.update_attrs(base(), patch, T1)[0]
        else:
            new = base()
            for name, fragment in patch.items():
                new = w.partial_update_attr(new, name, fragment, T1, resolver=R)
    except (BadRequestData, ResourceNotFound):
        return
    _assert_valid(new)
