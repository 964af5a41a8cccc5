"""The cockpit's kept answers (城市运行驾驶舱): each question's answer computed once per half-minute, stale ones
refreshed in the background, none computed twice at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any


@dataclass
class _Entry:
    at: float
    value: Any


class AnswerCache:
    """Answers kept per question: fresh for ``seconds``; after that, for up to ``keep`` seconds, the kept answer is
    given at once while a new one is computed in the background (the wall refreshes every minute from many screens:
    a million cases are counted once per question and half-minute, and no screen waits for it). A question asked
    while its answer is being computed waits for that computation rather than starting another. ``seconds <= 0``
    computes every time, in the caller's thread."""

    def __init__(self, seconds: float, *, keep: float = 600.0, size: int = 256, workers: int = 2) -> None:
        self.seconds = seconds
        self.keep = keep
        self.size = size
        self._lock = threading.Lock()
        self._done: dict[tuple[Any, ...], _Entry] = {}
        self._running: dict[tuple[Any, ...], Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cockpit")

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return compute()
        with self._lock:
            entry = self._done.get(key)
            age = time.monotonic() - entry.at if entry is not None else None
            running = self._running.get(key)
            if entry is not None and age is not None and age < self.seconds:
                return entry.value
            if entry is not None and age is not None and age < self.keep:
                if running is None:
                    self._start(key, compute)
                return entry.value
            if running is None:
                running = self._start(key, compute)
        return running.result()

    def warm(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> None:
        """Start computing ``key``'s answer in the background unless it is kept or under way."""
        if self.seconds <= 0:
            return
        with self._lock:
            if key not in self._done and key not in self._running:
                self._start(key, compute)

    def kept(self) -> int:
        """How many answers are kept (fresh or stale)."""
        with self._lock:
            return len(self._done)

    def close(self) -> None:
        """Wait for the computations under way; start no more (the app's shutdown)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Future[Any]:
        future = self._pool.submit(self._run, key, compute)
        self._running[key] = future
        return future

    def _run(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        try:
            value = compute()
        except BaseException:
            with self._lock:
                self._running.pop(key, None)
            raise
        with self._lock:
            self._running.pop(key, None)
            if key not in self._done and len(self._done) >= self.size:
                del self._done[min(self._done, key=lambda k: self._done[k].at)]
            self._done[key] = _Entry(time.monotonic(), value)
        return value
