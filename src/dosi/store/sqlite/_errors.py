"""The one place where sqlite3 exceptions become dosi errors (never leak driver errors)."""

from __future__ import annotations

import sqlite3

from dosi.errors import AlreadyExists, DosiError, StoreError


def translate(exc: sqlite3.Error, action: str) -> DosiError:
    """The dosi error for a driver error; raise it ``from exc``."""
    if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
        return AlreadyExists(f"SQLite {action}: duplicate key ({exc})")
    return StoreError(f"SQLite {action} failed: {exc}")
