"""Keys of append-only records (delivery receipts, incident audit trails): they sort in
the order the records were written and are never reused, so a list reads back in order."""

from __future__ import annotations

import itertools
import time

_sequence = itertools.count()


def time_key() -> str:
    return f"{time.time_ns():020d}.{next(_sequence):09d}"
