"""A sliding-window rate limit: at most ``limit`` events per key in any ``window`` seconds (the portal's 限流).

Why a sliding window and not fixed hours: a fixed window lets a client send ``2 × limit`` across the turn of the
hour. The limiter keeps each key's event times (at most ``limit`` of them) and forgets a key once its window has
passed, so memory is bounded by the keys active in the last window or two. It is in-process: every server
process (``citybrain serve --workers N``) keeps its own, so a client may get up to ``N × limit`` in all.

Time is the injectable ``now`` (seconds), :func:`time.monotonic` by default: a window is a duration, and a wall
clock that is set back would stretch it. A slot is taken before the work is done and can be given back
(:meth:`SlidingWindow.give_back`) when the work was refused, so only successful events count — and concurrent
requests of one client cannot all pass a check made before any of them is counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    """One event counted for ``key`` at ``at`` (the limiter's clock)."""

    key: str
    at: float


@dataclass(frozen=True)
class Refused:
    """The key's window is full; ``retry_after`` whole seconds until its oldest event leaves it (≥ 1)."""

    retry_after: int


class SlidingWindow:
    """At most ``limit`` slots per key in any ``window`` seconds; ``limit`` 0 = no limit (nothing is kept)."""

    def __init__(self, limit: int, window: float = 3600.0, *, now: Callable[[], float] = time.monotonic) -> None:
        if limit < 0 or window <= 0:
            raise ValueError("limit must be >= 0 and window > 0")
        self.limit = limit
        self.window = window
        self._now = now
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._swept = now()

    def take(self, key: str) -> Slot | Refused:
        """Count an event for ``key`` now, or say how long until the window has room."""
        now = self._now()
        if self.limit == 0:
            return Slot(key, now)
        with self._lock:
            self._sweep(now)
            events = self._events.get(key)
            if events is not None:
                self._expire(events, now)
            if events and len(events) >= self.limit:
                return Refused(max(1, math.ceil(events[0] + self.window - now)))
            self._events.setdefault(key, deque()).append(now)
            return Slot(key, now)

    def give_back(self, slot: Slot) -> None:
        """Uncount a slot whose work was refused (a no-op if it has already left the window)."""
        with self._lock:
            events = self._events.get(slot.key)
            if events is None or slot.at not in events:
                return
            events.remove(slot.at)
            if not events:
                del self._events[slot.key]

    def keys(self) -> int:
        """How many keys are remembered (for tests and monitoring)."""
        with self._lock:
            return len(self._events)

    def _expire(self, events: deque[float], now: float) -> None:
        while events and events[0] <= now - self.window:
            events.popleft()

    def _sweep(self, now: float) -> None:
        """Once per window, forget every key whose events have all left it (bounded memory)."""
        if now - self._swept < self.window:
            return
        self._swept = now
        for key in [k for k, events in self._events.items() if events[-1] <= now - self.window]:
            del self._events[key]
