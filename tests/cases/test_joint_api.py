"""Joint handling through the staff API on SQLite and PostgreSQL: parts (主办/协办) and their moves, the scope
of a department, the lead's resolution rule and assembled reply, and bad input that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import CaseEvent, CasePart
from tests.cases.conftest import DEPT_A, DEPT_B, DEPT_C, JointKeys, new_case_id
from tests.cases.joint_factories import add_part

Json = dict[str, Any]


def _counts(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        return session.query(CasePart).count(), session.query(CaseEvent).count()


def _events(client: TestClient, jk: JointKeys, case_id: int) -> list[Json]:
    answer = client.get(f"/api/v1/cases/{case_id}/events", headers=jk.keys.operator)
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def _move(client: TestClient, headers: dict[str, str], case_id: int, part_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/parts/{part_id}/{action}", json=body, headers=headers)


@pytest.fixture
def joint_case(city: Database, app_client: TestClient, jkeys: JointKeys) -> tuple[int, Json, Json, Json]:
    """A case led by DEPT_A with the lead's part and two assisting parts (DEPT_B, DEPT_C), all assigned."""
    case_id = new_case_id(city)
    lead = add_part(app_client, jkeys.keys.operator, case_id, DEPT_A, "lead")
    b = add_part(app_client, jkeys.keys.operator, case_id, DEPT_B)
    c = add_part(app_client, jkeys.keys.operator, case_id, DEPT_C)
    return case_id, lead, b, c


def test_a_part_is_added_assigned_with_the_case_deadline_and_recorded(
    city: Database, app_client: TestClient, jkeys: JointKeys
) -> None:
    case_id = new_case_id(city)
    case = app_client.get(f"/api/v1/cases/{case_id}", headers=jkeys.keys.operator).json()
    part = add_part(app_client, jkeys.keys.operator, case_id, DEPT_B)
    assert (part["state"], part["role"], part["role_zh"], part["department_code"]) == (
        "assigned", "assist", "协办", DEPT_B,
    )  # fmt: skip
    assert part["due_at"] == case["due_at"]
    added = [e for e in _events(app_client, jkeys, case_id) if e["action"] == "part_add"]
    assert len(added) == 1
    assert added[0]["data"] == {"part_id": part["id"], "department_code": DEPT_B, "role": "assist",
                                "to_state": "assigned"}  # fmt: skip
    assert added[0]["department_code"] == DEPT_B
    assert added[0]["from_status"] == added[0]["to_status"] == "dispatched"


def test_each_part_move_changes_the_part_and_writes_one_case_event(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json]
) -> None:
    case_id, _lead, b, c = joint_case
    steps = [
        (jkeys.keys.dept_b, b, "accept", {}, "accepted"),
        (jkeys.keys.dept_b, b, "progress", {"note": "已到现场"}, "accepted"),
        (jkeys.keys.dept_b, b, "reply", {"reply": "树已修剪。"}, "replied"),
        (jkeys.dept_c, c, "refuse", {"reason": "不属本单位职责"}, "refused"),
    ]
    for headers, part, action, body, state in steps:
        before = len(_events(app_client, jkeys, case_id))
        answer = _move(app_client, headers, case_id, part["id"], action, **body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == state
        events = _events(app_client, jkeys, case_id)
        assert len(events) == before + 1
        assert events[-1]["action"] == f"part_{action}"
        assert events[-1]["data"]["part_id"] == part["id"]
        assert events[-1]["data"]["to_state"] == state
    shown = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=jkeys.keys.operator).json()
    by_code = {p["department_code"]: p for p in shown["parts"]}
    assert by_code[DEPT_B]["progress"] == "已到现场"
    assert by_code[DEPT_B]["reply"] == "树已修剪。"
    assert by_code[DEPT_B]["accepted_at"] is not None
    assert by_code[DEPT_B]["replied_at"] is not None
    assert by_code[DEPT_C]["refusal_reason"] == "不属本单位职责"
    assert shown["open_parts"] == 1  # the lead's own part


def test_the_case_resolves_only_by_the_lead_once_no_part_is_open_with_the_assembled_reply(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json]
) -> None:
    case_id, lead, b, c = joint_case
    a_key = jkeys.keys.dept_a
    assert app_client.post(f"/api/v1/cases/{case_id}/accept", json={}, headers=a_key).status_code == 200
    early = app_client.post(f"/api/v1/cases/{case_id}/resolve", json={"reply": "好了"}, headers=a_key)
    assert early.status_code == 409
    assert "parts are still open" in early.json()["error"]["message"]
    for headers, part, reply in ((a_key, lead, "违建已拆除。"), (jkeys.keys.dept_b, b, "树已修剪。")):
        assert _move(app_client, headers, case_id, part["id"], "accept").status_code == 200
        assert _move(app_client, headers, case_id, part["id"], "reply", reply=reply).status_code == 200
    assert _move(app_client, jkeys.dept_c, case_id, c["id"], "refuse", reason="不归我管").status_code == 200
    case = app_client.get(f"/api/v1/cases/{case_id}", headers=a_key).json()
    assert case["status"] == "accepted"  # the parts' replies do not resolve the case
    parts = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=a_key).json()
    assert parts["assembled_reply"] == "【测试道路】违建已拆除。\n\n【测试园林】树已修剪。"
    done = app_client.post(f"/api/v1/cases/{case_id}/resolve", json={}, headers=a_key)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved"
    assert done.json()["reply"] == parts["assembled_reply"]


def test_the_lead_may_write_its_own_reply_over_the_assembled_one(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    case_id = new_case_id(city)
    b = add_part(app_client, jkeys.keys.operator, case_id, DEPT_B)
    _move(app_client, jkeys.keys.dept_b, case_id, b["id"], "accept")
    _move(app_client, jkeys.keys.dept_b, case_id, b["id"], "reply", reply="已处理")
    app_client.post(f"/api/v1/cases/{case_id}/accept", json={}, headers=jkeys.keys.dept_a)
    done = app_client.post(f"/api/v1/cases/{case_id}/resolve", json={"reply": "您反映的问题已解决。"},
                           headers=jkeys.keys.dept_a)  # fmt: skip
    assert done.json()["reply"] == "您反映的问题已解决。"


def test_a_case_without_parts_still_needs_a_reply_to_resolve(
    app_client: TestClient, jkeys: JointKeys, city: Database
) -> None:
    case_id = new_case_id(city)
    app_client.post(f"/api/v1/cases/{case_id}/accept", json={}, headers=jkeys.keys.dept_a)
    answer = app_client.post(f"/api/v1/cases/{case_id}/resolve", json={}, headers=jkeys.keys.dept_a)
    assert answer.status_code == 400
    assert "needs a non-empty reply" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"department_code": "no_such_dept"}, 400, "no department with code 'no_such_dept'"),
        ({"department_code": DEPT_B}, 409, "already has a part"),
        ({"department_code": DEPT_B, "role": "lead"}, 400, "the lead (主办) part is the case's own"),
        ({"department_code": DEPT_A, "role": "assist"}, 400, "cannot also assist"),
        ({"department_code": DEPT_C, "due_at": "2001-01-01T00:00:00Z"}, 400, "has passed"),
        ({"department_code": DEPT_C, "role": "boss"}, 422, "lead"),
    ],
)
def test_a_bad_part_is_refused_and_nothing_is_written(
    app_client: TestClient, jkeys: JointKeys, city: Database, body: Json, status: int, message: str
) -> None:
    case_id = new_case_id(city)
    add_part(app_client, jkeys.keys.operator, case_id, DEPT_B)
    before = _counts(city)
    answer = app_client.post(f"/api/v1/cases/{case_id}/parts", json=body, headers=jkeys.keys.operator)
    assert answer.status_code == status
    assert message in answer.text
    assert _counts(city) == before


def test_a_part_on_a_case_nobody_handles_is_refused(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city, department=None)
    before = _counts(city)
    answer = app_client.post(f"/api/v1/cases/{case_id}/parts", json={"department_code": DEPT_B},
                             headers=jkeys.keys.operator)  # fmt: skip
    assert answer.status_code == 409
    assert "parts are added while a department handles it" in answer.json()["error"]["message"]
    assert _counts(city) == before


@pytest.mark.parametrize(
    ("action", "body", "status", "message"),
    [
        ("reply", {"reply": "做完了"}, 409, "the part is refused; cannot reply"),
        ("accept", {}, 409, "the part is refused; cannot accept"),
        ("refuse", {"reason": "again"}, 409, "the part is refused"),
    ],
)
def test_a_move_on_a_refused_part_is_refused_and_writes_nothing(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json], city: Database,
    action: str, body: Json, status: int, message: str,
) -> None:  # fmt: skip
    case_id, _lead, b, _c = joint_case
    assert _move(app_client, jkeys.keys.dept_b, case_id, b["id"], "refuse", reason="非本单位职责").status_code == 200
    before = _counts(city)
    answer = _move(app_client, jkeys.keys.dept_b, case_id, b["id"], action, **body)
    assert answer.status_code == status
    assert message in answer.json()["error"]["message"]
    assert _counts(city) == before


@pytest.mark.parametrize(
    ("who", "action", "body", "status", "message"),
    [
        ("dept_b", "refuse", {}, 400, "needs a non-empty reason"),
        ("dept_b", "reply", {"reply": "x"}, 409, "the part is assigned; cannot reply"),
        ("dept_b", "progress", {"note": "x"}, 409, "cannot progress"),
        ("dept_a", "accept", {}, 403, "belongs to another department"),
        ("supervisor", "accept", {}, 403, "may not act on the parts"),
        ("dept_b", "accept", {"version": 7}, 409, "you had 7"),
    ],
)
def test_a_bad_part_move_is_refused_and_writes_nothing(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json], city: Database,
    who: str, action: str, body: Json, status: int, message: str,
) -> None:  # fmt: skip
    case_id, _lead, b, _c = joint_case
    before = _counts(city)
    answer = _move(app_client, getattr(jkeys.keys, who), case_id, b["id"], action, **body)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]["message"]
    assert _counts(city) == before


def test_the_lead_cannot_refuse_its_own_part(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json]
) -> None:
    case_id, lead, _b, _c = joint_case
    answer = _move(app_client, jkeys.keys.dept_a, case_id, lead["id"], "refuse", reason="x")
    assert answer.status_code == 409
    assert "a lead part cannot refuse" in answer.json()["error"]["message"]


def test_a_part_of_another_case_is_not_found(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json], city: Database
) -> None:
    _case_id, _lead, b, _c = joint_case
    other = new_case_id(city)
    assert _move(app_client, jkeys.keys.operator, other, b["id"], "accept").status_code == 404


def test_a_stale_part_version_is_409_and_the_current_one_wins(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json]
) -> None:
    """An operator and the department both reply having read version 2: the first wins, the second is 409."""
    case_id, _lead, b, _c = joint_case
    accepted = _move(app_client, jkeys.keys.dept_b, case_id, b["id"], "accept").json()
    first = _move(app_client, jkeys.keys.dept_b, case_id, b["id"], "reply", reply="甲", version=accepted["version"])
    second = _move(app_client, jkeys.keys.operator, case_id, b["id"], "reply", reply="乙", version=accepted["version"])
    assert (first.status_code, second.status_code) == (200, 409)
    shown = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=jkeys.keys.operator).json()
    assert [p["reply"] for p in shown["parts"] if p["id"] == b["id"]] == ["甲"]


def test_a_department_sees_only_its_own_part_unless_it_leads(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json], city: Database
) -> None:
    case_id, _lead, b, _c = joint_case
    mine = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=jkeys.keys.dept_b).json()
    assert [p["id"] for p in mine["parts"]] == [b["id"]]
    assert mine["assembled_reply"] is None
    led = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=jkeys.keys.dept_a).json()
    assert sorted(p["department_code"] for p in led["parts"]) == sorted([DEPT_A, DEPT_B, DEPT_C])
    # the case itself stays as the existing scope allows: not the assisting department's
    assert app_client.get(f"/api/v1/cases/{case_id}", headers=jkeys.keys.dept_b).status_code == 403
    # a department with no part in a case does not see its parts at all
    plain = new_case_id(city)
    assert app_client.get(f"/api/v1/cases/{plain}/parts", headers=jkeys.keys.dept_b).status_code == 403
    listed = app_client.get("/api/v1/parts", headers=jkeys.keys.dept_b).json()
    assert [p["id"] for p in listed["items"]] == [b["id"]]
    assert listed["items"][0]["case_title"] == "路灯不亮"
    assert app_client.get(f"/api/v1/parts?department={DEPT_C}", headers=jkeys.keys.dept_b).status_code == 403


def test_the_dispatcher_lists_refused_parts(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json]
) -> None:
    case_id, _lead, _b, c = joint_case
    _move(app_client, jkeys.dept_c, case_id, c["id"], "refuse", reason="不属本单位")
    listed = app_client.get("/api/v1/parts?state=refused", headers=jkeys.keys.operator).json()
    assert (listed["total"], [p["id"] for p in listed["items"]]) == (1, [c["id"]])
    assert listed["items"][0]["refusal_reason"] == "不属本单位"


def test_only_the_dispatcher_adds_parts(app_client: TestClient, jkeys: JointKeys, city: Database) -> None:
    case_id = new_case_id(city)
    for who in (jkeys.keys.dept_a, jkeys.keys.supervisor):
        answer = app_client.post(f"/api/v1/cases/{case_id}/parts", json={"department_code": DEPT_B}, headers=who)
        assert answer.status_code == 403


def test_reassigning_a_joint_case_moves_the_lead_part_along(
    app_client: TestClient, jkeys: JointKeys, joint_case: tuple[int, Json, Json, Json], city: Database
) -> None:
    case_id, lead, _b, _c = joint_case
    op = jkeys.keys.operator
    _move(app_client, jkeys.keys.dept_a, case_id, lead["id"], "accept")
    before = _counts(city)
    clash = app_client.post(f"/api/v1/cases/{case_id}/reassign", json={"department_code": DEPT_C}, headers=op)
    assert clash.status_code == 409
    assert "already assists" in clash.json()["error"]["message"]
    assert _counts(city) == before
    moved = app_client.post(f"/api/v1/cases/{case_id}/reassign", json={"department_code": "urban_mgmt"}, headers=op)
    assert moved.status_code == 200, moved.text
    parts = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=op).json()["parts"]
    leads = [(p["department_code"], p["state"], p["accepted_at"]) for p in parts if p["role"] == "lead"]
    assert leads == [("urban_mgmt", "assigned", None)]
    reassigned = [e for e in _events(app_client, jkeys, case_id) if e["action"] == "reassign"]
    assert reassigned[-1]["data"]["lead_part_id"] == lead["id"]
