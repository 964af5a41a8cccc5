"""Request budgets per API key and per client address (限流), shared by every server process through Redis.

A budget is a sliding window: at most ``limit`` requests of a bucket in any ``window`` seconds. With
``CITYBRAIN_REDIS_URL`` set the windows live in Redis (a sorted set per bucket, changed by one Lua script, timed
by the Redis server's clock), so ``citybrain serve --workers 4`` gives a key one budget, not four; without it they
live in this process. When Redis does not answer, the process counts on its own budget (and says so in the log)
rather than refusing every request: a lost Redis loosens the limits to one budget per process, it does not
stop the city's intake.

``take`` counts a request and answers ``None``, or refuses it — without counting — with the whole seconds until
the window has room (≥ 1). ``count=False`` only asks (a wrong key is counted after it has failed).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from citybrain.core.errors import TooManyRequests

log = logging.getLogger(__name__)


class Budgets(Protocol):
    def take(self, bucket: str, limit: int, window: float, *, count: bool = True) -> int | None: ...


class LocalBudgets:
    """The windows of this process (a client may get ``workers ×`` the budget in all)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._swept = now()

    def take(self, bucket: str, limit: int, window: float, *, count: bool = True) -> int | None:
        if limit <= 0:
            return None
        now = self._now()
        with self._lock:
            self._sweep(now, window)
            events = self._events.setdefault(bucket, deque())
            while events and events[0] <= now - window:
                events.popleft()
            if len(events) >= limit:
                return max(1, math.ceil(events[0] + window - now))
            if count:
                events.append(now)
            elif not events:
                del self._events[bucket]
            return None

    def _sweep(self, now: float, window: float) -> None:
        """Once a window, forget the buckets whose requests have all left it (bounded memory)."""
        if now - self._swept < window:
            return
        self._swept = now
        for bucket in [b for b, events in self._events.items() if not events or events[-1] <= now - window]:
            del self._events[bucket]


# KEYS[1] the bucket; ARGV limit, window in ms, 1 to count. Returns 0 (counted / room) or the seconds to wait.
_SCRIPT = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) / 1000))
end
if ARGV[3] == '1' then
  local seq = redis.call('INCR', key .. ':n')
  redis.call('ZADD', key, now, now .. ':' .. seq)
  redis.call('PEXPIRE', key, window)
  redis.call('PEXPIRE', key .. ':n', window)
end
return 0
"""


class RedisBudgets:
    """The windows in Redis, shared by every process that names the same server (``prefix`` keeps apps apart)."""

    def __init__(self, url: str, *, prefix: str = "citybrain:limit:", fallback: LocalBudgets | None = None) -> None:
        import redis

        self._client: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._client.register_script(_SCRIPT)
        self._prefix = prefix
        self._fallback = fallback or LocalBudgets()
        self._warned = False

    def take(self, bucket: str, limit: int, window: float, *, count: bool = True) -> int | None:
        if limit <= 0:
            return None
        try:
            wait = int(self._script(keys=[self._prefix + bucket], args=[limit, int(window * 1000), int(count)]))
        except Exception as exc:  # noqa: BLE001 - any Redis failure: this process keeps its own budget
            if not self._warned:
                log.warning("rate limits: Redis did not answer (%s); counting in this process until it does", exc)
                self._warned = True
            return self._fallback.take(bucket, limit, window, count=count)
        self._warned = False
        return wait or None


def budgets(redis_url: str, *, namespace: str) -> Budgets:
    """Redis's shared windows when a URL is set, else this process's.

    ``namespace`` names the deployment (its database URL): the processes of one CityBrain share one budget per key,
    while two deployments that share a Redis (or a test run's two databases) never count each other's keys, whose
    ids repeat from one database to the next.
    """
    if not redis_url:
        return LocalBudgets()
    digest = hashlib.sha256(namespace.encode()).hexdigest()[:12]
    return RedisBudgets(redis_url, prefix=f"citybrain:limit:{digest}:")


#: Every budget here is per rolling minute.
MINUTE = 60.0


def spend(budgets: Budgets, bucket: str, per_minute: int) -> None:
    """Count one request of ``bucket`` (an API key), or 429 ``too_many_requests`` with the seconds to wait."""
    wait = budgets.take(bucket, per_minute, MINUTE)
    if wait is not None:
        raise TooManyRequests(
            f"请求过于频繁，请 {wait} 秒后再试 / Too many requests with this API key: at most {per_minute} a minute; "
            f"try again in {wait} s (ask the centre to raise the key's limit: citybrain apikey limit).",
            retry_after=wait,
            code="too_many_requests",
        )


def check_bad_keys(budgets: Budgets, address: str, per_minute: int) -> None:
    """429 ``too_many_bad_keys`` when ``address`` has presented its minute's worth of wrong keys."""
    wait = budgets.take(f"badkey:{address}", per_minute, MINUTE, count=False)
    if wait is not None:
        raise TooManyRequests(
            f"错误的 API 密钥过多，请 {wait} 秒后再试 / Too many wrong API keys from this address; "
            f"try again in {wait} s.",
            retry_after=wait,
            code="too_many_bad_keys",
        )


def count_bad_key(budgets: Budgets, address: str, per_minute: int) -> None:
    """Count one wrong or revoked key presented from ``address``."""
    budgets.take(f"badkey:{address}", per_minute, MINUTE)


V = TypeVar("V")


class TtlCache(Generic[V]):
    """What a key's budget is, remembered ``ttl`` seconds (Open311 POST looks it up before the intake writer does:
    without this, every POST would read the database on the event loop). At most ``size`` entries."""

    def __init__(self, ttl: float = 30.0, size: int = 10_000, now: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._size, self._now = ttl, size, now
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], V]) -> V:
        now = self._now()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, value)
        return value
