"""满意度评价 on the portal over HTTP: only the submitter (follow code), only after the reply, once, as a callback."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import Callback, Case, CaseContact
from citybrain.web import portal_rating
from tests.conftest import make_key
from tests.web.test_portal import GOOD, error, submit

GOOD_RATING = {"resolved": "yes", "satisfaction": "5", "comment": "处理很及时，谢谢"}


def rate(client: TestClient, case_id: str, **form: str) -> httpx.Response:
    return cast(httpx.Response, client.post(f"/portal/requests/{case_id}/rating", data=form))


def act(client: TestClient, staff: dict[str, str], case_id: str, action: str, **body: object) -> None:
    response = client.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=staff)
    assert response.status_code == 200, response.text


def kpi_total(client: TestClient, staff: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/kpis", headers=staff)
    assert response.status_code == 200, response.text
    total: dict[str, Any] = response.json()["total"]
    return total


@pytest.fixture
def staff(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "operator")}


@pytest.fixture
def receipt(portal: TestClient) -> dict[str, str]:
    body: dict[str, str] = submit(portal, **GOOD).json()
    return body


def replied(portal: TestClient, staff: dict[str, str], receipt: dict[str, str]) -> str:
    case_id = receipt["service_request_id"]
    act(portal, staff, case_id, "accept")
    act(portal, staff, case_id, "resolve", reply="已责令工地停止夜间施工。")
    return case_id


class TestFollowCode:
    def test_the_receipt_shows_a_code_and_only_its_hash_is_stored(
        self, portal: TestClient, db: Database, receipt: dict[str, str]
    ) -> None:
        code = receipt["follow_code"]
        assert len(code) == 14
        assert code.count("-") == 2
        assert submit(portal, **GOOD).json()["follow_code"] != code  # one per request
        with db.reading() as session:
            contact = session.get(CaseContact, int(receipt["service_request_id"]))
            assert contact is not None
            assert contact.device_id == portal_rating.code_hash(code)
            assert code not in (contact.device_id or "")
        assert "follow_code" not in portal.get(f"/portal/requests/{receipt['service_request_id']}").text

    def test_a_code_is_read_as_typed_in_lower_case_without_dashes(self) -> None:
        code = portal_rating.new_code()
        assert portal_rating.code_hash(code.lower().replace("-", " ")) == portal_rating.code_hash(code)


class TestRating:
    def test_the_submitter_rates_as_a_callback_counted_in_the_kpis(
        self, portal: TestClient, db: Database, staff: dict[str, str], receipt: dict[str, str]
    ) -> None:
        case_id = replied(portal, staff, receipt)
        before = kpi_total(portal, staff)
        view = portal.get(f"/portal/requests/{case_id}").json()
        assert view["rating"] == {"open": True, "rated": None}
        answer = rate(portal, case_id, code=receipt["follow_code"], **GOOD_RATING)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rating"] == {"open": False, "rated": {"resolved": True, "satisfaction": 5}}
        with db.reading() as session:
            case = session.get(Case, int(case_id))
            assert case is not None
            assert (case.status, case.resolved, case.satisfaction) == ("closed", True, 5)
            assert case.callback_at is not None
            (callback,) = session.query(Callback).filter_by(case_id=int(case_id)).all()
            assert (callback.actor, callback.note) == (portal_rating.ACTOR, "处理很及时，谢谢")
        after = kpi_total(portal, staff)
        assert after["callbacks"] == before["callbacks"] + 1
        assert after["closed"] == before["closed"] + 1
        assert after["satisfaction_rate"] == 1.0
        assert before["satisfaction_rate"] is None
        view = portal.get(f"/portal/requests/{case_id}").json()
        assert [s["action"] for s in view["timeline"]][-2:] == ["callback", "close"]
        assert view["timeline"][-2]["detail"]["en"] == "the citizen said it was resolved"
        assert view["rating"] == {"open": False, "rated": {"resolved": True, "satisfaction": 5}}
        assert view["status"]["code"] == "closed"

    def test_not_solved_sends_it_back_to_the_department(
        self, portal: TestClient, db: Database, staff: dict[str, str], receipt: dict[str, str]
    ) -> None:
        case_id = replied(portal, staff, receipt)
        answer = rate(portal, case_id, code=receipt["follow_code"], resolved="no", satisfaction="2")
        assert answer.status_code == 200, answer.text
        assert "goes back to the department" in answer.json()["notice"]["en"]
        view = portal.get(f"/portal/requests/{case_id}").json()
        assert view["status"]["code"] == "dispatched"
        assert view["timeline"][-2]["detail"]["en"] == "the citizen said it was not resolved"
        assert error(rate(portal, case_id, code=receipt["follow_code"], **GOOD_RATING))[0] == "already_rated"
        act(portal, staff, case_id, "accept")
        act(portal, staff, case_id, "resolve", reply="已再次处理。")  # a new reply: it may be rated again
        assert rate(portal, case_id, code=receipt["follow_code"], **GOOD_RATING).status_code == 200

    def test_a_wrong_or_missing_code_is_refused_and_nothing_is_written(
        self, portal: TestClient, db: Database, staff: dict[str, str], receipt: dict[str, str]
    ) -> None:
        case_id = replied(portal, staff, receipt)
        other = submit(portal, **GOOD).json()["follow_code"]  # a real code, of another request
        wrong = rate(portal, case_id, code=other, **GOOD_RATING)
        assert wrong.status_code == 403
        code, message = error(wrong)
        assert code == "wrong_follow_code"
        assert message.startswith("查询码不正确")
        assert "only the person who submitted" in message
        assert rate(portal, case_id, **GOOD_RATING).status_code == 400
        assert error(rate(portal, "987654", code=other, **GOOD_RATING))[0] == "request_not_found"
        with db.reading() as session:
            case = session.get(Case, int(case_id))
            assert case is not None
            assert (case.status, case.callback_at) == ("resolved", None)

    def test_before_the_reply_and_twice_are_409_in_both_languages(
        self, portal: TestClient, staff: dict[str, str], receipt: dict[str, str]
    ) -> None:
        case_id, code = receipt["service_request_id"], receipt["follow_code"]
        early = rate(portal, case_id, code=code, **GOOD_RATING)
        assert early.status_code == 409
        assert error(early) == (
            "not_replied",
            "承办部门答复后才能评价 / You can rate the request once the department has replied.",
        )
        assert portal.get(f"/portal/requests/{case_id}").json()["rating"] == {"open": False, "rated": None}
        replied(portal, staff, receipt)
        assert rate(portal, case_id, code=code, **GOOD_RATING).status_code == 200
        twice = rate(portal, case_id, code=code, resolved="no", satisfaction="1")
        assert twice.status_code == 409
        assert error(twice)[0] == "already_rated"
        assert "已经评价过" in error(twice)[1]
        assert "already been rated" in error(twice)[1]

    @pytest.mark.parametrize(
        "form",
        [
            {"resolved": "maybe", "satisfaction": "5"},
            {"resolved": "yes", "satisfaction": "6"},
            {"resolved": "yes", "satisfaction": "0"},
            {"resolved": "yes", "satisfaction": "5", "comment": "长" * 501},
        ],
    )
    def test_a_bad_verdict_is_400(
        self, portal: TestClient, staff: dict[str, str], receipt: dict[str, str], form: dict[str, str]
    ) -> None:
        case_id = replied(portal, staff, receipt)
        answer = rate(portal, case_id, code=receipt["follow_code"], **form)
        assert answer.status_code == 400
        assert error(answer)[0] == "invalid_rating"
        assert portal.get(f"/portal/requests/{case_id}").json()["rating"]["open"] is True

    def test_wrong_codes_use_up_the_limit_but_refusals_do_not(
        self, portal: TestClient, staff: dict[str, str], receipt: dict[str, str]
    ) -> None:
        case_id = replied(portal, staff, receipt)
        limiter = portal.app.state.portal_voices_limiter  # type: ignore[attr-defined]
        limiter.limit = 3
        assert rate(portal, case_id, code=receipt["follow_code"], resolved="x").status_code == 400  # given back
        for _ in range(3):
            assert rate(portal, case_id, code="AAAA-BBBB-CCCC", **GOOD_RATING).status_code == 403
        blocked = rate(portal, case_id, code=receipt["follow_code"], **GOOD_RATING)
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"]
