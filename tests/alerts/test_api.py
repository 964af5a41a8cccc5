"""/api/v1/alerts: list, detail with explanation and member cases, actions with the version lock, roles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from citybrain.alerts import service
from citybrain.cases import service as case_service
from citybrain.cases.schemas import ContactIn, NewCase
from citybrain.core import clock
from citybrain.core.db import Database
from tests.alerts.conftest import DAY, cluster, temporal
from tests.conftest import make_key

BASE = "/api/v1/alerts"


def _raise(db: Database, signal: Any) -> int:
    with db.transaction() as session:
        return service.record(session=session, signal=signal).alert.id


def _case_with_a_citizen(db: Database) -> int:
    data = NewCase(text="楼下工地夜间施工，电话13812345678", contact=ContactIn(name="张三", phone="13812345678"))
    with db.transaction() as session:
        return case_service.create_case(session=session, data=data, actor="test").id


def _act(client: TestClient, headers: dict[str, str], alert_id: int, action: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{alert_id}/{action}", json=body, headers=headers)


def test_list_and_filter_by_status(app_client: TestClient, db: Database, operator_headers: dict[str, str]) -> None:
    first = _raise(db, temporal(DAY, series="noise"))
    second = _raise(db, temporal(DAY + timedelta(days=1), series="roads"))
    assert _act(app_client, operator_headers, first, "close", version=1).status_code == 200
    listed = app_client.get(BASE, headers=operator_headers).json()
    assert ([a["id"] for a in listed["items"]], listed["total"]) == ([second, first], 2)
    open_only = app_client.get(BASE, params={"status": "open"}, headers=operator_headers).json()
    assert [a["id"] for a in open_only["items"]] == [second]
    assert app_client.get(BASE, params={"status": "gone"}, headers=operator_headers).status_code == 422


def test_detail_explains_and_lists_member_cases(app_client: TestClient, db: Database) -> None:
    case_id = _case_with_a_citizen(db)
    alert_id = _raise(db, cluster(cases=(str(case_id), "not-in-db")))
    headers = {"X-API-Key": make_key(db, "supervisor")}
    detail = app_client.get(f"{BASE}/{alert_id}", headers=headers).json()
    assert (detail["kind"], detail["observed"], detail["expected"], detail["p_value"]) == ("cluster", 2.0, 1.5, 0.001)
    assert detail["recurrence_days"] == 1000.0
    assert detail["explanation"]["center"] == {"lat": 28.2, "lon": 112.9}
    assert detail["explanation"]["radius_m"] == 400.0
    assert detail["explanation"]["cells"] == ["10_10"]
    assert detail["case_ids"] == [str(case_id), "not-in-db"]
    assert [c["id"] for c in detail["cases"]] == [case_id]
    assert set(detail["cases"][0]) == {"id", "created_at", "category_code", "district_code", "status"}
    assert [e["action"] for e in detail["events"]] == ["raised"]
    assert "13812345678" not in str(detail)
    assert "张三" not in str(detail)


def test_actions_follow_the_version(app_client: TestClient, db: Database, operator_headers: dict[str, str]) -> None:
    alert_id = _raise(db, temporal())
    acked = _act(app_client, operator_headers, alert_id, "acknowledge", version=1, note="已派人核查")
    assert (acked.status_code, acked.json()["status"], acked.json()["version"]) == (200, "acknowledged", 2)
    stale = _act(app_client, operator_headers, alert_id, "close", version=1)
    assert stale.status_code == 409
    assert "version 2, you had 1" in stale.json()["error"]["message"]
    until = (clock.city_today(db.settings.timezone) + timedelta(days=2)).isoformat()
    snoozed = _act(app_client, operator_headers, alert_id, "snooze", version=2, until=until)
    assert (snoozed.json()["status"], snoozed.json()["snoozed_until"]) == ("snoozed", until)
    assert _act(app_client, operator_headers, alert_id, "close", version=3).json()["status"] == "closed"
    reopened = _act(app_client, operator_headers, alert_id, "reopen", version=4).json()
    assert reopened["status"] == "open"
    events = [(e["action"], e["actor"]) for e in reopened["events"]]
    assert events == [("raised", "detector")] + [
        (a, "test operator") for a in ("acknowledged", "snoozed", "closed", "reopened")
    ]
    assert reopened["events"][1]["note"] == "已派人核查"


def test_bad_requests(app_client: TestClient, db: Database, operator_headers: dict[str, str]) -> None:
    alert_id = _raise(db, temporal())
    assert _act(app_client, operator_headers, alert_id, "acknowledge").status_code == 422  # no version
    today = clock.city_today(db.settings.timezone).isoformat()
    past = _act(app_client, operator_headers, alert_id, "snooze", version=1, until=today)
    assert (past.status_code, past.json()["error"]["code"]) == (400, "invalid_input")
    assert _act(app_client, operator_headers, alert_id, "reopen", version=1).status_code == 409
    assert app_client.get(f"{BASE}/{alert_id + 999}", headers=operator_headers).status_code == 404


def test_roles(app_client: TestClient, db: Database) -> None:
    alert_id = _raise(db, temporal())
    assert app_client.get(BASE).status_code == 401
    for role, code in (("department", 403), ("app", 403), ("admin", 200), ("supervisor", 200)):
        headers = {"X-API-Key": make_key(db, role, "urban_mgmt" if role == "department" else None)}
        assert app_client.get(BASE, headers=headers).status_code == code, role
    app_key = {"X-API-Key": make_key(db, "app")}
    assert _act(app_client, app_key, alert_id, "close", version=1).status_code == 403
    admin = {"X-API-Key": make_key(db, "admin")}
    assert _act(app_client, admin, alert_id, "close", version=1).status_code == 200
