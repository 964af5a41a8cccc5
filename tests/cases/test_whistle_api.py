"""吹哨报到 through the staff API on SQLite and PostgreSQL: who may whistle, who reports in on time, late or not
at all, and bad whistles that write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.models import CaseEvent, Whistle, WhistleSummons
from tests.cases.conftest import DEPT_A, DEPT_B, DEPT_C, T0, JointKeys, new_case_id

Json = dict[str, Any]


def _counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        return (session.query(Whistle).count(), session.query(WhistleSummons).count(),
                session.query(CaseEvent).count())  # fmt: skip


def _whistle(client: TestClient, headers: dict[str, str], case_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/whistles", json=body, headers=headers)


def test_a_whistle_summons_departments_and_records_who_reported_in_on_time_late_or_not(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    with clock.frozen(T0):
        case_id = new_case_id(city)
        blown = _whistle(app_client, jkeys.keys.operator, case_id, department_codes=[DEPT_B, DEPT_C, DEPT_A],
                         report_within_hours=2, note="现场会商")  # fmt: skip
        assert blown.status_code == 201, blown.text
        whistle = blown.json()
        assert whistle["report_due_at"].startswith("2026-03-02T11:00:00")
        assert {s["state"] for s in whistle["summons"]} == {"waiting"}
        clock.advance(timedelta(hours=1))
        on_time = app_client.post(f"/api/v1/cases/{case_id}/whistles/{whistle['id']}/report", json={"note": "到"},
                                  headers=jkeys.keys.dept_b)  # fmt: skip
        assert on_time.status_code == 200, on_time.text
        clock.advance(timedelta(hours=1, minutes=30))
        late = app_client.post(f"/api/v1/cases/{case_id}/whistles/{whistle['id']}/report", json={},
                               headers=jkeys.dept_c)  # fmt: skip
        assert late.status_code == 200
        shown = app_client.get(f"/api/v1/cases/{case_id}/whistles", headers=jkeys.keys.operator).json()
    states = {s["department_code"]: s["state"] for s in shown[0]["summons"]}
    assert states == {DEPT_B: "on_time", DEPT_C: "late", DEPT_A: "missing"}
    assert (shown[0]["reported"], shown[0]["late"], shown[0]["missing"]) == (2, 1, 1)
    events = app_client.get(f"/api/v1/cases/{case_id}/events", headers=jkeys.keys.operator).json()
    joint = [(e["action"], e["department_code"], (e["data"] or {}).get("late")) for e in events
             if e["action"] in ("whistle", "report_in")]  # fmt: skip
    assert joint == [("whistle", None, None), ("report_in", DEPT_B, False), ("report_in", DEPT_C, True)]


def test_reporting_in_twice_or_unsummoned_is_refused(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city)
    whistle = _whistle(app_client, jkeys.keys.operator, case_id, department_codes=[DEPT_B],
                       report_within_hours=1).json()  # fmt: skip
    url = f"/api/v1/cases/{case_id}/whistles/{whistle['id']}/report"
    assert app_client.post(url, json={}, headers=jkeys.keys.dept_b).status_code == 200
    before = _counts(city)
    again = app_client.post(url, json={}, headers=jkeys.keys.dept_b)
    assert again.status_code == 409
    assert "already reported in" in again.json()["error"]["message"]
    stranger = app_client.post(url, json={}, headers=jkeys.dept_c)
    assert stranger.status_code == 403
    assert "not summoned" in stranger.json()["error"]["message"]
    unnamed = app_client.post(url, json={}, headers=jkeys.keys.operator)
    assert unnamed.status_code == 400
    assert "department_code is required" in unnamed.json()["error"]["message"]
    assert _counts(city) == before


def test_an_operator_reports_in_for_a_named_department(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    case_id = new_case_id(city)
    whistle = _whistle(app_client, jkeys.keys.operator, case_id, department_codes=[DEPT_B],
                       report_within_hours=1).json()  # fmt: skip
    answer = app_client.post(f"/api/v1/cases/{case_id}/whistles/{whistle['id']}/report",
                             json={"department_code": DEPT_B}, headers=jkeys.keys.operator)  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["summons"][0]["reported_by"] == "test operator"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"department_codes": [], "report_within_hours": 2}, 400, "at least one department"),
        ({"department_codes": [DEPT_B, "nope"], "report_within_hours": 2}, 400, "no department with code 'nope'"),
        ({"department_codes": [DEPT_B, DEPT_B], "report_within_hours": 2}, 400, "names a department twice"),
        ({"department_codes": [DEPT_B]}, 400, "report_due_at or report_within_hours"),
        (
            {"department_codes": [DEPT_B], "report_within_hours": 2, "report_due_at": "2099-01-01T00:00:00Z"},
            400,
            "one of them",
        ),
        ({"department_codes": [DEPT_B], "report_due_at": "2001-01-01T00:00:00Z"}, 400, "has passed"),
        ({"department_codes": [DEPT_B], "report_within_hours": 0}, 422, "greater than 0"),
    ],
)
def test_a_bad_whistle_is_refused_and_nothing_is_written(
    app_client: TestClient, jkeys: JointKeys, city: Database, body: Json, status: int, message: str
) -> None:
    case_id = new_case_id(city)
    before = _counts(city)
    answer = app_client.post(f"/api/v1/cases/{case_id}/whistles", json=body, headers=jkeys.keys.operator)
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert _counts(city) == before


def test_the_department_holding_the_case_whistles_others_may_not(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    case_id = new_case_id(city)
    body = {"department_codes": [DEPT_C], "report_within_hours": 4}
    assert _whistle(app_client, jkeys.keys.dept_b, case_id, **body).status_code == 403
    assert _whistle(app_client, jkeys.keys.supervisor, case_id, **body).status_code == 403
    by_street = _whistle(app_client, jkeys.keys.dept_a, case_id, **body)
    assert by_street.status_code == 201
    # the summoned department reads the whistles of the case (not the case itself); another one does not
    assert app_client.get(f"/api/v1/cases/{case_id}/whistles", headers=jkeys.dept_c).status_code == 200
    assert app_client.get(f"/api/v1/cases/{case_id}/whistles", headers=jkeys.keys.dept_b).status_code == 403
    assert app_client.get(f"/api/v1/cases/{case_id}", headers=jkeys.dept_c).status_code == 403


def test_no_whistle_on_a_closed_case(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city, department=None)
    app_client.post(f"/api/v1/cases/{case_id}/invalidate", json={"reason": "spam"}, headers=jkeys.keys.operator)
    answer = _whistle(app_client, jkeys.keys.operator, case_id, department_codes=[DEPT_B], report_within_hours=1)
    assert answer.status_code == 409


def test_a_department_lists_the_whistles_that_summoned_it(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    first, second = new_case_id(city), new_case_id(city)
    mine = _whistle(app_client, jkeys.keys.operator, first, department_codes=[DEPT_B, DEPT_C], report_within_hours=3)
    _whistle(app_client, jkeys.keys.operator, second, department_codes=[DEPT_C], report_within_hours=3)
    listed = app_client.get("/api/v1/whistles", headers=jkeys.keys.dept_b).json()
    assert (listed["total"], [w["id"] for w in listed["items"]]) == (1, [mine.json()["id"]])
    assert listed["items"][0]["case_title"] == "路灯不亮"
    assert app_client.get("/api/v1/whistles", headers=jkeys.dept_c).json()["total"] == 2
    assert app_client.get("/api/v1/whistles", headers=jkeys.keys.supervisor).json()["total"] == 2
