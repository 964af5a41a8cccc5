"""A retried part (分派协办), progress report or whistle (吹哨) with the same ``Idempotency-Key`` gets the first
answer, and nothing is written twice — no second part, case event, whistle or summons. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import CaseEvent, CasePart, Whistle, WhistleSummons
from tests.cases.conftest import DEPT_B, DEPT_C, JointKeys, new_case_id
from tests.cases.joint_factories import add_part
from tests.web.idempotent import another_body_is_422, retried


def _count(db: Database, case_column: Any, case_id: int) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).where(case_column == case_id)) or 0


def test_a_retried_part_is_one_part(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city)
    url, body = f"/api/v1/cases/{case_id}/parts", {"department_code": DEPT_B, "role": "assist", "task": "修剪树木"}
    first = retried(app_client, url, "part-1", jkeys.keys.operator, json=body)
    assert first.status_code == 201
    assert _count(city, CasePart.case_id, case_id) == 1
    another_body_is_422(app_client, url, "part-1", jkeys.keys.operator, json=body | {"department_code": DEPT_C})
    assert _count(city, CasePart.case_id, case_id) == 1


def test_a_retried_progress_report_is_one_event(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city)
    part = add_part(app_client, jkeys.keys.operator, case_id, DEPT_B)
    accepted = app_client.post(f"/api/v1/cases/{case_id}/parts/{part['id']}/accept", json={},
                               headers=jkeys.keys.dept_b)  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    before = _count(city, CaseEvent.case_id, case_id)
    url = f"/api/v1/cases/{case_id}/parts/{part['id']}/progress"
    first = retried(app_client, url, "progress-1", jkeys.keys.dept_b, json={"note": "已到现场"})
    assert first.json()["progress"] == "已到现场"
    assert _count(city, CaseEvent.case_id, case_id) == before + 1
    another_body_is_422(app_client, url, "progress-1", jkeys.keys.dept_b, json={"note": "已修好"})
    assert _count(city, CaseEvent.case_id, case_id) == before + 1


def test_a_retried_whistle_summons_once(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city)
    url, body = f"/api/v1/cases/{case_id}/whistles", {"department_codes": [DEPT_B, DEPT_C], "report_within_hours": 2}
    first = retried(app_client, url, "whistle-1", jkeys.keys.operator, json=body)
    assert first.status_code == 201
    assert _count(city, Whistle.case_id, case_id) == 1
    with city.reading() as session:
        assert session.scalar(select(func.count()).select_from(WhistleSummons)) == 2
    another_body_is_422(app_client, url, "whistle-1", jkeys.keys.operator, json=body | {"report_within_hours": 3})
    assert _count(city, Whistle.case_id, case_id) == 1
