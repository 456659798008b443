"""Opening SQLite connections with dosi's pragmas and the REGEXP function."""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from typing import Any, Final

import regex

from dosi.errors import BadRequestData
from dosi.store.sqlite._options import Options

BUSY_TIMEOUT_MS: Final = 10_000
MMAP_BYTES: Final = 256 * 1024 * 1024


#: Per-value time limit of an idPattern match: a pathological pattern (catastrophic
#: backtracking) stops matching instead of holding a reader thread.
MATCH_TIMEOUT: Final = 0.05


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


def check_pattern(pattern: str) -> None:
    """Raise BadRequestData unless ``pattern`` is a valid Python regular expression."""
    try:
        _compiled(pattern)
    except (regex.error, RecursionError, OverflowError) as exc:
        raise BadRequestData(f"invalid regular expression {pattern!r}: {exc}") from None


def _regexp(pattern: str, value: str | None) -> bool:
    """SQL ``value REGEXP pattern`` (patterns are checked first); a match that runs past
    ``MATCH_TIMEOUT`` counts as no match."""
    if value is None:
        return False
    try:
        return _compiled(pattern).search(value, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        return False


def connect(options: Options, *, writer: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) usable from any thread.

    WAL lets readers run beside the one writer. Only the writer commits, so only its
    ``synchronous`` matters: FULL fsyncs the WAL on every commit (group commit shares it).
    """
    conn = sqlite3.connect(
        options.path,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if writer:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA journal_size_limit=67108864")
            conn.execute(f"PRAGMA synchronous={options.synchronous.upper()}")
            conn.execute("PRAGMA cache_size=-65536")
        else:
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA cache_size=-32768")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        conn.create_function("regexp", 2, _regexp, deterministic=True)
    except BaseException:
        conn.close()
        raise
    return conn
