"""``GET /api/v1/exports/cases.csv``: who may export cases with the citizen's personal data, that a reason is
required, and that every exported case is in the access log as ``export`` with who, when, what and why."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.cases.conftest import DEPT_B, Keys, new_case_id

EXPORT = "/api/v1/exports/cases.csv"
LOG = "/api/v1/admin/access-log"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_an_operator_exports_with_a_reason_and_each_case_is_logged(
    app_client: TestClient, city: Database, keys: Keys
) -> None:
    ids = {new_case_id(city, phone="13812345678"), new_case_id(city, phone="13987654321", text="=HYPERLINK(1)")}
    reason = "工单 回访 月度核查"
    headers = keys.operator | {"X-Access-Reason": quote(reason)}
    answer = app_client.get(EXPORT, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    rows = _rows(answer.text)
    assert {int(r["id"]) for r in rows} == ids
    assert {r["contact_phone"] for r in rows} == {"13812345678", "13987654321"}  # unmasked: it is the export
    assert "'=HYPERLINK(1)" in {r["text"] for r in rows}  # a spreadsheet does not run it
    log = app_client.get(LOG, params={"action": "export"}, headers=keys.admin).json()
    assert {e["case_id"] for e in log["items"]} == ids
    assert {(e["reason"], e["role"], e["route"]) for e in log["items"]} == {
        ("工单 回访 月度核查", "operator", f"GET {EXPORT}")
    }
    assert all(e["principal"] and e["at"] for e in log["items"])


def test_an_export_without_a_reason_is_400_and_logs_nothing(app_client: TestClient, city: Database, keys: Keys) -> None:
    new_case_id(city)
    answer = app_client.get(EXPORT, headers=keys.operator)
    assert answer.status_code == 400
    assert "reason" in answer.json()["error"]["message"]
    assert app_client.get(LOG, params={"action": "export"}, headers=keys.admin).json()["total"] == 0


def test_a_supervisor_may_not_export(app_client: TestClient, city: Database, keys: Keys) -> None:
    new_case_id(city)
    answer = app_client.get(EXPORT, params={"reason": "看看"}, headers=keys.supervisor)
    assert answer.status_code == 403
    assert "see_pii" in answer.json()["error"]["message"]


def test_a_department_exports_its_own_cases_only(app_client: TestClient, city: Database, keys: Keys) -> None:
    mine, other = new_case_id(city), new_case_id(city, department=DEPT_B)
    answer = app_client.get(EXPORT, params={"reason": "办理"}, headers=keys.dept_a)
    assert [int(r["id"]) for r in _rows(answer.text)] == [mine]
    assert (
        app_client.get(EXPORT, params={"reason": "办理", "department": DEPT_B}, headers=keys.dept_a).status_code == 403
    )
    log = app_client.get(LOG, params={"action": "export"}, headers=keys.admin).json()
    assert [e["case_id"] for e in log["items"]] == [mine]
    assert other not in [e["case_id"] for e in log["items"]]
