"""Patrol plans, check-ins and coverage (which cells were visited, when, and the plan kept), by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core import clock
from citybrain.models import PatrolPlan
from tests.grid.conftest import LAT0, LON0, Grid, inside

COVERAGE = "/api/v1/patrols/coverage"


def _visit(client: TestClient, headers: dict[str, str], cell: str, at: datetime) -> int:
    lat, lon = inside(cell)
    with clock.frozen(at):
        return int(client.post("/api/v1/patrols/visits", json={"lat": lat, "lon": lon}, headers=headers).status_code)


def test_coverage_and_the_plan_kept(app_client: TestClient, grid: Grid, operator: dict[str, str]) -> None:
    plan = {"worker_code": "W1", "cells": ["G1", "G2"], "days": ["2026-03-02", "2026-03-03"]}
    made = app_client.post("/api/v1/patrols/plans", json=plan, headers=operator)
    assert (made.status_code, made.json()) == (201, {"created": 4, "already_planned": 0})
    again = app_client.post(
        "/api/v1/patrols/plans", json=plan | {"days": ["2026-03-03", "2026-03-04"]}, headers=operator
    )
    assert again.json() == {"created": 2, "already_planned": 2}
    # local time is Asia/Shanghai (UTC+8)
    assert _visit(app_client, grid.w1, "G1", datetime(2026, 3, 2, 2, tzinfo=UTC)) == 201  # 10:00 on the 2nd: kept
    assert _visit(app_client, grid.w1, "G1", datetime(2026, 3, 2, 16, 30, tzinfo=UTC)) == 201  # 00:30 on the 3rd
    assert _visit(app_client, grid.w1, "G2", datetime(2026, 3, 3, 15, 30, tzinfo=UTC)) == 201  # 23:30 on the 3rd
    assert _visit(app_client, grid.w2, "G3", datetime(2026, 3, 2, 3, tzinfo=UTC)) == 201  # not planned
    assert _visit(app_client, grid.w1, "G2", datetime(2026, 3, 5, 3, tzinfo=UTC)) == 201  # after the window
    answer = app_client.get(COVERAGE, params={"from": "2026-03-02", "to": "2026-03-03"}, headers=operator)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["summary"] == {
        "from": "2026-03-02", "to": "2026-03-03", "cells": 4, "cells_visited": 3, "coverage_rate": 0.75,
        "planned_walks": 4, "planned_walks_kept": 3, "plan_kept_rate": 0.75,
    }  # fmt: skip
    cells = {c["cell_code"]: c for c in report["cells"]}
    assert cells["G1"]["visits"] == 2
    assert (cells["G1"]["first_visit"], cells["G1"]["last_visit"]) == ("2026-03-02T02:00:00Z", "2026-03-02T16:30:00Z")
    assert (cells["G2"]["planned_walks"], cells["G2"]["planned_walks_kept"]) == (2, 1)
    assert (cells["G3"]["workers"], cells["G3"]["planned_walks"]) == (["W2"], 0)
    assert cells["G4"]["visits"] == 0
    own = app_client.get(COVERAGE, params={"from": "2026-03-02", "to": "2026-03-03"}, headers=grid.w2).json()
    assert [c["cell_code"] for c in own["cells"]] == ["G3", "G4"]
    backwards = app_client.get(COVERAGE, params={"from": "2026-03-03", "to": "2026-03-02"}, headers=operator)
    assert backwards.status_code == 400


def test_bad_visits_and_plans_write_nothing(app_client: TestClient, grid: Grid, operator: dict[str, str]) -> None:
    assert _visit(app_client, grid.w1, "G3", datetime(2026, 3, 2, 2, tzinfo=UTC)) == 403
    outside = app_client.post("/api/v1/patrols/visits", json={"lat": LAT0 - 1, "lon": LON0}, headers=grid.w1)
    assert outside.status_code == 400
    unknown = {"worker_code": "W1", "cells": ["G1", "G9"], "days": ["2026-03-02"]}
    refused = app_client.post("/api/v1/patrols/plans", json=unknown, headers=operator)
    assert refused.status_code == 404
    assert "G9" in refused.json()["error"]["message"]
    nobody = app_client.post("/api/v1/patrols/plans", json=unknown | {"worker_code": "W9", "cells": ["G1"]},
                             headers=operator)  # fmt: skip
    assert nobody.status_code == 404
    assert app_client.post("/api/v1/patrols/plans", json=unknown, headers=grid.w1).status_code == 403
    with grid.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(PatrolPlan)) == 0
    report = app_client.get(COVERAGE, params={"from": "2026-03-02", "to": "2026-03-02"}, headers=operator).json()
    assert report["summary"]["cells_visited"] == 0


def test_days_out_of_range_are_400_not_a_crash(app_client: TestClient, grid: Grid, operator: dict[str, str]) -> None:
    far = app_client.get(COVERAGE, params={"from": "0001-01-01", "to": "9999-12-31"}, headers=operator)
    assert far.status_code == 422
    long = app_client.get(COVERAGE, params={"from": "2025-01-01", "to": "2026-03-01"}, headers=operator)
    assert long.status_code == 400
    assert "at most 366 days" in long.json()["error"]["message"]
    listed = app_client.get("/api/v1/inspections", params={"to": "9999-12-31"}, headers=operator)
    assert listed.status_code == 422
    plan = {"worker_code": "W1", "cells": ["G1"], "days": ["0001-01-01"]}
    assert app_client.post("/api/v1/patrols/plans", json=plan, headers=operator).status_code == 422
