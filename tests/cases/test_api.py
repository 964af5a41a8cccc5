"""The staff case API at /api/v1/cases: intake, list, detail, transitions, callbacks, roles, PII, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.cases.lifecycle import TRANSITIONS
from citybrain.core import clock
from citybrain.core.db import Database
from tests.cases.conftest import CATEGORY, DEPT_A, DEPT_B, ROUTED, T0, Keys, new_case_id

BASE = "/api/v1/cases"
TRANSCRIPT = "坐席：您好，12345。市民：我家楼下路灯坏了一周了，我电话13912345678，身份证110101199003077777。"


@pytest.fixture
def client(app_client: TestClient, keys: Keys) -> TestClient:
    return app_client


def _post(client: TestClient, headers: dict[str, str], case_id: int, action: str, **body: Any) -> Any:
    return client.post(f"{BASE}/{case_id}/{action}", json=body, headers=headers)


class TestCreate:
    def test_hotline_transcript_is_a_case_routed_and_dispatched(self, client: TestClient, keys: Keys) -> None:
        body = {
            "channel": "hotline",
            "request_type": "投诉",
            "title": "路灯不亮",
            "text": TRANSCRIPT,
            "category_code": ROUTED,
            "contact": {"name": "李四", "phone": "13912345678"},
        }
        r = client.post(BASE, json=body, headers=keys.operator)
        assert r.status_code == 201, r.text
        case = r.json()
        assert (case["channel"], case["text"], case["status"]) == ("hotline", TRANSCRIPT, "dispatched")
        assert (case["department_code"], case["sla_code"]) == (DEPT_A, "cbt_sla")
        assert case["contact"] == {
            "name": "李四",
            "phone": "13912345678",
            "email": None,
            "id_number": None,
            "masked": False,
        }
        assert [e["action"] for e in case["events"]] == ["receive", "dispatch"]
        listed = client.get(BASE, params={"channel": "hotline"}, headers=keys.operator).json()
        assert [c["id"] for c in listed["items"]] == [case["id"]]

    def test_web_message_without_a_known_owner_waits_for_dispatch(self, client: TestClient, keys: Keys) -> None:
        r = client.post(BASE, json={"channel": "web", "text": "建议增加公交班次"}, headers=keys.operator)
        assert r.status_code == 201
        assert (r.json()["status"], r.json()["department_code"]) == ("received", None)

    def test_bad_input(self, client: TestClient, keys: Keys) -> None:
        r = client.post(BASE, json={"channel": "pigeon", "text": "x"}, headers=keys.operator)
        assert r.status_code == 422
        assert "unknown channel" in r.json()["error"]["message"]
        r = client.post(BASE, json={"text": "x", "category_code": "no.such"}, headers=keys.operator)
        assert r.status_code == 400
        assert "unknown category" in r.json()["error"]["message"]
        body = {"text": "x", "source": "crm", "source_key": "A-1"}
        assert client.post(BASE, json=body, headers=keys.operator).status_code == 201
        assert client.post(BASE, json=body, headers=keys.operator).status_code == 409

    @pytest.mark.parametrize("role", ["supervisor", "dept_a", "app"])
    def test_only_operators_take_in_cases(self, client: TestClient, keys: Keys, role: str) -> None:
        r = client.post(BASE, json={"text": "x"}, headers=getattr(keys, role))
        assert r.status_code == 403

    def test_keys_are_required(self, client: TestClient, keys: Keys) -> None:
        assert client.post(BASE, json={"text": "x"}).status_code == 401
        assert client.get(BASE).status_code == 401
        assert client.get(BASE, headers={"X-API-Key": "cb_wrong"}).status_code == 403


class TestRead:
    def test_list_filters_sorting_and_pages(self, city: Database, client: TestClient, keys: Keys) -> None:
        with clock.frozen(T0):
            first = new_case_id(city)
        with clock.frozen(T0 + timedelta(hours=1)):
            second = new_case_id(city, department=DEPT_B, channel="hotline")
        with clock.frozen(T0 + timedelta(hours=2)):
            third = new_case_id(city, department=None)
        h = keys.operator

        def ids(**params: Any) -> list[int]:
            r = client.get(BASE, params=params, headers=h)
            assert r.status_code == 200, r.text
            return [c["id"] for c in r.json()["items"]]

        assert ids() == [third, second, first]
        assert ids(status="received") == [third]
        assert ids(department=DEPT_B) == [second]
        assert ids(channel="hotline") == [second]
        assert ids(category="cbt") == [third, second, first]
        assert ids(created_from="2026-03-02T09:30:00Z", created_to="2026-03-02T11:00:00Z") == [second]
        with clock.frozen(T0 + timedelta(hours=11, minutes=30)):
            assert ids(overdue="true") == [second, first]
            assert ids(overdue="false") == [third]
        page = client.get(BASE, params={"limit": 1, "offset": 1}, headers=h).json()
        assert ([c["id"] for c in page["items"]], page["total"]) == ([second], 3)
        assert client.get(BASE, params={"department": "nope"}, headers=h).status_code == 400
        assert client.get(BASE, params={"status": "sleeping"}, headers=h).status_code == 422

    def test_supervisor_sees_masked_pii_operator_sees_it(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city, text=TRANSCRIPT, address="桃子湖路12号3栋501")
        op = client.get(f"{BASE}/{case_id}", headers=keys.operator).json()
        sup = client.get(f"{BASE}/{case_id}", headers=keys.supervisor).json()
        assert op["address"] == "桃子湖路12号3栋501"
        assert sup["address"] == "桃子湖路**号*栋***"  # the street stays; door numbers are the citizen's
        assert op["contact"] == {
            "name": "张三",
            "phone": "13812345678",
            "email": None,
            "id_number": None,
            "masked": False,
        }
        assert op["text"] == TRANSCRIPT
        assert sup["contact"]["masked"] is True
        assert sup["contact"]["name"] == "张*"
        assert sup["contact"]["phone"] == "138****5678"
        assert "13912345678" not in sup["text"]
        assert "110101199003077777" not in sup["text"]
        listed = client.get(BASE, headers=keys.supervisor).json()["items"][0]
        assert "13912345678" not in listed["text"]
        assert listed["address"] == "桃子湖路**号*栋***"

    def test_detail_and_events(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city)
        detail = client.get(f"{BASE}/{case_id}", headers=keys.operator).json()
        assert (detail["status"], detail["status_zh"], detail["department_code"]) == ("dispatched", "已派单", DEPT_A)
        events = client.get(f"{BASE}/{case_id}/events", headers=keys.supervisor).json()
        assert [(e["action"], e["to_status"], e["department_code"]) for e in events] == [
            ("receive", "received", None),
            ("dispatch", "dispatched", DEPT_A),
        ]
        assert client.get(f"{BASE}/999999", headers=keys.operator).status_code == 404
        assert client.get(f"{BASE}/999999/events", headers=keys.operator).status_code == 404
        assert client.get(f"{BASE}/{case_id}", headers=keys.app).status_code == 403

    def test_departments_see_their_own_cases_only(self, city: Database, client: TestClient, keys: Keys) -> None:
        mine, theirs = new_case_id(city), new_case_id(city, department=DEPT_B)
        listed = client.get(BASE, headers=keys.dept_a).json()
        assert [c["id"] for c in listed["items"]] == [mine]
        assert client.get(f"{BASE}/{theirs}", headers=keys.dept_a).status_code == 403
        assert client.get(BASE, params={"department": DEPT_B}, headers=keys.dept_a).status_code == 403


class TestTransitions:
    def test_whole_life_through_the_api(self, city: Database, client: TestClient, keys: Keys) -> None:
        r = client.post(BASE, json={"text": "井盖丢失", "category_code": CATEGORY}, headers=keys.operator)
        case_id = r.json()["id"]
        steps = [
            (keys.operator, "dispatch", {"department_code": DEPT_A}, "dispatched"),
            (keys.dept_a, "accept", {}, "accepted"),
            (keys.dept_a, "note", {"note": "已派人到场"}, "accepted"),
            (keys.dept_a, "start", {}, "in_progress"),
            (keys.dept_a, "resolve", {"reply": "已补装井盖"}, "resolved"),
        ]
        for headers, action, body, status in steps:
            r = _post(client, headers, case_id, action, **body)
            assert r.status_code == 200, (action, r.text)
            assert r.json()["status"] == status
        r = client.post(f"{BASE}/{case_id}/callback", json={"resolved": True, "satisfaction": 5}, headers=keys.operator)
        assert r.status_code == 200
        final = r.json()
        assert (final["status"], final["resolved"], final["satisfaction"]) == ("closed", True, 5)
        assert final["reply"] == "已补装井盖"
        actions = [e["action"] for e in final["events"]]
        assert actions == ["receive", "dispatch", "accept", "note", "start", "resolve", "callback", "close"]
        assert all(e["actor"] for e in final["events"])

    def test_callback_not_resolved_reopens(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city)
        _post(client, keys.dept_a, case_id, "accept")
        _post(client, keys.dept_a, case_id, "resolve", reply="已处理")
        bad = client.post(
            f"{BASE}/{case_id}/callback", json={"resolved": False, "satisfaction": 0}, headers=keys.operator
        )
        assert bad.status_code == 422
        r = client.post(
            f"{BASE}/{case_id}/callback", json={"resolved": False, "satisfaction": 1}, headers=keys.operator
        )
        assert (r.json()["status"], r.json()["reopen_count"], r.json()["department_code"]) == ("dispatched", 1, DEPT_A)
        again = client.post(
            f"{BASE}/{case_id}/callback", json={"resolved": True, "satisfaction": 5}, headers=keys.operator
        )
        assert again.status_code == 409
        assert (
            client.post(
                f"{BASE}/{case_id}/callback", json={"resolved": True, "satisfaction": 5}, headers=keys.dept_a
            ).status_code
            == 403
        )

    def test_department_handles_only_its_own_cases(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city)
        assert _post(client, keys.dept_b, case_id, "accept").status_code == 403
        assert _post(client, keys.dept_b, case_id, "note", note="x").status_code == 403
        assert _post(client, keys.dept_a, case_id, "reassign", department_code=DEPT_B).status_code == 403
        assert _post(client, keys.dept_a, case_id, "invalidate", reason="x").status_code == 403
        r = _post(client, keys.dept_a, case_id, "reject", reason="非本单位职责")
        assert (r.status_code, r.json()["status"], r.json()["department_code"]) == (200, "received", None)
        assert r.json()["reject_count"] == 1
        assert _post(client, keys.dept_a, case_id, "accept").status_code == 403, "no longer theirs"

    def test_supervisors_and_apps_only_read(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city)
        before = client.get(f"{BASE}/{case_id}", headers=keys.supervisor).json()["version"]
        for action in sorted(set(TRANSITIONS) - {"callback"}):
            assert _post(client, keys.supervisor, case_id, action, note="x").status_code == 403, action
            assert _post(client, keys.app, case_id, action, note="x").status_code == 403, action
        assert client.get(f"{BASE}/{case_id}", headers=keys.supervisor).json()["version"] == before

    def test_errors_400_404_409(self, city: Database, client: TestClient, keys: Keys) -> None:
        case_id = new_case_id(city)
        h = keys.operator
        r = _post(client, h, case_id, "reject")
        assert r.status_code == 400
        assert "reason" in r.json()["error"]["message"]
        assert _post(client, h, case_id, "resolve", reply="x").status_code == 409  # not accepted yet
        assert _post(client, h, case_id, "merge", target_id=case_id).status_code == 400
        assert _post(client, h, 999999, "accept").status_code == 404
        assert client.post(f"{BASE}/{case_id}/fly", json={}, headers=h).status_code == 404
        seen = client.get(f"{BASE}/{case_id}", headers=h).json()["version"]
        assert _post(client, h, case_id, "remind", note="快").status_code == 200
        stale = _post(client, h, case_id, "accept", version=seen)
        assert stale.status_code == 409
        assert "reload" in stale.json()["error"]["message"]
        assert _post(client, h, case_id, "accept", version=seen + 1).status_code == 200

    def test_merge_and_invalidate(self, city: Database, client: TestClient, keys: Keys) -> None:
        a, b, spam = new_case_id(city), new_case_id(city), new_case_id(city, department=None)
        r = _post(client, keys.operator, a, "merge", target_id=b, note="同一路灯")
        assert (r.json()["status"], r.json()["duplicate_of"]) == ("merged", b)
        r = _post(client, keys.operator, spam, "invalidate", reason="广告")
        assert r.json()["status"] == "invalid"
        assert _post(client, keys.operator, b, "merge", target_id=spam).status_code == 409


def test_openapi_documents_every_action(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    for action in TRANSITIONS:
        route = paths[f"{BASE}/{{case_id}}/{action}"]["post"]
        assert TRANSITIONS[action].name_zh in route["summary"]
        if action != "callback":
            assert "From:" in route["description"]
