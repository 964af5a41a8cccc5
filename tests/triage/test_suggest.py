"""POST /api/v1/triage/suggest: what intake would decide for a message the operator is typing (nothing written)."""

from __future__ import annotations

from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Case
from tests.conftest import make_key
from tests.triage.conftest import VAGUE, WAGES, AppFactory

URL = "/api/v1/triage/suggest"


def _cases(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_a_clear_message_gets_its_category_with_confidence_and_department(
    make_client: AppFactory, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.5)
    response = client.post(URL, json={"text": WAGES}, headers=operator_headers)
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["model_ready"] is True
    assert (found["category_code"], found["sure"]) == ("labor", True)
    best = found["categories"][0]
    assert (best["code"], best["label"]) == ("labor", "劳动和社会保障")
    assert best["confidence"] >= 0.5
    confidences = [c["confidence"] for c in found["categories"]]
    assert confidences == sorted(confidences, reverse=True)
    assert 1 < len(found["categories"]) <= 3
    assert len({c["code"] for c in found["categories"]}) == len(found["categories"])
    assert found["department"]["code"] == "hrss"
    assert found["threshold"] == 0.5
    assert _cases(db) == 0  # read only


def test_an_unsure_reading_says_so(make_client: AppFactory, operator_headers: dict[str, str]) -> None:
    found = make_client(threshold=0.8).post(URL, json={"text": VAGUE}, headers=operator_headers).json()
    assert found["sure"] is False
    assert found["categories"]
    assert found["categories"][0]["confidence"] < 0.8


def test_the_operators_category_is_routed(make_client: AppFactory, operator_headers: dict[str, str]) -> None:
    body = {"text": WAGES, "category_code": "roads.damage"}
    found = make_client().post(URL, json=body, headers=operator_headers).json()
    assert (found["category_code"], found["sure"], found["categories"]) == ("roads.damage", True, [])
    assert found["department"] is not None


def test_without_a_classifier_the_answer_says_so(make_client: AppFactory, operator_headers: dict[str, str]) -> None:
    found = make_client(model=None).post(URL, json={"text": WAGES}, headers=operator_headers).json()
    assert found["model_ready"] is False
    assert "no model file" in found["model_problem"]
    assert (found["categories"], found["category_code"], found["department"]) == ([], None, None)
    assert found["sure"] is False


def test_an_open_case_saying_the_same_is_a_likely_repeat(
    make_client: AppFactory, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.5)
    text = "朝阳路和解放路路口的红绿灯坏了三天了，早晚高峰非常拥堵，请尽快派人修理。"
    first = client.post("/api/v1/cases", json={"channel": "hotline", "text": text}, headers=operator_headers)
    assert first.status_code == 201
    found = client.post(URL, json={"text": text}, headers=operator_headers).json()
    assert [r["case_id"] for r in found["repeats"]] == [first.json()["id"]]
    assert found["repeats"][0]["similarity"] > 0.9


def test_only_dispatchers_ask(make_client: AppFactory, db: Database) -> None:
    client = make_client()
    assert client.post(URL, json={"text": WAGES}).status_code == 401
    for role, department in (("supervisor", None), ("department", "hrss"), ("app", None)):
        headers = {"X-API-Key": make_key(db, role, department)}
        assert client.post(URL, json={"text": WAGES}, headers=headers).status_code == 403, role
    assert client.post(URL, json={"text": "x", "lat": 100}, headers={"X-API-Key": make_key(db)}).status_code == 422
