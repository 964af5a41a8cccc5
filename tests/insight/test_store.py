"""Stored analysis runs: written whole inside the caller's transaction, read back ranked, pruned, served by role."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput, NotFound
from citybrain.insight import service
from citybrain.insight.service import ResultItem
from tests.conftest import make_key


def _store(db: Database, kind: str = "associations", n: int = 3) -> int:
    items = [
        ResultItem(key=f"rule-{i}", score=float(n - i), payload={"lift": np.float64(2.5), "p": math.nan}, case_ids=[i])
        for i in range(n)
    ]
    with db.transaction() as session:
        return service.save_run(
            session, kind=kind, source="test.csv", params={"cell_m": np.int64(500)}, summary={"n": n}, items=items
        )


def test_a_run_is_read_back_in_rank_order_with_plain_json(db: Database) -> None:
    run_id = _store(db)
    with db.reading() as session:
        run = service.get_run(session, run_id)
    assert run["kind"] == "associations"
    assert run["params"] == {"cell_m": 500}
    assert run["total_results"] == 3
    assert [r["key"] for r in run["results"]] == ["rule-0", "rule-1", "rule-2"]
    assert [r["rank"] for r in run["results"]] == [1, 2, 3]
    assert run["results"][0]["payload"] == {"lift": 2.5, "p": None}
    assert run["results"][2]["case_ids"] == [2]


def test_latest_is_the_newest_finished_run_of_its_kind(db: Database) -> None:
    _store(db, n=1)
    newest = _store(db, n=2)
    _store(db, kind="hot_issues", n=5)
    with db.reading() as session:
        assert service.latest(session, "associations")["id"] == newest
        assert len(service.list_runs(session, kind="associations")) == 2
        assert len(service.list_runs(session, kind=None)) == 3


def test_unknown_kind_and_missing_run_are_clear_errors(db: Database) -> None:
    with db.transaction() as session, pytest.raises(InvalidInput, match="unknown analysis kind"):
        service.save_run(session, kind="astrology", source="x", params={}, summary=None, items=[])
    with db.reading() as session:
        with pytest.raises(NotFound):
            service.get_run(session, 987654)
        with pytest.raises(NotFound, match="no warnings run stored yet"):
            service.latest(session, "warnings")


def test_a_failed_transaction_stores_nothing(db: Database) -> None:
    def save_then_fail() -> None:
        with db.transaction() as session:
            service.save_run(session, kind="report", source="x", params={}, summary=None, items=[ResultItem("a")])
            raise RuntimeError("the analysis failed after saving")

    with pytest.raises(RuntimeError):
        save_then_fail()
    with db.reading() as session:
        assert service.list_runs(session, kind="report") == []


def test_old_runs_are_pruned(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "KEEP_RUNS", 2)
    ids = [_store(db, n=1) for _ in range(4)]
    with db.reading() as session:
        assert [run["id"] for run in service.list_runs(session, kind="associations")] == ids[:1:-1]


def test_api_serves_runs_to_staff_only(app_client: TestClient, db: Database) -> None:
    run_id = _store(db)
    assert app_client.get("/api/v1/insight/runs").status_code == 401
    app_key = {"X-API-Key": make_key(db, "app")}
    assert app_client.get("/api/v1/insight/runs", headers=app_key).status_code == 403
    supervisor = {"X-API-Key": make_key(db, "supervisor")}
    listed = app_client.get("/api/v1/insight/runs?kind=associations", headers=supervisor)
    assert listed.status_code == 200
    assert [run["id"] for run in listed.json()] == [run_id]
    one = app_client.get(f"/api/v1/insight/runs/{run_id}?limit=2&offset=1", headers=supervisor).json()
    assert [r["rank"] for r in one["results"]] == [2, 3]
    assert app_client.get("/api/v1/insight/latest/associations", headers=supervisor).json()["id"] == run_id
    assert app_client.get("/api/v1/insight/latest/nonsense", headers=supervisor).status_code == 400
    assert app_client.get("/api/v1/insight/runs/424242", headers=supervisor).status_code == 404
