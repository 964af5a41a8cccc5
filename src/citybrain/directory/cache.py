"""The directory held in memory by one server process for intake, re-read at most every N seconds.

Why: routing and deadlines of an Open311 request are decided from the directory; reading it per request
was most of the cost of a POST. Kept here, a change made by staff (a new routing rule, a retired service, a
new SLA) reaches new requests within ``directory_refresh_seconds`` (setting; 0 = re-read every time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from citybrain.core.db import Database
from citybrain.directory.snapshot import DirectorySnapshot, load_snapshot

Monotonic = Callable[[], float]


class DirectoryCache:
    """One snapshot, replaced when older than ``max_age`` seconds; safe to share between writer threads."""

    def __init__(
        self, load: Callable[[], DirectorySnapshot], max_age: float, monotonic: Monotonic = time.monotonic
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._snapshot: DirectorySnapshot | None = None
        self._loaded_at = 0.0

    def current(self) -> DirectorySnapshot:
        """The snapshot, re-read first when it is older than ``max_age`` (or was never read)."""
        with self._lock:
            now = self._monotonic()
            if self._snapshot is None or now - self._loaded_at >= self._max_age:
                self._snapshot = self._load()
                self._loaded_at = now
            return self._snapshot

    def invalidate(self) -> None:
        """Make the next :meth:`current` re-read (for a caller that knows the directory just changed)."""
        with self._lock:
            self._snapshot = None


def directory_cache(db: Database, max_age: float, monotonic: Monotonic = time.monotonic) -> DirectoryCache:
    """A cache reading the directory through ``db.reading()`` (never queues behind SQLite's writer)."""

    def load() -> DirectorySnapshot:
        with db.reading() as session:
            return load_snapshot(session)

    return DirectoryCache(load, max_age, monotonic)
