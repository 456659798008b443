"""The write semantics of NGSI-LD (ETSI GS CIM 009 §5.6): append, update, partial update,
replace, delete and merge on the internal entity form. Pure functions; the entity service
runs them inside a store transaction. Implemented in ``_writes``."""

from __future__ import annotations

from dosi.core._writes import (
    UpdateResult,
    append_attrs,
    delete_attr,
    merge_entity,
    merge_patch,
    partial_update_attr,
    replace_attr,
    replace_entity,
    update_attrs,
)

__all__ = [
    "UpdateResult",
    "append_attrs",
    "delete_attr",
    "merge_entity",
    "merge_patch",
    "partial_update_attr",
    "replace_attr",
    "replace_entity",
    "update_attrs",
]
