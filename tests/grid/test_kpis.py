"""Grid KPIs against hand-computed values: 未诉先办 (found first), ahead of complaints, on the spot, workload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.grid.kpis import Complaint, Finding, grid_kpis
from tests.grid.conftest import Grid, inside


def _t(day: int, hour: int = 4, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_found_first_and_ahead_of_complaints_by_hand() -> None:
    findings = [
        Finding(1, "G1", "A", _t(10), "W1", False),  # a G1/A complaint 5 days before: not found first
        Finding(2, "G1", "A", _t(20), "W1", True),  # that complaint is 15 days back; one follows 2 days after
        Finding(3, "G2", "B", _t(15), "W1", False),  # the complaint before is about another category
        Finding(4, "G3", "A", _t(31, 23), "W2", False),  # the one before is 7 days and 1 hour back; one after April 5
    ]
    complaints = [
        Complaint("G1", "A", _t(28, month=2)),  # before the window: looked at, not counted
        Complaint("G1", "A", _t(5)),
        Complaint("G1", "A", _t(22)),
        Complaint("G2", "A", _t(14)),
        Complaint("G3", "A", _t(24, 22)),
        Complaint("G3", "A", _t(5, month=4)),  # after the window: looked at, not counted
    ]
    visits = [("G1", "W1"), ("G1", "W1"), ("G2", "W1"), ("G3", "W2")]
    report = grid_kpis(findings, complaints, visits, start=_t(1, 0), end=_t(1, 0, month=4), window=timedelta(days=7))
    out = report.out()
    assert out["city"] == {
        "inspections": 4, "found_first": 3, "ahead_of_complaints": 2, "on_spot": 1, "complaints": 4, "visits": 4,
        "cells": 3, "found_first_rate": 0.75, "ahead_of_complaints_rate": 0.5, "on_spot_rate": 0.25,
    }  # fmt: skip
    assert out["workers"] == [
        {"worker_code": "W1", "inspections": 3, "found_first": 2, "ahead_of_complaints": 1, "on_spot": 1,
         "complaints": 0, "visits": 3, "cells": 2},
        {"worker_code": "W2", "inspections": 1, "found_first": 1, "ahead_of_complaints": 1, "on_spot": 0,
         "complaints": 0, "visits": 1, "cells": 1},
    ]  # fmt: skip
    cells = {c["cell_code"]: c for c in out["cells"]}  # type: ignore[attr-defined]
    assert [(c, cells[c]["inspections"], cells[c]["found_first"], cells[c]["complaints"]) for c in sorted(cells)] == [
        ("G1", 2, 1, 2), ("G2", 1, 1, 1), ("G3", 1, 1, 1),
    ]  # fmt: skip


def test_a_complaint_at_the_same_moment_came_first() -> None:
    report = grid_kpis([Finding(1, "G1", "A", _t(10), "W1", False)], [Complaint("G1", "A", _t(10))], [],
                       start=_t(1), end=_t(31))  # fmt: skip
    assert (report.city.inspections, report.city.found_first) == (1, 0)


def test_nothing_found_gives_no_rates() -> None:
    out = grid_kpis([], [], [], start=_t(1), end=_t(31)).out()
    assert out["city"]["found_first_rate"] is None  # type: ignore[index]
    assert out["workers"] == []


def _inspect(client: TestClient, headers: dict[str, str], cell: str, category: str, at: datetime, **extra: str) -> None:
    lat, lon = inside(cell)
    body = {"category_code": category, "lat": lat, "lon": lon, "description": "巡查发现"} | extra
    with clock.frozen(at):
        assert client.post("/api/v1/inspections", json=body, headers=headers).status_code == 201


def _complain(client: TestClient, headers: dict[str, str], cell: str, at: datetime) -> None:
    lat, lon = inside(cell)  # placed in its cell by its point: a citizen's case has no grid
    body = {"channel": "hotline", "text": "垃圾没人清运", "category_code": "sanitation.garbage", "lat": lat, "lon": lon}
    with clock.frozen(at):
        assert client.post("/api/v1/cases", json=body, headers=headers).status_code == 201


def test_the_api_computes_the_same(app_client: TestClient, grid: Grid, operator: dict[str, str]) -> None:
    _complain(app_client, operator, "G1", _t(5))
    _inspect(app_client, grid.w1, "G1", "sanitation.garbage", _t(10))  # complained about 5 days before
    _inspect(app_client, grid.w1, "G2", "sanitation.garbage", _t(20))  # found first …
    _complain(app_client, operator, "G2", _t(22))  # … and ahead of this complaint
    _inspect(app_client, grid.w2, "G3", "roads.lighting", _t(21), on_spot_record="已修复")  # found first, on the spot
    lat, lon = inside("G4")
    with clock.frozen(_t(25)):
        assert (
            app_client.post("/api/v1/patrols/visits", json={"lat": lat, "lon": lon}, headers=grid.w2).status_code == 201
        )
    answer = app_client.get("/api/v1/kpis/grid", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=operator)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["city"] == {
        "inspections": 3, "found_first": 2, "ahead_of_complaints": 1, "on_spot": 1, "complaints": 2, "visits": 4,
        "cells": 4, "found_first_rate": 0.6667, "ahead_of_complaints_rate": 0.3333, "on_spot_rate": 0.3333,
    }  # fmt: skip
    workers = {w["worker_code"]: w for w in report["workers"]}
    assert (workers["W1"]["inspections"], workers["W1"]["found_first"], workers["W1"]["visits"]) == (2, 1, 2)
    assert (workers["W2"]["inspections"], workers["W2"]["on_spot"], workers["W2"]["cells"]) == (1, 1, 2)
    narrow = app_client.get("/api/v1/kpis/grid", params={"from": "2026-03-01", "to": "2026-03-31", "window_days": 3},
                            headers=operator).json()  # fmt: skip
    assert narrow["city"]["found_first"] == 3  # the complaint 5 days before is out of a 3-day window
    bad = app_client.get("/api/v1/kpis/grid", params={"from": "2026-03-31", "to": "nope"}, headers=operator)
    assert bad.status_code == 400
    assert app_client.get("/api/v1/kpis/grid", params={"from": "2026-03-01", "to": "2026-03-31"},
                          headers=grid.w1).status_code == 403  # fmt: skip
