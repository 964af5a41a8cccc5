"""Learning from the desk: a dispatcher's decision on a queued case is a labelled example for `classify retrain`
— confirmations as well as changes — until it is reversed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from citybrain.cases import service as cases_service
from citybrain.core.db import Database
from citybrain.models import Case
from citybrain.triage import learning
from citybrain.triage.queue import Correction
from tests.triage.conftest import VAGUE, AppFactory, case_of, post


def _decide(client: TestClient, case: Case, code: str, headers: dict[str, str]) -> None:
    response = client.post(
        f"/api/v1/triage/queue/{case.id}/dispatch",
        json={"category_code": code, "version": case.version},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["correction_recorded"] is True


def test_a_desk_decision_becomes_an_example_with_who_when_and_case(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    _decide(client, held, "education", operator_headers)
    with db.reading() as s:
        (example,) = learning.examples(s)
    assert example.case_id == held.id
    assert example.label == "教育文体"  # the running model's label for the category chosen
    assert "我想反映一个情况" in example.text
    assert example.decided_by  # the operator's key name
    assert example.decided_at.startswith("20")


def test_confirming_the_models_guess_is_an_example_too(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    (guess,) = client.get(f"/api/v1/cases/{held.id}/suggestions", headers=operator_headers).json()
    accepted = client.post(
        f"/api/v1/suggestions/{guess['id']}/accept", json={"version": held.version}, headers=operator_headers
    )
    assert accepted.status_code == 200, accepted.text
    with db.reading() as s:
        (example,) = learning.examples(s)
    assert example.case_id == held.id
    assert example.label == guess["evidence"]["label"]


def test_a_decision_sent_back_by_the_department_no_longer_teaches(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    kept = case_of(db, post(client, app_key, description=VAGUE))
    sent_back = case_of(db, post(client, app_key, description=VAGUE + "（第二次反映）"))
    _decide(client, kept, "education", operator_headers)
    _decide(client, sent_back, "labor.wages", operator_headers)
    with db.transaction() as s:
        case = cases_service.get_case(session=s, case_id=sent_back.id)
        cases_service.reject(session=s, case=case, actor="hrss", reason="非本单位职责 not ours")  # 退单
    with db.reading() as s:
        assert [e.case_id for e in learning.examples(s)] == [kept.id]


def test_a_decision_on_a_case_found_invalid_no_longer_teaches(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    _decide(client, held, "education", operator_headers)
    with db.transaction() as s:
        case = cases_service.get_case(session=s, case_id=held.id)
        cases_service.invalidate(session=s, case=case, actor="op", reason="测试 test message")
    with db.reading() as s:
        assert learning.examples(s) == []


def test_only_the_latest_decision_on_a_case_teaches_and_only_while_the_category_stands(
    make_client: AppFactory, app_key: str, db: Database
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    with db.transaction() as s:
        case = cases_service.get_case(session=s, case_id=held.id)
        case.category_code = "labor.wages"
        learning.record(s, case, Correction(VAGUE, "劳动和社会保障", f"case-{case.id}"), "first")
        case.category_code = "education"  # a second person decides otherwise: the first decision is reversed
        learning.record(s, case, Correction(VAGUE, "教育文体", f"case-{case.id}"), "second")
    with db.reading() as s:
        (example,) = learning.examples(s)
    assert (example.label, example.decided_by) == ("教育文体", "second")
    with db.transaction() as s:
        cases_service.get_case(session=s, case_id=held.id).category_code = "health"  # changed since: reversed
    with db.reading() as s:
        assert learning.examples(s) == []
