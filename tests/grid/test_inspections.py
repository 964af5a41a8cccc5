"""Inspections through the case intake (channel inspection), on-the-spot resolution, and who sees what."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Case, CaseEvent, Inspection, PatrolVisit
from tests.conftest import make_key
from tests.grid.conftest import LAT0, LON0, Grid, inside

BASE = "/api/v1/inspections"


def _body(code: str = "G1", category: str = "sanitation.garbage", **extra: object) -> dict[str, object]:
    lat, lon = inside(code)
    return {"category_code": category, "lat": lat, "lon": lon, "description": "垃圾桶满溢，周边散落垃圾。"} | extra


def _count(db: Database, table: type) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_worker_files_an_inspection_that_enters_the_intake(app_client: TestClient, grid: Grid) -> None:
    answer = app_client.post(BASE, json=_body(photo_ref="photos/a.jpg"), headers=grid.w1)
    assert answer.status_code == 201, answer.text
    found = answer.json()
    assert (found["worker_code"], found["cell_code"], found["photo_ref"]) == ("W1", "G1", "photos/a.jpg")
    with grid.db.reading() as session:
        case = session.get(Case, found["case_id"])
        assert case is not None
        assert (case.channel, case.source, case.grid, case.category_code) == (
            "inspection", "inspection", "G1", "sanitation.garbage")  # fmt: skip
        assert case.status == "dispatched"  # routed like any request: sanitation.garbage has an owner
        assert case.department_id is not None
        assert case.due_at is not None
        assert case.triage is not None  # read by intake's triage as every new case is
        events = [e.action for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert events[0] == "receive"
    assert found["case_status"] == "dispatched"
    assert _count(grid.db, PatrolVisit) == 1  # filing proves the visit


def test_bad_input_is_refused_and_writes_nothing(app_client: TestClient, grid: Grid) -> None:
    unknown = app_client.post(BASE, json=_body(category="no.such"), headers=grid.w1)
    assert unknown.status_code == 400
    assert "unknown category 'no.such'" in unknown.json()["error"]["message"]
    outside = app_client.post(BASE, json=_body() | {"lat": LAT0 - 1, "lon": LON0}, headers=grid.w1)
    assert outside.status_code == 400
    assert "lies in no grid cell" in outside.json()["error"]["message"]
    foreign = app_client.post(BASE, json=_body("G3"), headers=grid.w1)
    assert foreign.status_code == 403
    assert "G3 is not one of your cells" in foreign.json()["error"]["message"]
    empty = app_client.post(BASE, json=_body(description=""), headers=grid.w1)
    assert empty.status_code == 422
    assert _count(grid.db, Case) == 0
    assert _count(grid.db, Inspection) == 0
    assert _count(grid.db, PatrolVisit) == 0


def test_resolved_on_the_spot_closes_the_case_once(app_client: TestClient, grid: Grid) -> None:
    found = app_client.post(BASE, json=_body(), headers=grid.w1).json()
    done = app_client.post(f"{BASE}/{found['id']}/on-spot", json={"record": "已清理", "photo_ref": "b.jpg"},
                           headers=grid.w1)  # fmt: skip
    assert done.status_code == 200, done.text
    assert (done.json()["case_status"], done.json()["on_spot_record"]) == ("closed", "已清理")
    with grid.db.reading() as session:
        case = session.get(Case, found["case_id"])
        assert case is not None
        assert (case.status, case.resolved, case.reply) == ("closed", True, "已清理")
        assert case.closed_at is not None
        # the department it was routed to is released: no sign-for owed, nothing counted against it
        assert (case.department_id, case.dispatched_at, case.accept_due_at, case.due_at) == (None, None, None, None)
        last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()[-1]
        assert (last.action, last.from_status, last.to_status, last.actor) == (
            "resolve_on_spot", "dispatched", "closed", "网格员 W1 王芳")  # fmt: skip
    again = app_client.post(f"{BASE}/{found['id']}/on-spot", json={"record": "再次"}, headers=grid.w1)
    assert again.status_code == 409
    other = app_client.post(BASE, json=_body("G3"), headers=grid.w2).json()
    refused = app_client.post(f"{BASE}/{other['id']}/on-spot", json={"record": "x"}, headers=grid.w1)
    assert refused.status_code == 403


def test_not_on_the_spot_once_a_department_signed_for_it(
    app_client: TestClient, grid: Grid, operator: dict[str, str]
) -> None:
    found = app_client.post(BASE, json=_body(), headers=grid.w1).json()
    department = {"X-API-Key": make_key(grid.db, "department", found["department_code"])}
    assert app_client.post(f"/api/v1/cases/{found['case_id']}/accept", json={}, headers=department).status_code == 200
    late = app_client.post(f"{BASE}/{found['id']}/on-spot", json={"record": "已清理"}, headers=grid.w1)
    assert late.status_code == 409
    assert "before a department signs for it" in late.json()["error"]["message"]


def test_filed_and_resolved_at_once(app_client: TestClient, grid: Grid) -> None:
    answer = app_client.post(BASE, json=_body(on_spot_record="随手清理"), headers=grid.w1)
    assert answer.status_code == 201
    assert (answer.json()["case_status"], answer.json()["on_spot_record"]) == ("closed", "随手清理")


def test_staff_file_for_a_named_worker(app_client: TestClient, grid: Grid, admin: dict[str, str]) -> None:
    nameless = app_client.post(BASE, json=_body(), headers=admin)
    assert nameless.status_code == 400
    assert "worker_code is required" in nameless.json()["error"]["message"]
    named = app_client.post(BASE, json=_body("G4", worker_code="W2"), headers=admin)
    assert named.status_code == 201
    assert named.json()["worker_code"] == "W2"
    posing = app_client.post(BASE, json=_body(worker_code="W2"), headers=grid.w1)
    assert posing.status_code == 403


def test_a_worker_sees_its_own_cells_only(app_client: TestClient, grid: Grid, operator: dict[str, str]) -> None:
    mine = app_client.post(BASE, json=_body("G2"), headers=grid.w1).json()
    theirs = app_client.post(BASE, json=_body("G4"), headers=grid.w2).json()
    listed = app_client.get(BASE, headers=grid.w1).json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    assert app_client.get(BASE, params={"cell": "G4"}, headers=grid.w1).status_code == 403
    everything = app_client.get(BASE, headers=operator).json()
    assert {i["id"] for i in everything["items"]} == {mine["id"], theirs["id"]}
    cells = app_client.get("/api/v1/grids", headers=grid.w1).json()
    assert [(c["code"], c["workers"]) for c in cells] == [("G1", ["W1"]), ("G2", ["W1"])]
    assert len(app_client.get("/api/v1/grids", headers=operator).json()) == 4
    # a grid worker reads no citizen cases, and a department no inspection list
    assert app_client.get("/api/v1/cases", headers=grid.w1).status_code == 403
    department = {"X-API-Key": make_key(grid.db, "department", "urban_mgmt")}
    assert app_client.get(BASE, headers=department).status_code == 403


def test_a_worker_sees_a_phone_number_masked_staff_with_see_pii_in_full(
    app_client: TestClient, grid: Grid, operator: dict[str, str]
) -> None:
    app_client.post(BASE, json=_body(description="摊主电话13812345678，占道经营。"), headers=grid.w1)
    shown = app_client.get(BASE, headers=grid.w1).json()["items"][0]["description"]
    assert "13812345678" not in shown
    assert "13812345678" in app_client.get(BASE, headers=operator).json()["items"][0]["description"]


def test_a_key_of_the_role_bound_to_no_worker_is_refused(app_client: TestClient, grid: Grid) -> None:
    loose = {"X-API-Key": make_key(grid.db, "grid_worker")}
    answer = app_client.post(BASE, json=_body(), headers=loose)
    assert answer.status_code == 403
    assert "bound to no active worker" in answer.json()["error"]["message"]
