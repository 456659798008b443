"""The SQLite store URL: ``sqlite:///relative/dosi.db`` or ``sqlite:////absolute/dosi.db``.

As in SQLAlchemy, the path is what follows the third slash, so ``Settings.store_url()``'s
``sqlite:///{data_dir}/dosi.db`` names ``data_dir`` whether it is relative or absolute.
Query options: ``synchronous`` (``normal``, the default, ``full`` or ``extra``; see
``Options.synchronous``) and ``readers`` (reader threads, default 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

from dosi.errors import StoreError

SYNCHRONOUS: Final = ("full", "normal", "extra")
MAX_READERS: Final = 32


@dataclass(frozen=True, slots=True)
class Options:
    path: str
    #: PRAGMA synchronous of the writer. NORMAL (WAL): a commit is in the WAL file before
    #: it is acknowledged, so it survives a crash of the process; a power cut or OS crash
    #: may lose the last commits (never corrupts). FULL also fsyncs every commit.
    synchronous: str = "normal"
    readers: int = 2


def parse_url(url: str) -> Options:
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] != "sqlite":
        raise StoreError(f"not a SQLite store URL: {url!r}")
    path = unquote(parts.netloc + parts.path)
    if not parts.netloc and path.startswith("/"):
        path = path[1:]
    if not path or path == ":memory:":
        raise StoreError(f"the SQLite store needs a file path: {url!r}")
    query = dict(parse_qsl(parts.query))
    synchronous = query.pop("synchronous", "normal").lower()
    if synchronous not in SYNCHRONOUS:
        raise StoreError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}")
    try:
        readers = int(query.pop("readers", "2"))
    except ValueError:
        raise StoreError("readers must be an integer") from None
    if not 1 <= readers <= MAX_READERS:
        raise StoreError(f"readers must be between 1 and {MAX_READERS}")
    if query:
        raise StoreError(f"unknown SQLite store options: {', '.join(sorted(query))}")
    return Options(path=path, synchronous=synchronous, readers=readers)
