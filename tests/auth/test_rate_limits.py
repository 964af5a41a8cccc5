"""限流: per-API-key budgets with 429 + Retry-After, wrong keys throttled per address, shared by every server
process through Redis (127.0.0.1:6379) — and each process's own budget when Redis is not set or not there."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.keylimit import LocalBudgets, RedisBudgets, TtlCache
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key

REDIS = "redis://127.0.0.1:6379/0"


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS}: {exc}")
    return client


@pytest.fixture
def clean_redis(settings: Settings) -> Iterator[None]:
    """This test database's buckets in the shared Redis start empty (key ids repeat from one test database to the
    next). Only its own namespace: another test run using the same Redis keeps its buckets."""
    client = redis_or_skip()
    digest = hashlib.sha256(settings.resolved_database_url().encode()).hexdigest()[:12]

    def wipe() -> None:
        for key in client.scan_iter(f"citybrain:limit:{digest}:*"):
            client.delete(key)

    wipe()
    yield
    wipe()


class TestBudgets:
    def test_a_window_refuses_with_the_seconds_to_wait_and_forgets(self) -> None:
        clock = [1000.0]
        budgets = LocalBudgets(now=lambda: clock[0])
        assert [budgets.take("k", 2, 60.0) for _ in range(2)] == [None, None]
        assert budgets.take("k", 2, 60.0) == 60
        clock[0] += 45
        assert budgets.take("k", 2, 60.0) == 15
        assert budgets.take("k", 2, 60.0, count=False) == 15
        clock[0] += 15
        assert budgets.take("k", 2, 60.0) is None
        assert budgets.take("other", 2, 60.0) is None
        assert budgets.take("k", 0, 60.0) is None  # 0 = no limit

    def test_asking_does_not_count(self) -> None:
        budgets = LocalBudgets()
        assert [budgets.take("k", 1, 60.0, count=False) for _ in range(5)] == [None] * 5
        assert budgets.take("k", 1, 60.0) is None
        assert budgets.take("k", 1, 60.0) is not None

    def test_a_keys_budget_is_looked_up_once_in_a_while(self) -> None:
        clock, loads = [0.0], [0]
        cache = TtlCache[int](ttl=30.0, now=lambda: clock[0])

        def load() -> int:
            loads[0] += 1
            return loads[0]

        assert [cache.get("k", load) for _ in range(3)] == [1, 1, 1]
        clock[0] += 31
        assert cache.get("k", load) == 2

    def test_redis_budgets_are_one_budget_across_processes(self) -> None:
        redis_or_skip()
        prefix = f"citybrain:test:{uuid.uuid4().hex}:"
        here, there = RedisBudgets(REDIS, prefix=prefix), RedisBudgets(REDIS, prefix=prefix)
        assert [here.take("key:1", 5, 60.0) for _ in range(3)] == [None] * 3
        assert there.take("key:1", 5, 60.0) is None
        script = (
            "from citybrain.core.keylimit import RedisBudgets;"
            f"b = RedisBudgets({REDIS!r}, prefix={prefix!r});"
            "print([b.take('key:1', 5, 60.0) for _ in range(2)])"
        )
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        first, second = eval(other.stdout)  # noqa: S307 - our own subprocess's printed list
        assert first is None  # the fifth request of the minute, made by another process
        assert 1 <= second <= 60  # the sixth is refused there …
        assert 1 <= (here.take("key:1", 5, 60.0) or 0) <= 60  # … and here

    def test_without_redis_each_process_still_counts(self) -> None:
        gone = RedisBudgets("redis://127.0.0.1:1/0", prefix="x:")  # nothing listens on port 1
        assert [gone.take("key:1", 2, 60.0) for _ in range(2)] == [None, None]
        assert gone.take("key:1", 2, 60.0) is not None


def limited(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"api_key_requests_per_minute": 3, "bad_keys_per_minute": 3, **update})


def test_a_key_over_its_minute_gets_429_with_retry_after(db: Database, settings: Settings) -> None:
    key = {"X-API-Key": make_key(db, "operator")}
    with TestClient(create_app(limited(settings), database=db)) as client:
        assert [client.get("/api/v1/me", headers=key).status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/cases", headers=key)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["error"]["code"] == "too_many_requests"
        other = {"X-API-Key": make_key(db, "operator")}
        assert client.get("/api/v1/me", headers=other).status_code == 200  # a budget per key
        assert client.get("/open311/v2/services.json").status_code == 200  # no key, no key budget


def test_a_key_may_have_its_own_limit(db: Database, settings: Settings) -> None:
    from citybrain.auth import repository, service

    load_test, citizen_app = make_key(db, "operator"), make_key(db, "operator")
    with db.transaction() as session:
        ids = sorted(k.id for k in repository.all_keys(session))
        service.set_rate_limit(session=session, key_id=ids[-2], per_minute=0)  # the load test: no limit
        service.set_rate_limit(session=session, key_id=ids[-1], per_minute=5)
    with TestClient(create_app(limited(settings), database=db)) as client:
        statuses = [client.get("/api/v1/me", headers={"X-API-Key": load_test}).status_code for _ in range(20)]
        assert statuses == [200] * 20
        statuses = [client.get("/api/v1/me", headers={"X-API-Key": citizen_app}).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]


def test_wrong_keys_are_throttled_per_address(db: Database, settings: Settings) -> None:
    good = {"X-API-Key": make_key(db, "operator")}
    with TestClient(create_app(limited(settings, api_key_requests_per_minute=0), database=db)) as client:
        wrong = [client.get("/api/v1/me", headers={"X-API-Key": f"cb_wrong{i}"}).status_code for i in range(4)]
        assert wrong == [403, 403, 403, 429]
        refused = client.get("/api/v1/me", headers=good)  # the address is held, whatever key it shows now
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_bad_keys"
        assert "Retry-After" in refused.headers
        assert client.get("/open311/v2/services.json").status_code == 200  # without a key it is not held
        form = {"service_code": "x", "description": "路灯不亮", "lat": "28.2", "long": "112.9", "api_key": "cb_no"}
        assert client.post("/open311/v2/requests.json", data=form).status_code == 429


def test_open311_posts_spend_the_keys_budget(db: Database, settings: Settings) -> None:
    app_key = make_key(db, "app")
    form = {"service_code": "nope", "description": "路灯不亮", "lat": "28.2", "long": "112.9", "api_key": app_key}
    with TestClient(create_app(limited(settings), database=db)) as client:
        answers = [client.post("/open311/v2/requests.json", data=form) for _ in range(4)]
        assert [a.status_code for a in answers[:3]] != [429] * 3
        assert answers[3].status_code == 429
        assert "Retry-After" in answers[3].headers
        assert answers[3].json()[0]["code"] == 429  # the spec's error list


def test_workers_share_one_budget_through_redis(db: Database, settings: Settings, clean_redis: None) -> None:
    """Two apps over one database stand for two worker processes: with CITYBRAIN_REDIS_URL a key's minute is one."""
    key = {"X-API-Key": make_key(db, "operator")}
    shared = limited(settings, redis_url=REDIS)
    with TestClient(create_app(shared, database=db)) as one, TestClient(create_app(shared, database=db)) as two:
        assert [one.get("/api/v1/me", headers=key).status_code for _ in range(2)] == [200, 200]
        assert two.get("/api/v1/me", headers=key).status_code == 200
        assert two.get("/api/v1/me", headers=key).status_code == 429
        assert one.get("/api/v1/me", headers=key).status_code == 429
    alone = limited(settings)
    with TestClient(create_app(alone, database=db)) as three, TestClient(create_app(alone, database=db)) as four:
        assert [three.get("/api/v1/me", headers=key).status_code for _ in range(3)] == [200] * 3
        assert four.get("/api/v1/me", headers=key).status_code == 200  # without Redis: a budget per process


def test_open311_posts_share_the_budget_through_redis(db: Database, settings: Settings, clean_redis: None) -> None:
    app_key = make_key(db, "app")
    form = {"service_code": "nope", "description": "路灯不亮", "lat": "28.2", "long": "112.9", "api_key": app_key}
    shared = limited(settings, redis_url=REDIS)
    with TestClient(create_app(shared, database=db)) as one, TestClient(create_app(shared, database=db)) as two:
        statuses = [one.post("/open311/v2/requests.json", data=form).status_code for _ in range(2)]
        statuses += [two.post("/open311/v2/requests.json", data=form).status_code for _ in range(2)]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429
