"""SQLite's single writer, queued for in the operating system instead of in SQLite's busy handler.

SQLite lets one connection write at a time; the others wait in its busy handler, which sleeps in growing naps
(1, 2, 5 … 100 ms) and lets one waiter starve behind a busy writer. Under load that turned a few milliseconds of
work into latency spikes of seconds (bench/open311_load.py with two server processes). Here every writer —
threads of this process and other processes on the same file (server workers, a CLI import) — first takes this
lock: threads queue on a re-entrant lock, processes on ``flock`` on a file beside the database, polled with short
naps (at most 1 ms) up to a timeout, after which the caller gets a clear error rather than waiting forever.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from citybrain.core.errors import CityBrainError


class WriteLockTimeout(CityBrainError):
    """Another writer held the database for longer than the timeout (HTTP 503: try again)."""

    status_code = 503
    code = "database_busy"


class SqliteWriteLock:
    """Re-entrant within a thread, exclusive across threads and processes."""

    def __init__(self, database_file: Path, timeout: float = 30.0, *, suffix: str = ".writelock") -> None:
        self.path = database_file.with_name(database_file.name + suffix)
        self.timeout = timeout
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._depth == 0:
                self._acquire_file()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release_file()

    def _acquire_file(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        nap = 0.0001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriteLockTimeout(
                        f"the database is busy: another writer (an import?) held it for over {self.timeout:.0f} s; "
                        "try again when it has finished"
                    ) from None
                time.sleep(nap)
                nap = min(nap * 2, 0.001)

    def _release_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
