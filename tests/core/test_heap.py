"""The server exempts its startup heap from full garbage collections while it runs, and gives it back after."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from citybrain.core import heap
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app


def test_freeze_moves_the_live_heap_out_of_reach_of_collections() -> None:
    try:
        frozen = heap.freeze_startup_heap()
        # this test process imported numpy, SQLAlchemy, ...; a frozen object another thread lets go of meanwhile
        # (a server thread of an earlier test winding down) leaves the permanent generation, so at most ``frozen``
        assert frozen >= gc.get_freeze_count() > 10_000
        started = time.perf_counter()
        gc.collect()
        frozen_ms = time.perf_counter() - started
    finally:
        heap.thaw()
    assert gc.get_freeze_count() == 0
    started = time.perf_counter()
    gc.collect()
    full_ms = time.perf_counter() - started
    assert frozen_ms < full_ms  # the point of it: a full collection no longer walks the startup heap


def test_a_running_server_has_frozen_its_startup_heap_and_thaws_it_on_stop(db: Database, settings: Settings) -> None:
    assert gc.get_freeze_count() == 0
    frozen_on_start = settings.model_copy(update={"freeze_heap_at_start": True})  # the suite's settings switch it off
    with TestClient(create_app(frozen_on_start, db)) as client:
        assert gc.get_freeze_count() > 10_000
        assert client.get("/open311/v2/services.json").status_code == 200
    assert gc.get_freeze_count() == 0


def _arenas_limited(env: dict[str, str]) -> str:
    code = "from citybrain.core import heap; print(heap.limit_malloc_arenas())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_malloc_arenas_are_limited_unless_the_operator_chose() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _arenas_limited(env) == "True"
    assert _arenas_limited({**env, "MALLOC_ARENA_MAX": "4"}) == "False"  # the operator's own limit stands


def test_a_server_told_not_to_freeze_leaves_the_collector_alone(db: Database, settings: Settings) -> None:
    assert not settings.freeze_heap_at_start  # CITYBRAIN_FREEZE_HEAP_AT_START=false, as the suite runs
    with TestClient(create_app(settings, db)) as client:
        assert client.get("/open311/v2/services.json").status_code == 200
        assert gc.get_freeze_count() == 0
