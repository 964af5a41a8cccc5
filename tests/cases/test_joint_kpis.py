"""Joint-handling KPIs against figures computed by hand, on SQLite and PostgreSQL.

T0 = 2026-03-02 09:00 UTC (17:00 in Shanghai: all three cases are received on 2 March, local).

case 1, led by A: A's lead part (due T0+10 h) signed T0+1 h, replied T0+5 h — on time;
                  B assists (due T0+4 h): signed T0+1 h, replied T0+5 h — late; C assists and refuses at T0+2 h.
case 2, led by A: B assists (due T0+3 h), signed T0+1 h, never replied — overdue at as_of T0+6 h.
                  Whistle at T0 (report by T0+2 h) summons B and C: B reports at T0+1 h, C never.
case 3, led by B: no parts (not a joint case). Whistle at T0 (by T0+2 h) summons A, who reports at T0+3 h (late).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from citybrain.core import clock
from citybrain.core.db import Database
from tests.cases.conftest import DEPT_A, DEPT_B, DEPT_C, T0, JointKeys, new_case_id

AS_OF = "2026-03-02T15:00:00Z"  # T0 + 6 h
WINDOW = {"from": "2026-03-02", "to": "2026-03-02", "as_of": AS_OF}


def _iso(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def _part(client: TestClient, jk: JointKeys, case_id: int, code: str, role: str, due: float) -> int:
    body = {"department_code": code, "role": role, "due_at": _iso(due)}
    answer = client.post(f"/api/v1/cases/{case_id}/parts", json=body, headers=jk.keys.operator)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _move(client: TestClient, headers: dict[str, str], case_id: int, part_id: int, action: str, **body: str) -> None:
    answer = client.post(f"/api/v1/cases/{case_id}/parts/{part_id}/{action}", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def _whistle(client: TestClient, jk: JointKeys, case_id: int, codes: list[str]) -> int:
    body = {"department_codes": codes, "report_within_hours": 2}
    answer = client.post(f"/api/v1/cases/{case_id}/whistles", json=body, headers=jk.keys.operator)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _report(client: TestClient, headers: dict[str, str], case_id: int, whistle_id: int) -> None:
    answer = client.post(f"/api/v1/cases/{case_id}/whistles/{whistle_id}/report", json={}, headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def scenario(city: Database, app_client: TestClient, jkeys: JointKeys) -> None:
    k, c_key = jkeys.keys, jkeys.dept_c
    with clock.frozen(T0):
        one, two = new_case_id(city), new_case_id(city)
        three = new_case_id(city, department=DEPT_B)
        lead1 = _part(app_client, jkeys, one, DEPT_A, "lead", 10)
        b1, c1 = _part(app_client, jkeys, one, DEPT_B, "assist", 4), _part(app_client, jkeys, one, DEPT_C, "assist", 4)
        b2 = _part(app_client, jkeys, two, DEPT_B, "assist", 3)
        w2, w3 = _whistle(app_client, jkeys, two, [DEPT_B, DEPT_C]), _whistle(app_client, jkeys, three, [DEPT_A])
        clock.advance(timedelta(hours=1))
        for headers, case_id, part_id in ((k.dept_a, one, lead1), (k.dept_b, one, b1), (k.dept_b, two, b2)):
            _move(app_client, headers, case_id, part_id, "accept")
        _report(app_client, k.dept_b, two, w2)
        clock.advance(timedelta(hours=1))
        _move(app_client, c_key, one, c1, "refuse", reason="不属本单位")
        clock.advance(timedelta(hours=1))
        _report(app_client, k.dept_a, three, w3)
        clock.advance(timedelta(hours=2))
        _move(app_client, k.dept_a, one, lead1, "reply", reply="已拆除")
        _move(app_client, k.dept_b, one, b1, "reply", reply="已修剪")


COUNTS = ("joint_cases", "parts", "assist_parts", "parts_accepted", "parts_replied", "parts_refused",
          "parts_on_time", "parts_overdue", "part_on_time_rate", "refusal_rate", "whistles", "summons",
          "reported_on_time", "reported_late", "not_reported", "report_in_rate")  # fmt: skip
THIRD = round(1 / 3, 4)
EXPECTED: dict[str, tuple[Any, ...]] = {
    "city": (2, 4, 3, 3, 2, 1, 1, 2, THIRD, THIRD, 2, 3, 1, 1, 1, THIRD),
    DEPT_A: (2, 1, 0, 1, 1, 0, 1, 0, 1.0, None, 1, 1, 0, 1, 0, 0.0),
    DEPT_B: (2, 2, 2, 2, 1, 0, 0, 2, 0.0, 0.0, 1, 1, 1, 0, 0, 1.0),
    DEPT_C: (1, 1, 1, 0, 0, 1, 0, 0, None, 1.0, 1, 1, 0, 0, 1, 0.0),
}


@pytest.mark.usefixtures("scenario")
def test_the_joint_kpis_match_the_hand_computed_figures(app_client: TestClient, jkeys: JointKeys) -> None:
    answer = app_client.get("/api/v1/kpis/joint", params=WINDOW, headers=jkeys.keys.operator)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert tuple(report["city"][name] for name in COUNTS) == EXPECTED["city"]
    rows = {row["department"]: row for row in report["departments"]}
    assert set(rows) == {DEPT_A, DEPT_B, DEPT_C}
    for code in (DEPT_A, DEPT_B, DEPT_C):
        assert tuple(rows[code][name] for name in COUNTS) == EXPECTED[code], code
    assert [d["name"] for d in report["definitions"]] == list(COUNTS)


@pytest.mark.usefixtures("scenario")
def test_a_department_reads_its_own_joint_kpis_only(app_client: TestClient, jkeys: JointKeys) -> None:
    report = app_client.get("/api/v1/kpis/joint", params=WINDOW, headers=jkeys.keys.dept_b).json()
    assert report["city"] is None
    assert [row["department"] for row in report["departments"]] == [DEPT_B]
    assert tuple(report["departments"][0][name] for name in COUNTS) == EXPECTED[DEPT_B]


@pytest.mark.usefixtures("scenario")
def test_cases_received_outside_the_window_are_not_counted(app_client: TestClient, jkeys: JointKeys) -> None:
    window = {"from": "2026-03-03", "to": "2026-03-31", "as_of": AS_OF}
    report = app_client.get("/api/v1/kpis/joint", params=window, headers=jkeys.keys.operator).json()
    assert (report["city"]["joint_cases"], report["city"]["summons"], report["departments"]) == (0, 0, [])


def test_a_bad_window_is_refused(app_client: TestClient, jkeys: JointKeys) -> None:
    after = app_client.get("/api/v1/kpis/joint", params={"from": "2026-03-05", "to": "2026-03-01"},
                           headers=jkeys.keys.operator)  # fmt: skip
    assert after.status_code == 400
    assert "is after" in after.json()["error"]["message"]
    assert app_client.get("/api/v1/kpis/joint", headers=jkeys.keys.operator).status_code == 422


@pytest.mark.usefixtures("scenario")
def test_the_monthly_report_carries_the_joint_figures(app_client: TestClient, jkeys: JointKeys) -> None:
    params = {"from": "2026-03-02", "to": "2026-03-02", "as_of": AS_OF}
    report = app_client.get("/api/v1/reports/monthly", params=params, headers=jkeys.keys.supervisor).json()
    assert tuple(report["joint_total"][name] for name in COUNTS) == EXPECTED["city"]
    rows = {row["department"]: row for row in report["joint_departments"]}
    assert tuple(rows[DEPT_C][name] for name in COUNTS) == EXPECTED[DEPT_C]
    book = app_client.get("/api/v1/reports/monthly", params={**params, "format": "xlsx"}, headers=jkeys.keys.supervisor)
    sheet = load_workbook(io.BytesIO(book.content))["联合办理 Joint handling"]
    heads = [c.value for c in sheet[1]]
    assert heads[:3] == ["单位代码 department code", "参与单位 participating department", "联办件数 joint cases"]
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[DEPT_B][heads.index("部分超期 parts overdue")] == 2
