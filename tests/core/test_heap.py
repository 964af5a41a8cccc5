"""The server exempts its startup heap from full garbage collections while it runs, and gives it back after."""

from __future__ import annotations

import gc
import time

from fastapi.testclient import TestClient

from citybrain.core import heap
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app


def test_freeze_moves_the_live_heap_out_of_reach_of_collections() -> None:
    try:
        frozen = heap.freeze_startup_heap()
        assert frozen == gc.get_freeze_count() > 10_000  # this test process imported numpy, SQLAlchemy, ...
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
    with TestClient(create_app(settings, db)) as client:
        assert gc.get_freeze_count() > 10_000
        assert client.get("/open311/v2/services.json").status_code == 200
    assert gc.get_freeze_count() == 0
