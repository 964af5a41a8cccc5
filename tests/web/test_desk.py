"""The case desk's frame is served offline, names every action and status, and ``/api/v1/me`` says who is calling."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.cases.kpis import KPIS
from citybrain.cases.lifecycle import TRANSITIONS, Status
from citybrain.cases.record import REQUEST_TYPES
from citybrain.cases.schemas import CHANNELS
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from tests.conftest import make_key, make_user, sign_in
from tests.web.scripts import served_modules

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def _labels(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="desk-labels" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the page carries its labels"
    labels: dict[str, Any] = json.loads(found.group(1))
    return labels


@pytest.fixture
def desk_client(db: Database, browser_client: TestClient) -> TestClient:
    """A browser signed in at /signin as an operator (the desk is for signed-in staff)."""
    make_user(db, "operator")
    sign_in(browser_client, "test-operator")
    return browser_client


class TestDeskPage:
    def test_the_page_is_served_with_its_script_and_stylesheet_and_nothing_from_outside(
        self, desk_client: TestClient
    ) -> None:
        app_client = desk_client
        page = app_client.get("/desk")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "受理派单工作台" in page.text
        assert "Case desk" in page.text
        assert 'id="api-key"' not in page.text  # people sign in at /signin; keys are for machines
        assert '<script type="module" src="/static/desk/main.js">' in page.text
        assert 'href="/static/desk.css"' in page.text
        assert not EXTERNAL.search(page.text), "the desk must work offline: no CDN"
        assert "script-src 'self'" in page.headers["content-security-policy"]  # it holds a key: no foreign script
        scripts = served_modules(app_client, "desk/main.js")
        assert {"desk/main.js", "desk/queue.js", "desk/detail.js", "lib/dom.js", "lib/api.js"} <= set(scripts)
        script = "\n".join(scripts.values())
        assert "/api/v1/triage/queue" in script
        # No credential in the page's storage: the session is an HttpOnly cookie; only the saved views (filters)
        # are kept in localStorage.
        assert "sessionStorage" not in script
        assert [name for name, text in scripts.items() if "localStorage" in text] == ["desk/views.js"]
        assert "X-CSRF-Token" in script  # every write carries the session's anti-forgery token
        assert "innerHTML" not in script  # citizens' text is set as text, never as markup
        assert not re.search(r"https?://", script)
        style = app_client.get("/static/desk.css")
        assert style.status_code == 200
        assert style.headers["content-type"].startswith("text/css")

    def test_the_new_case_form_names_every_channel_and_request_type(self, desk_client: TestClient) -> None:
        labels = _labels(desk_client.get("/desk").text)
        assert set(labels["channels"]) == set(CHANNELS)
        assert labels["channels"]["hotline"] == ["12345 热线电话", "hotline call (text = transcript)"]
        assert labels["channels"]["walk_in"] == ["来访", "walk-in visit"]
        assert labels["request_types"] == {zh: [zh, en] for zh, en in REQUEST_TYPES.items()}

    def test_every_action_and_status_has_its_chinese_and_english_name(self, desk_client: TestClient) -> None:
        assert all(t.name_zh and t.name_en for t in TRANSITIONS.values())
        labels = _labels(desk_client.get("/desk").text)
        assert labels["actions"]["accept"] == ["签收", "Sign for"]
        assert set(labels["actions"]) == set(TRANSITIONS)
        assert set(labels["statuses"]) == {s.value for s in Status}
        assert labels["alert_actions"]["reopen"][:2] == ["重开", "Reopen"]
        assert labels["alert_actions"]["reopen"][2] == ["closed"]

    def test_the_labels_carry_the_kpis_the_flat_catalogue_and_the_citys_zone(
        self, desk_client: TestClient, settings: Settings
    ) -> None:
        labels = _labels(desk_client.get("/desk").text)
        assert labels["zone"] == settings.timezone == "Asia/Shanghai"
        assert labels["kpis"]["response_rate"] == ["响应率", "response rate"]
        assert set(labels["kpis"]) == {k.name for k in KPIS}
        flat = labels["labels"]
        assert flat["action.reject"] == ["退单", "Send back"]
        assert flat["status.in_progress"] == ["处理中", "in progress"]
        assert flat["alert_status.snoozed"] == ["暂缓中", "snoozed"]
        assert flat["kpi_short.response_rate"] == ["响应率", "response"]

    def test_the_desk_page_of_the_docs_names_every_action(self) -> None:
        doc = (Path(__file__).resolve().parents[2] / "docs" / "desk.md").read_text(encoding="utf-8")
        for action, transition in TRANSITIONS.items():
            assert f"{transition.name_zh} {transition.name_en}" in doc, f"docs/desk.md does not describe {action}"

    def test_the_landing_page_links_to_the_desk(self, app_client: TestClient) -> None:
        assert 'href="/desk"' in app_client.get("/").text


class TestMe:
    def test_without_a_key_401_and_with_a_bad_one_403(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/me").status_code == 401
        bad = app_client.get("/api/v1/me", headers={"X-API-Key": "cb_not-a-key"})
        assert bad.status_code == 403
        assert bad.json()["error"]["message"] == "invalid or revoked API key"

    def test_an_operator_may_take_every_case_action_and_see_personal_data(
        self, app_client: TestClient, db: Database
    ) -> None:
        me = app_client.get("/api/v1/me", headers={"X-API-Key": make_key(db, "operator")}).json()
        assert (me["name"], me["role"], me["role_zh"]) == ("test operator", "operator", "话务/派单员")
        assert me["department_code"] is None
        assert me["sees_personal_data"] is True
        assert {a["action"] for a in me["case_actions"]} == set(TRANSITIONS)
        assert not any(a["own_department_only"] for a in me["case_actions"])
        assert me["alert_actions"] == ["acknowledge", "snooze", "close", "reopen"]

    def test_a_department_handler_takes_its_own_cases_actions_only(self, app_client: TestClient, db: Database) -> None:
        key = make_key(db, "department", "urban_mgmt")
        me = app_client.get("/api/v1/me", headers={"X-API-Key": key}).json()
        assert me["department_code"] == "urban_mgmt"
        assert me["department_name_zh"]
        actions = {a["action"]: a for a in me["case_actions"]}
        assert set(actions) == {"accept", "reject", "start", "resolve", "note"}
        assert all(a["own_department_only"] for a in actions.values())
        assert actions["resolve"]["needs"] == "reply"
        assert actions["accept"]["sources"] == ["dispatched"]
        assert me["alert_actions"] == []
        assert app_client.get("/api/v1/alerts", headers={"X-API-Key": key}).status_code == 403  # as /me says

    def test_a_supervisor_reads_masked_and_takes_no_case_action(self, app_client: TestClient, db: Database) -> None:
        supervisor = {"X-API-Key": make_key(db, "supervisor")}
        me = app_client.get("/api/v1/me", headers=supervisor).json()
        assert me["sees_personal_data"] is False
        assert me["case_actions"] == []
        assert "read_cases" in me["permissions"]
        created = app_client.post(
            "/api/v1/cases",
            json={"title": "路灯不亮", "text": "幸福路路灯坏了", "contact": {"name": "张三", "phone": "13812345678"}},
            headers={"X-API-Key": make_key(db, "operator")},
        ).json()
        seen = app_client.get(f"/api/v1/cases/{created['id']}", headers=supervisor).json()
        assert seen["contact"] == {
            "name": "张*",
            "phone": "138****5678",
            "email": None,
            "id_number": None,
            "masked": True,
        }
        refused = app_client.post(f"/api/v1/cases/{created['id']}/note", json={"note": "x"}, headers=supervisor)
        assert refused.status_code == 403  # as /me says: no case action

    def test_me_is_documented_in_the_openapi(self, app_client: TestClient) -> None:
        paths = app_client.get("/openapi.json").json()["paths"]
        assert "/api/v1/me" in paths
        assert "/desk" not in paths
