"""``Idempotency-Key`` on every POST route that creates something: the retry gets the first answer, replayed,
and nothing runs twice. Every POST route of docs/access.md is classified below, so a new one fails here until
someone says whether it creates and how its retry is tested."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.conftest import make_key
from tests.web.test_access import matrix

#: Creating routes and a body that creates (``{case}``: a fresh case's id).
CREATING: dict[str, dict[str, Any]] = {
    "/api/v1/cases": {"channel": "hotline", "title": "路灯不亮", "text": "市民来电：路灯不亮。"},
    "/api/v1/cases/{case_id}/note": {"note": "已电话联系"},
    "/api/v1/departments": {"code": "idem_dept", "name_zh": "幂等测试科"},
    "/api/v1/routing-rules": {"department_code": "urban_mgmt", "priority": 7},
    "/api/v1/admin/users": {
        "username": "idem.user",
        "display_name": "幂等测试",
        "role": "operator",
        "password": "a long enough password 1",
    },
    "/api/v1/admin/keys": {"name": "idempotent app", "role": "app"},
    "/sta/v1.1/{path:path}": {"name": "幂等测试站", "description": "a Thing"},
    "/api/v1/knowledge/items": {"question": "公积金怎么提取？", "answer": "携带身份证到公积金中心办理。"},
}
#: Creating routes whose retry is tested where their form is built.
ELSEWHERE = {
    "/open311/v2/requests.{fmt}": "tests/intake/test_idempotency.py",
    "/portal/requests": "tests/web/test_portal.py",
    "/portal/requests/{case_id}/metoo": "tests/web/test_portal_idempotency.py",
    "/portal/requests/{case_id}/comments": "tests/web/test_portal_idempotency.py",
    "/portal/requests/{case_id}/rating": "tests/web/test_portal_idempotency.py",
    "/api/v1/inspections": "tests/grid/test_idempotency.py",
    "/api/v1/patrols/visits": "tests/grid/test_idempotency.py",
    "/api/v1/patrols/plans": "tests/grid/test_idempotency.py",
    "/api/v1/applications": "tests/services/test_api.py",
    "/portal/services/{code}/apply": "tests/services/test_portal.py",  # multipart: a new boundary, the same form
    "/api/v1/parking/events": "tests/scenarios/parking/test_idempotency.py",
    "/api/v1/parking/passes": "tests/scenarios/parking/test_idempotency.py",
    "/api/v1/cases/{case_id}/parts": "tests/cases/test_joint_idempotency.py",
    "/api/v1/cases/{case_id}/parts/{part_id}/progress": "tests/cases/test_joint_idempotency.py",
    "/api/v1/cases/{case_id}/whistles": "tests/cases/test_joint_idempotency.py",
    "/sta/v1.1/CreateObservations": "tests/sensing/test_dataarray.py",
}
#: POST routes that create nothing a retry could double: a transition (optimistic-locked: a blind retry is 409
#: anyway), a read-only answer, or the session's own forms.
NOT_CREATING = {
    *(f"/api/v1/cases/{{case_id}}/{a}" for a in ("callback", "dispatch", "accept", "reject", "reassign", "start")),
    *(f"/api/v1/cases/{{case_id}}/{a}" for a in ("resolve", "close", "reopen", "merge", "invalidate", "remind")),
    "/api/v1/cases/{case_id}/escalate",
    *(f"/api/v1/alerts/{{alert_id}}/{a}" for a in ("acknowledge", "snooze", "close", "reopen")),
    "/api/v1/triage/queue/{case_id}/dispatch",
    "/api/v1/suggestions/{suggestion_id}/accept",
    "/api/v1/suggestions/{suggestion_id}/dismiss",
    "/api/v1/portal/comments/{comment_id}/approve",
    "/api/v1/portal/comments/{comment_id}/reject",
    "/api/v1/admin/users/{user_id}/password",
    "/api/v1/admin/keys/{key_id}/revoke",
    "/api/v1/replies/score",
    "/api/v1/triage/suggest",
    "/signin",
    "/signout",
    "/api/v1/parking/sessions/{session_id}/pair",
    "/api/v1/parking/sessions/{session_id}/unpair",
    "/api/v1/parking/bills/{bill_id}/pay",
    "/api/v1/parking/bills/remind",
    *(f"/api/v1/cases/{{case_id}}/parts/{{part_id}}/{a}" for a in ("accept", "reply", "refuse")),
    "/api/v1/cases/{case_id}/whistles/{whistle_id}/report",  # once per department: a second report-in is 409
    "/api/v1/inspections/{inspection_id}/on-spot",  # once: a second on-the-spot record is 409
    "/portal/applications/{code}/supply",  # a step: once supplied the application is no longer 待补正 (409)
    "/api/v1/attachments",  # stored by its sha256: the same bytes again are the same attachment
    *(f"/api/v1/applications/{{application_id}}/{a}" for a in ("accept", "decline", "review", "supplement")),
    *(f"/api/v1/applications/{{application_id}}/{a}" for a in ("supply", "approve", "refuse", "deliver")),
    *(f"/api/v1/knowledge/items/{{item_id}}/{a}" for a in ("review", "publish", "expire")),
}


def test_every_post_route_is_classified() -> None:
    posts = {path for method, path in matrix() if method == "POST"}
    classified = set(CREATING) | set(ELSEWHERE) | NOT_CREATING
    assert posts - classified == set(), "classify the new POST route here"
    assert classified - posts == set()


@pytest.mark.parametrize("path", sorted(ELSEWHERE))
def test_a_route_tested_elsewhere_is_tested_there(path: str) -> None:
    """The named file exists and posts to the route with an ``Idempotency-Key`` (through ``retried``)."""
    text = (Path(__file__).parents[2] / ELSEWHERE[path]).read_text(encoding="utf-8")
    assert "Idempotency-Key" in text or "retried(" in text


def _url(path: str, db: Database, client: TestClient, key: str) -> str:
    if "{case_id}" in path:
        created = client.post("/api/v1/cases", json=CREATING["/api/v1/cases"], headers={"X-API-Key": key})
        return path.replace("{case_id}", str(created.json()["id"]))
    return path.replace("{path:path}", "Things")


@pytest.mark.parametrize("path", sorted(CREATING))
def test_a_retry_gets_the_first_answer_and_creates_nothing(app_client: TestClient, db: Database, path: str) -> None:
    key = make_key(db, "admin")
    url = _url(path, db, app_client, key)
    headers = {"X-API-Key": key, "Idempotency-Key": f"idem-{path}"}
    first = app_client.post(url, json=CREATING[path], headers=headers)
    assert 200 <= first.status_code < 300, first.text
    again = app_client.post(url, json=CREATING[path], headers=headers)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["idempotent-replayed"] == "true"  # the route did not run again
    other = app_client.post(url, json=CREATING[path] | {"note": "别的"}, headers=headers)
    assert other.status_code == 422  # the same key for another body
