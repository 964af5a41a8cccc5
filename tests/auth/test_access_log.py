"""个人信息访问记录 (PIPL): every unmasked read of a citizen's data is logged with who, when and why; the admin
reads the log, filtered; the citizen reads their own request's entries on the portal with the follow code."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.web.conftest import portal_settings
from tests.web.test_portal import GOOD, submit

LOG = "/api/v1/admin/access-log"


def why(reason: str) -> dict[str, str]:
    """The reason as a header carries it: percent-encoded UTF-8."""
    return {"X-Access-Reason": quote(reason)}


CASE = {
    "channel": "hotline",
    "text": "楼下工地夜间施工，电话13812345678",
    "contact": {"name": "张三", "phone": "13812345678"},
}


@pytest.fixture
def keys(db: Database) -> dict[str, dict[str, str]]:
    return {role: {"X-API-Key": make_key(db, role)} for role in ("operator", "supervisor", "admin")}


def new_case(client: TestClient, keys: dict[str, dict[str, str]]) -> int:
    created = client.post("/api/v1/cases", json=CASE, headers=keys["operator"] | why("受理来电"))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def log(client: TestClient, keys: dict[str, dict[str, str]], **params: object) -> list[dict[str, object]]:
    answer = client.get(LOG, params=params, headers=keys["admin"])
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_an_unmasked_read_is_logged_with_who_and_why(app_client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    case_id = new_case(app_client, keys)
    read = app_client.get(f"/api/v1/cases/{case_id}?reason=回访核实", headers=keys["operator"])
    assert read.json()["contact"]["phone"] == "13812345678"
    entries = log(app_client, keys, case_id=case_id)
    assert [(e["action"], e["role"], e["reason"], e["route"]) for e in entries] == [
        ("read", "operator", "回访核实", f"GET /api/v1/cases/{case_id}"),
        ("read", "operator", "受理来电", "POST /api/v1/cases"),
    ]
    assert entries[0]["principal"] == "test operator"


def test_a_masked_read_is_not_logged(app_client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    case_id = new_case(app_client, keys)
    before = len(log(app_client, keys, case_id=case_id))
    masked = app_client.get(f"/api/v1/cases/{case_id}", headers=keys["supervisor"]).json()
    assert masked["contact"]["masked"] is True
    assert app_client.get(f"/api/v1/cases/{case_id}/events", headers=keys["supervisor"]).status_code == 200
    assert len(log(app_client, keys, case_id=case_id)) == before


def test_a_list_logs_every_case_it_shows_and_the_log_filters(
    app_client: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    ids = [new_case(app_client, keys) for _ in range(3)]
    plain = app_client.post("/api/v1/cases", json={"channel": "web", "text": "路灯不亮"}, headers=keys["operator"])
    listed = app_client.get("/api/v1/cases", headers=keys["operator"] | why("日常派单"))
    assert listed.status_code == 200
    assert plain.json()["id"] in {c["id"] for c in listed.json()["items"]}  # listed, but nothing personal in it
    rows = log(app_client, keys, reason=None, action="read", principal="test operator")
    assert {e["case_id"] for e in rows if e["route"] == "GET /api/v1/cases"} == set(ids)
    assert log(app_client, keys, action="export") == []
    assert log(app_client, keys, role="supervisor") == []
    assert app_client.get(LOG, params={"action": "peek"}, headers=keys["admin"]).status_code == 400
    assert app_client.get(LOG, headers=keys["operator"]).status_code == 403
    page = app_client.get(LOG, params={"limit": 2}, headers=keys["admin"]).json()
    assert (len(page["items"]), page["total"]) == (2, 6)  # 3 created with a contact (not the plain one) + 3 listed


@pytest.fixture
def strict(db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"pii_reason_required": True}), database=db)) as c:
        yield c


def test_a_city_may_require_a_reason_before_unmasking(strict: TestClient, keys: dict[str, dict[str, str]]) -> None:
    case_id = new_case(strict, keys)
    without = strict.get(f"/api/v1/cases/{case_id}", headers=keys["operator"]).json()
    assert without["contact"] == {"name": "张*", "phone": "138****5678", "email": None, "id_number": None,
                                  "masked": True}  # fmt: skip
    assert "13812345678" not in without["text"]
    reasoned = strict.get(f"/api/v1/cases/{case_id}", headers=keys["operator"] | why("回访"))
    assert reasoned.json()["contact"]["phone"] == "13812345678"
    assert [e["reason"] for e in log(strict, keys, case_id=case_id)] == ["回访", "受理来电"]


def test_the_citizen_reads_who_saw_their_data_with_the_follow_code(
    db: Database, settings: Settings, keys: dict[str, dict[str, str]]
) -> None:
    portal_key = make_key(db, "app")
    with TestClient(create_app(portal_settings(settings, portal_key), database=db)) as portal:
        receipt = submit(portal, **GOOD).json()
        case_id, code = receipt["service_request_id"], receipt["follow_code"]
        portal.get(f"/api/v1/cases/{case_id}", headers=keys["operator"] | why("核实地址"))
        plain = portal.get(f"/portal/requests/{case_id}").json()
        assert "access_log" not in plain
        own = portal.get(f"/portal/requests/{case_id}", headers={"X-Follow-Code": code})
        assert own.status_code == 200, own.text
        (entry,) = own.json()["access_log"]
        assert (entry["role"], entry["role_zh"], entry["action"], entry["reason"]) == (
            "operator", "话务/派单员", "read", "核实地址",
        )  # fmt: skip
        assert "principal" not in entry  # the office, not the staff member's key name
        wrong = portal.get(f"/portal/requests/{case_id}", params={"code": "AAAA-BBBB-CCCC"})
        assert wrong.status_code == 403


def test_a_supervisor_reads_the_departments_number_in_its_reply_not_the_citizens(
    app_client: TestClient, keys: dict[str, dict[str, str]], db: Database
) -> None:
    from sqlalchemy import update

    from citybrain.models import Department

    with db.transaction() as session:
        session.execute(update(Department).where(Department.code == "urban_mgmt").values(phone="0731-88881111"))
    case_id = new_case(app_client, keys)
    op = keys["operator"]
    assert app_client.post(f"/api/v1/cases/{case_id}/dispatch", json={"department_code": "urban_mgmt"}, headers=op)
    app_client.post(f"/api/v1/cases/{case_id}/accept", json={}, headers=op)
    reply = "已处理。如有疑问请致电0731-88881111；已回电市民13812345678。"
    resolved = app_client.post(f"/api/v1/cases/{case_id}/resolve", json={"reply": reply}, headers=op)
    assert resolved.status_code == 200, resolved.text
    seen = app_client.get(f"/api/v1/cases/{case_id}", headers=keys["supervisor"]).json()
    assert seen["reply"] == "已处理。如有疑问请致电0731-88881111；已回电市民138****5678。"
    listed = app_client.get("/api/v1/cases", headers=keys["supervisor"]).json()["items"]
    assert next(c for c in listed if c["id"] == case_id)["reply"] == seen["reply"]
