"""Searching the staff case list (GET /api/v1/cases): by number, words, place and phone, request type, open only.

The call-taker's lookups: a citizen calls again and gives the case number or their phone number, or describes the
problem. Phone numbers are personal data: a role that sees them masked may not search by them.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.cases import service
from citybrain.cases.lifecycle import FINAL_STATES, OPEN_STATES, Status
from citybrain.cases.schemas import ActionIn
from citybrain.core.db import Database
from tests.cases.conftest import DEPT_B, Keys, new_case_id

BASE = "/api/v1/cases"


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    response = client.get(BASE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def three(city: Database, keys: Keys) -> tuple[int, int, int]:
    """A lamp case, a leak at an address with another caller, and a 50%-discount case of another department."""
    lamp = new_case_id(city, phone="13812345678")
    leak = new_case_id(
        city, text="楼上漏水 Water LEAK upstairs", phone="+86 139-1234-5678", address="桃子湖路12号", channel="hotline"
    )
    sale = new_case_id(city, text="商场打折50%_活动噪音", phone=None, department=DEPT_B)
    return lamp, leak, sale


class TestSearch:
    def test_by_case_number(self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]) -> None:
        lamp, leak, sale = three
        assert _ids(app_client, keys.operator, q=str(leak)) == [leak]
        assert _ids(app_client, keys.operator, q=f"#{lamp}") == [lamp]
        assert _ids(app_client, keys.operator, q="0") == []  # a number is a case number, not words ("50%" in text)
        assert _ids(app_client, keys.operator, q="99999999999") == []  # past any id: no case, no error
        assert _ids(app_client, keys.operator, q="50%") == [sale]

    def test_by_words_in_any_case(self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]) -> None:
        _, leak, sale = three
        assert _ids(app_client, keys.operator, q="漏水") == [leak]
        assert _ids(app_client, keys.operator, q="water leak") == [leak]
        assert _ids(app_client, keys.operator, q="50%_") == [sale]  # % and _ are letters, not wildcards
        assert _ids(app_client, keys.operator, q="0%") == [sale]
        assert _ids(app_client, keys.operator, q="没有这样的话") == []

    def test_by_place(self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]) -> None:
        assert _ids(app_client, keys.operator, q="桃子湖路") == [three[1]]

    def test_by_phone_however_it_was_written(
        self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]
    ) -> None:
        lamp, leak, _ = three
        assert _ids(app_client, keys.operator, phone="13912345678") == [leak]  # stored as "+86 139-1234-5678"
        assert _ids(app_client, keys.operator, phone="+86 138 1234 5678") == [lamp]
        assert _ids(app_client, keys.admin, phone="139-1234-5678") == [leak]
        assert _ids(app_client, keys.operator, phone="13700000000") == []

    def test_a_department_finds_callers_of_its_own_cases_only(
        self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]
    ) -> None:
        assert _ids(app_client, keys.dept_a, phone="13912345678") == [three[1]]
        assert _ids(app_client, keys.dept_b, phone="13912345678") == []

    def test_a_role_that_sees_phones_masked_may_not_search_by_them(
        self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]
    ) -> None:
        for params in ({"phone": "13912345678"}, {"q": "13912345678"}, {"q": "139 1234 5678"}):
            r = app_client.get(BASE, params=params, headers=keys.supervisor)
            assert r.status_code == 403, params
            assert "personal data" in r.json()["error"]["message"]
        listed = app_client.get(BASE, params={"q": "漏水"}, headers=keys.supervisor).json()["items"]
        assert [c["id"] for c in listed] == [three[1]]  # words are fine, and the answer stays masked
        assert listed[0]["address"] == "桃子湖路**号"

    def test_a_short_phone_is_refused(self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]) -> None:
        r = app_client.get(BASE, params={"phone": "5678"}, headers=keys.operator)
        assert r.status_code == 400
        assert "at least 7 digits" in r.json()["error"]["message"]


class TestFilters:
    def test_open_only_leaves_out_closed_and_invalid_cases(
        self, app_client: TestClient, city: Database, keys: Keys, three: tuple[int, int, int]
    ) -> None:
        lamp, leak, sale = three
        with city.transaction() as session:
            case = service.get_case(session=session, case_id=leak)
            service.apply(session=session, case=case, action="invalidate", actor="t", body=ActionIn(reason="spam"))
        assert sorted(_ids(app_client, keys.operator)) == sorted([lamp, leak, sale])
        assert sorted(_ids(app_client, keys.operator, open="true")) == sorted([lamp, sale])

    def test_open_pages_and_total_count_the_same_cases(
        self, app_client: TestClient, city: Database, keys: Keys, three: tuple[int, int, int]
    ) -> None:
        """The open page is read as "not ended" (the created_at index), its total as "open": the two must agree."""
        assert OPEN_STATES | FINAL_STATES == set(Status)
        assert not OPEN_STATES & FINAL_STATES
        lamp, leak, sale = three
        with city.transaction() as session:
            case = service.get_case(session=session, case_id=leak)
            service.apply(session=session, case=case, action="invalidate", actor="t", body=ActionIn(reason="spam"))
        pages = [
            app_client.get(BASE, params={"open": "true", "limit": 1, "offset": o}, headers=keys.operator).json()
            for o in range(3)
        ]
        assert [p["total"] for p in pages] == [2, 2, 2]
        assert sorted(i["id"] for p in pages for i in p["items"]) == sorted([lamp, sale])

    def test_request_type_in_chinese_or_english(self, app_client: TestClient, keys: Keys) -> None:
        body = {"channel": "walk_in", "request_type": "求助", "text": "老人走失，请帮忙寻找。"}
        created = app_client.post(BASE, json=body, headers=keys.operator).json()["id"]
        new_case_id_other = app_client.post(BASE, json={**body, "request_type": "建议"}, headers=keys.operator)
        assert new_case_id_other.status_code == 201
        assert _ids(app_client, keys.operator, request_type="求助") == [created]
        assert _ids(app_client, keys.operator, request_type="help") == [created]
        assert _ids(app_client, keys.operator, request_type="help", channel="walk_in", q="走失") == [created]
        r = app_client.get(BASE, params={"request_type": "gossip"}, headers=keys.operator)
        assert r.status_code == 400
        assert "unknown request_type" in r.json()["error"]["message"]

    def test_filters_combine(self, app_client: TestClient, keys: Keys, three: tuple[int, int, int]) -> None:
        lamp, leak, _ = three
        assert _ids(app_client, keys.operator, channel="hotline") == [leak]
        assert _ids(app_client, keys.operator, channel="web", q="修理") == [lamp]
        assert _ids(app_client, keys.operator, category="cbt", department=DEPT_B) == [three[2]]
