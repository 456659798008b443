"""The one writer: a thread that owns the write connection and group-commits jobs.

Jobs queued while a commit is in flight are applied together in one ``BEGIN IMMEDIATE``
transaction, each inside its own savepoint (a failing job is rolled back alone), and made
durable by one commit, so one fsync serves many writers. A job's future is settled only
after the commit returned: an acknowledged write is committed.

The queue needs no bound of its own: every job has exactly one caller awaiting it, so it
holds at most as many jobs as there are concurrent writers.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final, TypeVar

from dosi.errors import StoreError
from dosi.store.sqlite._errors import translate

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_GROUP: Final = 256
Work = Callable[[sqlite3.Connection], Any]
_Job = tuple[Work, "Future[Any]"]


class Writer:
    """Serializes every write of a store on one thread and one connection."""

    def __init__(self, conn: sqlite3.Connection, *, on_abort: Callable[[], None]) -> None:
        """``on_abort`` runs on the writer thread when a group could not be committed."""
        self._conn = conn
        self._on_abort = on_abort
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="dosi-sqlite-writer", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in the next group commit and return its result once committed.

        Exceptions of ``work`` reach the caller unchanged, except sqlite3 errors, which
        become dosi errors. A call cancelled before its job started never runs it.
        """
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise StoreError("the SQLite store is closed")
            self._jobs.put((work, future))
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """Refuse new jobs, finish the queued ones, end the thread and close the
        connection (blocking)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        self._thread.join()
        try:
            self._conn.execute("PRAGMA optimize")  # keep the planner's statistics fresh
        except sqlite3.Error:
            logger.warning("PRAGMA optimize failed while closing", exc_info=True)
        self._conn.close()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            group = [job]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            live = [(work, f) for work, f in group if f.set_running_or_notify_cancel()]
            if live:
                self._commit(live)
            if stop:
                return

    def _commit(self, group: list[_Job]) -> None:
        conn = self._conn
        single = len(group) == 1
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for work, future in group:
                if not single:
                    conn.execute("SAVEPOINT job")
                try:
                    result = work(conn)
                except BaseException as exc:  # one job: its error goes to its caller
                    conn.execute("ROLLBACK" if single else "ROLLBACK TO job")
                    if not single:
                        conn.execute("RELEASE job")
                    error = translate(exc, "write") if isinstance(exc, sqlite3.Error) else exc
                    outcomes.append((future, False, error))
                else:
                    if not single:
                        conn.execute("RELEASE job")
                    outcomes.append((future, True, result))
            if conn.in_transaction:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abort(group, exc)
            return
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _abort(self, group: list[_Job], exc: sqlite3.Error) -> None:
        logger.error("SQLite group commit of %d jobs failed: %s", len(group), exc)
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                logger.exception("SQLite rollback after a failed commit failed")
        self._on_abort()
        for _, future in group:
            error = translate(exc, "commit")
            error.__cause__ = exc
            future.set_exception(error)
