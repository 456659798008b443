"""The embedded store: one SQLite file in WAL mode, with an R-tree geo index."""

from dosi.store.sqlite.store import CAPABILITIES, SQLiteStore

__all__ = ["CAPABILITIES", "SQLiteStore"]
