"""The staff case list counts up to CITYBRAIN_CASE_LIST_COUNT_LIMIT and then says "more than" (total_exact false):
at a megacity's scale counting every closed case cost more than the page (bench/pg_scale.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from citybrain.cases import repository
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.cases.conftest import make_case
from tests.conftest import make_key

CASES = 7


def _listed(db: Database, settings: Settings, limit_setting: int, **params: Any) -> dict[str, Any]:
    with db.transaction() as session:
        present = repository.count_cases(session, repository.CaseQuery())[0]
        for _ in range(CASES - present):
            make_case(session)
    app = create_app(settings.model_copy(update={"case_list_count_limit": limit_setting}), database=db)
    with TestClient(app) as client:
        answer = client.get("/api/v1/cases", params=params, headers={"X-API-Key": make_key(db, "operator")})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_below_the_limit_the_total_is_exact(city: Database, settings: Settings) -> None:
    body = _listed(city, settings, 10, limit=2)
    assert (body["total"], body["total_exact"]) == (CASES, True)
    assert len(body["items"]) == 2


def test_past_the_limit_the_total_is_the_limit_and_not_exact(city: Database, settings: Settings) -> None:
    body = _listed(city, settings, 3, limit=2)
    assert (body["total"], body["total_exact"]) == (3, False)
    assert len(body["items"]) == 2


def test_the_count_never_stops_short_of_the_page_asked_for(city: Database, settings: Settings) -> None:
    body = _listed(city, settings, 3, limit=2, offset=3)
    assert (body["total"], body["total_exact"]) == (5, False)  # offset + limit, and more match
    assert len(body["items"]) == 2
    last = _listed(city, settings, 3, limit=2, offset=6)
    assert (last["total"], last["total_exact"]) == (CASES, True)  # the last page counts them all
    assert len(last["items"]) == 1


def test_zero_counts_them_all(city: Database, settings: Settings) -> None:
    body = _listed(city, settings, 0, limit=1)
    assert (body["total"], body["total_exact"]) == (CASES, True)


def test_the_capped_count_agrees_with_the_full_one_on_each_filter(city: Database) -> None:
    with city.transaction() as session:
        for i in range(CASES):
            make_case(session, department=None if i % 3 == 0 else "cbt_roads", channel="web" if i % 2 else "hotline")
    queries = [repository.CaseQuery(), repository.CaseQuery(open_only=True), repository.CaseQuery(channel="web"),
               repository.CaseQuery(status="received"), repository.CaseQuery(channel="app")]  # fmt: skip
    with city.reading() as session:
        for query in queries:
            full, exact = repository.count_cases(session, query)
            assert exact
            assert repository.count_cases(session, query, up_to=full) == (full, True)
            assert repository.count_cases(session, query, up_to=full + 5) == (full, True)
            if full:
                assert repository.count_cases(session, query, up_to=full - 1) == (full - 1, False)
