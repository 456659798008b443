"""Standard operating procedures: a checklist per incident category, in ko, zh and en.

The procedures are data (``sops/<category>.json``), so a city edits them without code. An
incident carries its checklist as ``sopChecklist``: one ``{"item", "done", "by", "at"}``
per step, in the procedure's order.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from dosi.errors import ResourceNotFound

SOPS: Final = Path(__file__).parent / "sops"


@lru_cache(maxsize=32)
def procedure(category: str) -> tuple[dict[str, Any], ...]:
    """The steps of ``category`` (``{"id", "text": {ko, zh, en}}``); none if undefined."""
    path = SOPS / f"{category}.json"
    if not path.is_file():
        return ()
    items: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))["items"]
    return tuple(items)


def checklist(category: str) -> list[dict[str, Any]]:
    """A fresh, unchecked checklist for a new incident."""
    return [{"item": step["id"], "done": False} for step in procedure(category)]


def check(
    items: list[dict[str, Any]], item: str, done: bool, *, actor: str, at: str
) -> list[dict[str, Any]]:
    """The checklist with ``item`` (un)checked; ResourceNotFound for an unknown step."""
    if not any(entry["item"] == item for entry in items):
        raise ResourceNotFound(f"the procedure has no step {item!r}")
    return [
        ({"item": item, "done": done, "by": actor, "at": at} if entry["item"] == item else entry)
        for entry in items
    ]


def progress(items: list[dict[str, Any]]) -> dict[str, int]:
    return {"done": sum(1 for entry in items if entry.get("done")), "total": len(items)}


def steps(category: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checklist with each step's texts, for an operator console."""
    texts = {step["id"]: step["text"] for step in procedure(category)}
    return [{**entry, "text": texts.get(entry["item"], {})} for entry in items]
