"""The human dispatch queue (人工派单) and suggestions: a person decides, the model learns, nothing merges by itself."""

from __future__ import annotations

from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case
from citybrain.nlp.service import corrections_path
from citybrain.triage import learning
from tests.triage.conftest import VAGUE, AppFactory, case_of, post

#: Two citizens reporting the same broken street light in different words, minutes apart, at the same place.
LIGHT = "幸福路88号门口的路灯已经坏了三天，晚上一片漆黑，行人很不安全，请尽快修理。"
LIGHT_AGAIN = "幸福路88号门口路灯坏了三天了，晚上一片漆黑，行人不安全，请尽快派人修理！"


def test_the_queue_lists_held_cases_masked_and_an_operator_dispatches_one(
    make_client: AppFactory, app_key: str, db: Database, settings: Settings, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    page = client.get("/api/v1/triage/queue", headers=operator_headers).json()
    assert [item["id"] for item in page["items"]] == [held.id]
    item = page["items"][0]
    assert "13812345678" not in item["text"]  # masked: 138****5678
    assert item["triage"]["review"] == ["category"]

    stale = client.post(
        f"/api/v1/triage/queue/{held.id}/dispatch",
        json={"category_code": "labor.wages", "version": held.version + 1},
        headers=operator_headers,
    )
    assert stale.status_code == 409
    response = client.post(
        f"/api/v1/triage/queue/{held.id}/dispatch",
        json={"category_code": "labor.wages", "version": held.version},
        headers=operator_headers,
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["status"] == "dispatched"
    assert out["department_code"] == "hrss"
    assert out["correction_recorded"] is True
    with db.reading() as s:
        case = s.get(Case, held.id)
        assert case is not None
        assert case.needs_review is False
        assert case.category_code == "labor.wages"
        assert case.triage is not None
        assert case.triage["decided"]["category"] == "labor.wages"
    assert client.get("/api/v1/triage/queue", headers=operator_headers).json()["total"] == 0
    with db.reading() as s:
        mine = [e for e in learning.examples(s) if e.case_id == held.id]
    assert len(mine) == 1
    assert mine[0].label == "劳动和社会保障"  # the model's own label for labor.wages' first level
    assert "我想反映一个情况" in mine[0].text
    assert not corrections_path(settings.data_dir).exists()  # the desk's decisions live in the database
    again = client.post(
        f"/api/v1/triage/queue/{held.id}/dispatch", json={"category_code": "labor.wages"}, headers=operator_headers
    )
    assert again.status_code == 409


def test_dispatch_from_the_queue_refuses_an_unknown_category(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    response = client.post(
        f"/api/v1/triage/queue/{held.id}/dispatch", json={"category_code": "no.such"}, headers=operator_headers
    )
    assert response.status_code == 400
    assert "no.such" in response.json()["error"]["message"]


def test_the_queue_needs_a_dispatcher(make_client: AppFactory, app_key: str, db: Database) -> None:
    from tests.conftest import make_key

    client = make_client()
    assert client.get("/api/v1/triage/queue").status_code == 401
    assert client.get("/api/v1/triage/queue", headers={"X-API-Key": make_key(db, "app")}).status_code == 403


def test_a_near_repeat_is_suggested_with_evidence_and_not_merged_until_accepted(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client()
    first = case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT))
    second = case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT_AGAIN))
    assert second.status == "dispatched"
    assert second.duplicate_of is None  # never merged silently
    assert second.triage is not None
    assert second.triage["repeats"]["candidates"] == [first.id]

    suggestions = client.get(f"/api/v1/cases/{second.id}/suggestions", headers=operator_headers).json()
    (dup,) = [s for s in suggestions if s["kind"] == "duplicate"]
    assert dup["target_case_id"] == first.id
    assert dup["status"] == "open"
    assert dup["score"] >= 0.3
    evidence = dup["evidence"]
    assert "幸福路#号门口" in evidence["shared"]  # a run of digits shows as #
    assert evidence["distance_m"] == 0.0
    assert evidence["days_apart"] < 1

    stale = client.post(
        f"/api/v1/suggestions/{dup['id']}/accept", json={"version": second.version + 5}, headers=operator_headers
    )
    assert stale.status_code == 409
    accepted = client.post(
        f"/api/v1/suggestions/{dup['id']}/accept", json={"version": second.version}, headers=operator_headers
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    with db.reading() as s:
        merged = s.get(Case, second.id)
        assert merged is not None
        assert merged.status == "merged"
        assert merged.duplicate_of == first.id
    twice = client.post(f"/api/v1/suggestions/{dup['id']}/accept", json={}, headers=operator_headers)
    assert twice.status_code == 409


def test_a_dismissed_repeat_stays_a_case_of_its_own(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client()
    case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT))
    second = case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT_AGAIN))
    (dup,) = client.get(f"/api/v1/cases/{second.id}/suggestions", headers=operator_headers).json()
    response = client.post(f"/api/v1/suggestions/{dup['id']}/dismiss", headers=operator_headers)
    assert response.json()["status"] == "dismissed"
    with db.reading() as s:
        assert s.scalar(select(Case.status).where(Case.id == second.id)) == "dispatched"


def test_a_different_message_at_the_same_place_is_not_a_repeat(
    make_client: AppFactory, app_key: str, db: Database
) -> None:
    client = make_client()
    case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT))
    other = case_of(db, post(client, app_key, service_code="sanitation.garbage", description="小区垃圾桶满了没人清运"))
    assert other.triage is not None
    assert other.triage["repeats"]["candidates"] == []


def test_accepting_the_models_category_guess_dispatches_the_queued_case(
    make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str]
) -> None:
    client = make_client(threshold=0.8)
    held = case_of(db, post(client, app_key, description=VAGUE))
    (guess,) = client.get(f"/api/v1/cases/{held.id}/suggestions", headers=operator_headers).json()
    assert guess["kind"] == "category"
    response = client.post(
        f"/api/v1/suggestions/{guess['id']}/accept", json={"version": held.version}, headers=operator_headers
    )
    assert response.status_code == 200, response.text
    with db.reading() as s:
        case = s.get(Case, held.id)
        assert case is not None
        assert case.status == "dispatched"
        assert case.category_code == guess["evidence"]["code"]


def test_another_subject_at_the_same_address_is_not_a_repeat_but_a_near_copy_is(
    make_client: AppFactory, app_key: str, db: Database
) -> None:
    client = make_client()
    first = case_of(db, post(client, app_key, service_code="roads.lighting", description=LIGHT))
    garbage = "幸福路88号门口的垃圾桶已经满了三天，晚上一片狼藉，行人很不安全，请尽快清运。"  # similarity 0.4
    other = case_of(db, post(client, app_key, service_code="sanitation.garbage", description=garbage))
    assert other.triage is not None
    assert other.triage["repeats"]["candidates"] == []
    copy = case_of(db, post(client, app_key, service_code="sanitation.street_cleaning", description=LIGHT))
    assert copy.triage is not None
    assert copy.triage["repeats"]["candidates"][0] == first.id  # the identical text first
