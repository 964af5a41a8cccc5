"""The access log's writer (group commit): staff reads that show personal data log it without each taking the
database's single writer for the whole read.

Why: a staff list or case shown unmasked writes its access-log rows (PIPL, :mod:`citybrain.auth.access_log`).
Written in the request's own transaction, every such read was a write transaction: on SQLite it held the one
writer lock (across server processes) while it read, masked and rendered, then paid an fsync — 35 % of the soak's
mix queued behind each other and behind intake (bench/soak.py). Here the read runs in a read-only session, and its
rows go to this process's writer thread, which takes every request's rows that have queued (up to
``MAX_BATCH_ROWS``; no artificial wait: the rows that queue while one batch commits make the next batch), writes
them with one executemany INSERT and commits.

**No row is ever lost:** the request waits for its batch's COMMIT before its answer is sent, exactly as when the
rows were written in its own transaction (:meth:`AccessLogWriter.write` blocks until then). A crash before the
COMMIT loses the rows of answers that were never sent; a crash after it loses nothing. What changed is only that
the read and its log rows are two transactions: if the log write fails (disk full, database busy past the
timeout) the caller gets an error instead of the data, and a row may exist for an answer whose connection broke
after the COMMIT — as before. The queue is bounded (``MAX_QUEUED`` requests): when it is full a request waits for
room (back-pressure), it is never dropped. :meth:`AccessLogWriter.stop` (server shutdown) writes what is queued
before the thread ends; a request arriving after that is refused (503), not answered unlogged.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from citybrain.auth import access_repository
from citybrain.core.db import Database
from citybrain.core.errors import CityBrainError

#: Rows written in one transaction at most (a list shows ≤ 500 cases, so a batch holds at least four lists).
MAX_BATCH_ROWS = 2000

#: Requests waiting for the writer at most; more wait for room.
MAX_QUEUED = 1000

Rows = Sequence[dict[str, Any]]
_Pending = tuple[Rows, "Future[int]"]


class AccessLogUnavailable(CityBrainError):
    """The access log could not be written (the server is stopping, or the database stayed busy): the personal
    data is not shown unless its reading is logged."""

    status_code = 503
    code = "access_log_unavailable"


@dataclass
class AccessWriterStats:
    batches: int = 0
    requests: int = 0
    rows: int = 0
    largest_batch: int = 0


class AccessLogWriter:
    """One writer thread per server process; created with the app, started and stopped by its lifespan (or
    started by the first write, as in tests without a lifespan)."""

    def __init__(self, db: Database, *, timeout: float = 60.0, autostart: bool = True) -> None:
        self.db = db
        self.timeout = timeout
        self._autostart = autostart
        self.stats = AccessWriterStats()
        self._queue: queue.Queue[_Pending | None] = queue.Queue(maxsize=MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state = "new"  # new → running → stopped; start() may run it again

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._state == "running":
            return
        if self._state == "stopped":
            self._queue = queue.Queue(maxsize=MAX_QUEUED)
        self._thread = threading.Thread(target=self._run, name="access-log-writer", daemon=True)
        self._thread.start()
        self._state = "running"

    def stop(self, timeout: float = 60) -> None:
        """Refuse new rows, commit every queued request's, then end the thread."""
        with self._lock:
            running, self._state = self._state == "running", "stopped"
            if running:
                self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        self._refuse_leftovers()

    def _refuse_leftovers(self) -> None:
        """A request queued behind the end marker (it raced with ``stop``) hears at once, not at its timeout."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1].set_exception(AccessLogUnavailable("the server is shutting down; try again"))

    def submit(self, rows: Rows) -> Future[int]:
        """Queue one request's rows; the future completes (with the count) after their batch committed."""
        future: Future[int] = Future()
        with self._lock:
            if self._state == "stopped":
                raise AccessLogUnavailable("the server is shutting down; personal data is not shown unlogged")
            if self._state == "new" and self._autostart:
                self._start_locked()
            target = self._queue
        try:
            target.put((rows, future), timeout=self.timeout)  # full: wait for room, never drop
        except queue.Full:
            raise AccessLogUnavailable("the access log is behind; try again in a moment") from None
        return future

    def write(self, rows: Rows) -> int:
        """Write ``rows`` and return once they are committed (the caller then sends its answer)."""
        if not rows:
            return 0
        try:
            return self.submit(rows).result(timeout=self.timeout)
        except FutureTimeout:
            raise AccessLogUnavailable("the access log could not be written in time; try again") from None

    def _run(self) -> None:
        while True:
            batch, stopping = self._take()
            if batch:
                self._write(batch)
            if stopping:
                return

    def _take(self) -> tuple[list[_Pending], bool]:
        """Block for one request, then take what else is already queued, up to ``MAX_BATCH_ROWS`` rows."""
        batch: list[_Pending] = []
        rows = 0
        item = self._queue.get()
        while item is not None:
            batch.append(item)
            rows += len(item[0])
            if rows >= MAX_BATCH_ROWS:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self.db.transaction() as session:
                access_repository.add(session, [row for rows, _future in batch for row in rows])
        except Exception as exc:  # noqa: BLE001 - every waiter must hear about it, and the thread must live
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for one in batch:  # only the guilty request fails when each has its own transaction
                self._write([one])
            return
        with self._lock:
            self.stats.batches += 1
            self.stats.requests += len(batch)
            self.stats.rows += sum(len(rows) for rows, _future in batch)
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for rows, future in batch:
            future.set_result(len(rows))
