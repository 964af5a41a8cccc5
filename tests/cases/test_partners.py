"""Units outside government (社会协同单位) through the staff API on SQLite and PostgreSQL: a partner's key is held to
its own unit's cases and parts (another unit's case is 403, as for a department), takes the department's actions
under the same SLA clock, and sees the address but no other personal data; the supervising department (主管部门)
reads its units' cases and reassigns them between itself and its units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import AccessLogEntry, Case, CaseEvent, CasePart
from tests.cases.conftest import DEPT_A, DEPT_B, Keys, make_case
from tests.conftest import make_key, make_unit, make_user, sign_in

PM, GAS, BUILDER = "cbt_pm", "cbt_gas", "cbt_builder"  # 物业 and 燃气 under DEPT_A, a contractor under DEPT_B
ADDRESS = "桃子湖路12号3栋"
Json = dict[str, Any]


@dataclass(frozen=True)
class PartnerKeys:
    keys: Keys
    pm: dict[str, str]
    gas: dict[str, str]
    builder: dict[str, str]


@pytest.fixture
def pk(city: Database, keys: Keys) -> PartnerKeys:
    make_unit(city, PM, "property", DEPT_A, "测试物业")
    make_unit(city, GAS, "utility", DEPT_A, "测试燃气")
    make_unit(city, BUILDER, "contractor", DEPT_B, "测试养护")

    def h(unit: str) -> dict[str, str]:
        return {"X-API-Key": make_key(city, "partner", unit)}

    return PartnerKeys(keys, h(PM), h(GAS), h(BUILDER))


def _case(db: Database, department: str | None = PM, **kwargs: Any) -> int:
    with db.transaction() as session:
        case = make_case(session, department=department, address=ADDRESS, **kwargs)
        return case.id


def _post(client: TestClient, headers: dict[str, str], case_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=headers)


def _row(db: Database, case_id: int) -> tuple[str, int | None, int]:
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        events = session.query(CaseEvent).filter(CaseEvent.case_id == case_id).count()
        return case.status, case.department_id, events


class TestPartnerLifecycle:
    def test_a_dispatcher_sends_a_case_to_a_unit_and_the_unit_handles_it_on_the_sla_clock(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, department=None)
        sent = _post(app_client, pk.keys.operator, case_id, "dispatch", department_code=PM)
        assert sent.status_code == 200, sent.text
        case = sent.json()
        assert (case["department_code"], case["status"]) == (PM, "dispatched")
        dispatched = _time(case["dispatched_at"])
        assert _time(case["accept_due_at"]) - dispatched == timedelta(hours=1)  # cbt_sla: 1 h to sign for
        assert _time(case["due_at"]) - dispatched == timedelta(hours=10)  # and 10 h to resolve
        for action, body, status in (
            ("accept", {}, "accepted"),
            ("start", {"note": "师傅已上门"}, "in_progress"),
            ("resolve", {"reply": "已更换路灯。"}, "resolved"),
        ):
            answer = _post(app_client, pk.pm, case_id, action, **body)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == status
        final = app_client.get(f"/api/v1/cases/{case_id}", headers=pk.keys.operator).json()
        assert final["reply"] == "已更换路灯。"
        assert final["accepted_at"] is not None
        assert final["overdue"] is False
        actors = [e["actor"] for e in final["events"] if e["action"] in {"accept", "start", "resolve"}]
        assert actors == ["test partner"] * 3

    def test_a_unit_refuses_with_a_reason_and_the_case_goes_back_to_the_queue(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city)
        before = _row(city, case_id)
        bare = _post(app_client, pk.pm, case_id, "reject")
        assert bare.status_code == 400
        assert "reason" in bare.json()["error"]["message"]
        assert _row(city, case_id) == before  # nothing written
        refused = _post(app_client, pk.pm, case_id, "reject", reason="不属于本物业管辖范围")
        assert refused.status_code == 200, refused.text
        assert (refused.json()["status"], refused.json()["department_code"]) == ("received", None)
        assert app_client.get(f"/api/v1/cases/{case_id}", headers=pk.pm).status_code == 403  # no longer its case


class TestPartnerScope:
    def test_a_unit_sees_and_lists_only_its_own_cases(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        mine, theirs, government = _case(city, PM), _case(city, GAS), _case(city, DEPT_A)
        listed = app_client.get("/api/v1/cases", headers=pk.pm)
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["items"]] == [mine]
        assert listed.json()["total"] == 1
        for other in (theirs, government):
            assert app_client.get(f"/api/v1/cases/{other}", headers=pk.pm).status_code == 403
            assert app_client.get(f"/api/v1/cases/{other}/events", headers=pk.pm).status_code == 403
        assert app_client.get("/api/v1/cases", params={"department": GAS}, headers=pk.pm).status_code == 403
        assert app_client.get("/api/v1/cases", params={"department": DEPT_A}, headers=pk.pm).status_code == 403
        found = app_client.get("/api/v1/cases", params={"q": "路灯"}, headers=pk.pm).json()  # every case says 路灯
        assert [c["id"] for c in found["items"]] == [mine]
        by_number = app_client.get("/api/v1/cases", params={"q": f"#{theirs}"}, headers=pk.pm).json()
        assert by_number["items"] == []
        for screen in ("trends", "map"):
            other = app_client.get(f"/api/v1/cockpit/{screen}", params={"department": GAS}, headers=pk.pm)
            assert other.status_code == 403, screen

    @pytest.mark.parametrize("action", ["accept", "start", "resolve", "note", "reject", "reassign", "dispatch"])
    def test_a_unit_cannot_act_on_another_units_case(
        self, city: Database, app_client: TestClient, pk: PartnerKeys, action: str
    ) -> None:
        theirs = _case(city, GAS)
        before = _row(city, theirs)
        body = {"reason": "x", "reply": "x", "note": "x", "department_code": PM}
        assert _post(app_client, pk.pm, theirs, action, **body).status_code == 403
        assert _row(city, theirs) == before

    def test_a_unit_does_not_dispatch_merge_or_callback_even_its_own(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        mine = _case(city, PM)
        for action in ("reassign", "close", "invalidate", "remind", "escalate", "callback"):
            answer = _post(app_client, pk.pm, mine, action, department_code=GAS, resolved=True, reason="x")
            assert answer.status_code == 403, action

    def test_a_partner_key_or_account_is_bound_to_a_unit_outside_government(self, city: Database) -> None:
        from citybrain.auth import accounts, service
        from citybrain.core.errors import InvalidInput, NotFound

        make_unit(city, PM, "property", DEPT_A)
        with city.transaction() as s:
            for role, unit, error in (
                ("partner", None, InvalidInput),
                ("partner", DEPT_A, InvalidInput),  # a government department gets department keys
                ("department", PM, InvalidInput),  # a unit outside government gets partner keys
                ("partner", "nope", NotFound),
                ("operator", PM, InvalidInput),
            ):
                with pytest.raises(error):
                    service.create_api_key(session=s, name="k", role=role, department_code=unit)
                with pytest.raises(error):
                    accounts.create(session=s, username="pm-staff", display_name="物业", role=role,
                                    password="correct horse battery", min_length=10, department_code=unit)  # fmt: skip


class TestSupervisingDepartment:
    def test_it_reads_and_lists_its_units_cases_but_not_another_departments_units(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        pm_case, builder_case = _case(city, PM), _case(city, BUILDER)
        assert app_client.get(f"/api/v1/cases/{pm_case}", headers=pk.keys.dept_a).status_code == 200
        assert app_client.get(f"/api/v1/cases/{builder_case}", headers=pk.keys.dept_a).status_code == 403
        own = app_client.get("/api/v1/cases", headers=pk.keys.dept_a).json()
        assert pm_case not in [c["id"] for c in own["items"]]  # its own queue stays its own
        units = app_client.get("/api/v1/cases", params={"department": PM}, headers=pk.keys.dept_a)
        assert units.status_code == 200
        assert [c["id"] for c in units.json()["items"]] == [pm_case]
        foreign = app_client.get("/api/v1/cases", params={"department": BUILDER}, headers=pk.keys.dept_a)
        assert foreign.status_code == 403

    def test_it_reassigns_between_its_units_and_itself_and_the_clocks_restart(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM)
        moved = _post(app_client, pk.keys.dept_a, case_id, "reassign", department_code=GAS, note="燃气管道问题")
        assert moved.status_code == 200, moved.text
        assert (moved.json()["department_code"], moved.json()["status"]) == (GAS, "dispatched")
        assert app_client.get(f"/api/v1/cases/{case_id}", headers=pk.gas).status_code == 200
        assert app_client.get(f"/api/v1/cases/{case_id}", headers=pk.pm).status_code == 403
        back = _post(app_client, pk.keys.dept_a, case_id, "reassign", department_code=DEPT_A)
        assert back.status_code == 200
        assert back.json()["department_code"] == DEPT_A

    def test_it_may_not_reassign_outside_its_units_nor_handle_for_them(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM)
        before = _row(city, case_id)
        for headers, body in (
            (pk.keys.dept_a, {"department_code": DEPT_B}),  # not one of its units
            (pk.keys.dept_a, {"department_code": BUILDER}),  # another department's unit
            (pk.keys.dept_b, {"department_code": BUILDER}),  # not its unit's case
        ):
            assert _post(app_client, headers, case_id, "reassign", **body).status_code == 403
        assert _post(app_client, pk.keys.dept_a, case_id, "accept").status_code == 403  # the unit signs, not it
        unknown = _post(app_client, pk.keys.dept_a, case_id, "reassign", department_code="nope")
        assert unknown.status_code == 400
        assert _row(city, case_id) == before

    def test_it_reads_the_parts_of_its_units_cases(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM)
        add = app_client.post(f"/api/v1/cases/{case_id}/parts", json={"department_code": GAS}, headers=pk.keys.operator)
        assert add.status_code == 201, add.text
        parts = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.keys.dept_a)
        assert parts.status_code == 200
        assert [p["department_code"] for p in parts.json()["parts"]] == [GAS]
        assert app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.keys.dept_b).status_code == 403
        own_part = app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.gas)
        assert [p["department_code"] for p in own_part.json()["parts"]] == [GAS]
        assert app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.builder).status_code == 403


class TestSignedIn:
    """The session path of authentication binds the same unit and reads the same supervised units as a key."""

    def test_a_signed_in_partner_and_supervisor_see_what_their_keys_see(
        self, city: Database, browser_client: TestClient, pk: PartnerKeys
    ) -> None:
        pm_case, gas_case = _case(city, PM), _case(city, GAS)
        make_user(city, "partner", PM, username="pm-wang")
        make_user(city, "department", DEPT_A, username="roads-li")
        sign_in(browser_client, "pm-wang")
        assert browser_client.get(f"/api/v1/cases/{pm_case}").status_code == 200
        assert browser_client.get(f"/api/v1/cases/{gas_case}").status_code == 403
        assert browser_client.get("/api/v1/me").json()["department_code"] == PM
        browser_client.cookies.clear()
        csrf = sign_in(browser_client, "roads-li")
        assert browser_client.get(f"/api/v1/cases/{gas_case}").status_code == 200  # its unit's case
        moved = browser_client.post(
            f"/api/v1/cases/{gas_case}/reassign", json={"department_code": PM}, headers={"X-CSRF-Token": csrf}
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["department_code"] == PM


class TestPartnerParts:
    def test_a_dispatcher_gives_a_unit_a_part_and_the_unit_acts_on_its_own_part_only(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, DEPT_B)
        add = app_client.post(f"/api/v1/cases/{case_id}/parts", json={"department_code": PM}, headers=pk.keys.operator)
        assert add.status_code == 201, add.text
        part = add.json()
        assert (part["department_code"], part["role"]) == (PM, "assist")
        listed = app_client.get("/api/v1/parts", headers=pk.pm).json()
        assert [p["id"] for p in _items(listed)] == [part["id"]]
        assert _items(app_client.get("/api/v1/parts", headers=pk.gas).json()) == []
        url = f"/api/v1/cases/{case_id}/parts/{part['id']}"
        assert app_client.post(f"{url}/accept", json={}, headers=pk.gas).status_code == 403
        assert app_client.post(f"{url}/accept", json={}, headers=pk.pm).status_code == 200
        replied = app_client.post(f"{url}/reply", json={"reply": "物业已清理管道。"}, headers=pk.pm)
        assert replied.status_code == 200, replied.text
        assert replied.json()["state"] == "replied"
        assert app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.pm).status_code == 200
        assert app_client.get(f"/api/v1/cases/{case_id}/parts", headers=pk.gas).status_code == 403

    def test_a_part_for_a_unit_that_does_not_exist_is_refused_and_writes_nothing(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, DEPT_B)
        before = _row(city, case_id), _parts(city)
        answer = app_client.post(
            f"/api/v1/cases/{case_id}/parts", json={"department_code": "cbt_ghost_pm"}, headers=pk.keys.operator
        )
        assert answer.status_code == 400
        assert "cbt_ghost_pm" in answer.json()["error"]["message"]
        assert (_row(city, case_id), _parts(city)) == before


class TestPartnerPrivacy:
    """A partner sees the address (a plumber must find the door) and nothing else personal: the citizen's name,
    phone and ID number stay masked everywhere it reads, and its unmasked address reads are in the access log."""

    def test_one_case_shows_the_address_and_masks_the_rest(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM, text="楼上漏水，电话13912345678，身份证430104199001011234。")
        case = app_client.get(f"/api/v1/cases/{case_id}", headers=pk.pm).json()
        assert case["address"] == ADDRESS
        assert case["contact"] == {
            "name": "张*", "phone": "138****5678", "email": None, "id_number": None, "masked": True,
        }  # fmt: skip
        assert "13912345678" not in case["text"]
        assert "430104199001011234" not in case["text"]
        listed = app_client.get("/api/v1/cases", headers=pk.pm).json()["items"][0]
        assert listed["address"] == ADDRESS
        assert "13912345678" not in str(listed)
        events = app_client.get(f"/api/v1/cases/{case_id}/events", headers=pk.pm).text
        assert "13812345678" not in events
        assert "13912345678" not in events
        supervisor = app_client.get(f"/api/v1/cases/{case_id}", headers=pk.keys.supervisor).json()
        assert supervisor["address"] != ADDRESS  # a role without see_address still sees it masked
        with city.reading() as session:
            rows = session.query(AccessLogEntry).filter(AccessLogEntry.role == "partner").all()
            logged = {(e.case_id, e.action) for e in rows}
        assert logged == {(case_id, "read")}

    def test_no_phone_search_no_export_and_open311_shows_what_the_public_sees(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM)
        assert app_client.get("/api/v1/cases", params={"phone": "13812345678"}, headers=pk.pm).status_code == 403
        assert app_client.get("/api/v1/cases", params={"q": "13812345678"}, headers=pk.pm).status_code == 403
        export = app_client.get("/api/v1/exports/cases.csv", params={"reason": "核查"}, headers=pk.pm)
        assert export.status_code == 403
        public = app_client.get(f"/open311/v2/requests/{case_id}.json")
        as_partner = app_client.get(f"/open311/v2/requests/{case_id}.json", headers=pk.pm)
        assert public.status_code == as_partner.status_code == 200
        assert as_partner.json() == public.json()
        assert ADDRESS not in as_partner.text

    def test_with_reasons_required_the_address_needs_one_too(
        self, city: Database, app_client: TestClient, pk: PartnerKeys
    ) -> None:
        case_id = _case(city, PM)
        settings = app_client.app.state.settings  # type: ignore[attr-defined]
        original = settings.pii_reason_required
        object.__setattr__(settings, "pii_reason_required", True)
        try:
            bare = app_client.get(f"/api/v1/cases/{case_id}", headers=pk.pm).json()
            reasoned = app_client.get(f"/api/v1/cases/{case_id}", params={"reason": "上门维修"}, headers=pk.pm)
        finally:
            object.__setattr__(settings, "pii_reason_required", original)
        assert bare["address"] == "桃子湖路**号*栋"
        assert reasoned.json()["address"] == ADDRESS


def _time(value: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value)


def _items(answer: Any) -> list[Json]:
    return answer["items"] if isinstance(answer, dict) else answer  # type: ignore[no-any-return]


def _parts(db: Database) -> int:
    with db.reading() as session:
        return session.query(CasePart).count()
