"""Every new case is read at intake: classified, checked for repeats, dispatched or queued — with the reasons."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.models import Case, Department
from citybrain.models.triage import CaseSuggestion
from tests.conftest import make_key
from tests.triage.conftest import SCHOOL, VAGUE, WAGES, AppFactory, case_of, post


def department_code(db: Database, case: Case) -> str | None:
    if case.department_id is None:
        return None
    with db.reading() as s:
        return s.scalar(select(Department.code).where(Department.id == case.department_id))


class TestOpen311:
    def test_an_unlabelled_description_is_classified_and_dispatched_with_reasons(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client(threshold=0.5)
        case = case_of(db, post(client, app_key, description=WAGES))
        assert case.category_code == "labor"
        assert case.status == "dispatched"
        assert department_code(db, case) == "hrss"
        assert case.needs_review is False
        reasons = case.triage
        assert reasons is not None
        assert reasons["category"]["source"] == "model"
        assert reasons["category"]["label"] == "劳动和社会保障"
        assert reasons["category"]["confidence"] >= 0.5
        assert reasons["route"]["department"] == "hrss"
        assert reasons["repeats"]["checked"] is True
        assert reasons["review"] == []

    def test_the_citizens_service_code_wins_over_the_model(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client()
        case = case_of(db, post(client, app_key, service_code="roads.damage", description=WAGES))
        assert case.category_code == "roads.damage"
        assert case.triage is not None
        assert case.triage["category"] == {"source": "citizen", "code": "roads.damage"}

    def test_a_low_confidence_reading_waits_in_the_queue_without_a_department(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client(threshold=0.8)
        case = case_of(db, post(client, app_key, description=VAGUE))
        assert case.status == "received"
        assert case.needs_review is True
        assert case.department_id is None
        assert case.category_code is None
        assert case.triage is not None
        assert case.triage["review"] == ["category"]
        assert case.triage["category"]["confidence"] < 0.8
        assert case.triage["category"]["threshold"] == 0.8
        with db.reading() as s:
            (suggestion,) = s.scalars(select(CaseSuggestion).where(CaseSuggestion.case_id == case.id)).all()
            assert suggestion.kind == "category"
            assert suggestion.evidence["label"] == case.triage["category"]["label"]
            assert suggestion.status == "open"

    def test_the_threshold_is_the_citys_choice(self, make_client: AppFactory, app_key: str, db: Database) -> None:
        strict = make_client(threshold=0.99999)  # this city trusts the model only when it is all but certain
        case = case_of(db, post(strict, app_key, description=SCHOOL))
        assert case.needs_review is True
        answer = post(strict, app_key, description=SCHOOL).json()[0]
        assert "等待派单" in answer["service_notice"]


class TestNoModel:
    def test_a_service_code_is_still_routed_and_the_reasons_say_no_model(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client(model=None)
        case = case_of(db, post(client, app_key, service_code="roads.damage", description="路面塌陷"))
        assert case.status == "dispatched"
        assert case.triage is not None
        assert case.triage["category"]["source"] == "citizen"

    def test_without_a_model_open311_still_needs_a_service_code(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client(model=None)
        response = post(client, app_key, description=WAGES)
        assert response.status_code == 400
        assert "service_code was not provided" in response.text

    def test_the_staff_api_queues_an_unlabelled_case_saying_no_model(
        self, make_client: AppFactory, db: Database, operator_headers: dict[str, str]
    ) -> None:
        client = make_client(model=None)
        response = client.post("/api/v1/cases", json={"channel": "hotline", "text": WAGES}, headers=operator_headers)
        assert response.status_code == 201, response.text
        with db.reading() as s:
            case = s.get(Case, response.json()["id"])
            assert case is not None
            assert case.needs_review is True
            assert case.triage is not None
            assert "no model" in case.triage["category"]["why"]

    def test_a_model_file_of_another_kind_is_reported_not_fatal(
        self, make_client: AppFactory, app_key: str, db: Database, tmp_path: Path
    ) -> None:
        bogus = tmp_path / "model.npz"
        bogus.write_bytes(b"not a model at all")
        client = make_client(model=bogus)
        case = case_of(db, post(client, app_key, service_code="roads.damage", description="路面塌陷"))
        assert case.status == "dispatched"
        response = client.post(
            "/api/v1/cases", json={"channel": "web", "text": WAGES}, headers={"X-API-Key": make_key(db)}
        )
        with db.reading() as s:
            queued = s.get(Case, response.json()["id"])
            assert queued is not None
            assert queued.needs_review is True
            assert queued.triage is not None
            assert "not a CityBrain classifier model file" in queued.triage["category"]["problem"]


class TestStaffApi:
    def test_a_hotline_transcript_without_category_is_classified_through_the_orm_path(
        self, make_client: AppFactory, db: Database, operator_headers: dict[str, str]
    ) -> None:
        client = make_client(threshold=0.5)
        response = client.post("/api/v1/cases", json={"channel": "hotline", "text": WAGES}, headers=operator_headers)
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["category_code"] == "labor"
        assert created["status"] == "dispatched"
        assert created["department_code"] == "hrss"


class TestCaseDetail:
    def test_staff_read_why_intake_routed_a_case_and_the_queue_flag_in_its_detail(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client(threshold=0.8)
        routed = case_of(db, post(client, app_key, description=WAGES))
        queued = case_of(db, post(client, app_key, description=VAGUE))
        headers = {"X-API-Key": make_key(db, "operator")}
        routed_detail = client.get(f"/api/v1/cases/{routed.id}", headers=headers).json()
        queued_detail = client.get(f"/api/v1/cases/{queued.id}", headers=headers).json()
        assert routed_detail["needs_review"] is False
        assert routed_detail["triage"] == routed.triage
        assert routed_detail["triage"]["route"]["department"] == "hrss"
        assert queued_detail["needs_review"] is True
        assert queued_detail["triage"]["review"] == ["category"]

    def test_roles_without_personal_data_see_the_reasons_masked(
        self, make_client: AppFactory, app_key: str, db: Database
    ) -> None:
        client = make_client()
        case = case_of(db, post(client, app_key, description=WAGES))
        with db.transaction() as s:  # evidence quoting the citizen's words, as place evidence does
            row = s.get(Case, case.id)
            assert row is not None
            row.triage = {**(row.triage or {}), "place": {"evidence": ["联系电话13912345678"]}}
        supervisor = client.get(f"/api/v1/cases/{case.id}", headers={"X-API-Key": make_key(db, "supervisor")})
        operator = client.get(f"/api/v1/cases/{case.id}", headers={"X-API-Key": make_key(db, "operator")})
        assert supervisor.status_code == 200
        assert "13912345678" not in supervisor.text
        assert case.triage is not None
        assert supervisor.json()["triage"]["category"] == case.triage["category"]  # labels and numbers stay
        assert operator.json()["triage"]["place"]["evidence"] == ["联系电话13912345678"]
