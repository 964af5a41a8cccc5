"""群众所思所想 over HTTP: GET /api/v1/insight/topics and the cockpit board's topics, from the latest stored run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.insight.topics import run_topics
from citybrain.simulate.load import load_city
from tests.conftest import make_key

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        load_city(session, seed=3, days=75, cases_per_day=12, now=NOW - timedelta(minutes=1))
    return db


def test_no_run_yet_is_404_and_the_board_says_none(city: Database, app_client: TestClient) -> None:
    headers = {"X-API-Key": make_key(city, "supervisor")}
    response = app_client.get("/api/v1/insight/topics", headers=headers)
    assert response.status_code == 404
    assert "citybrain analyze" in response.text
    assert app_client.get("/api/v1/cockpit/board", headers=headers).json()["topics"] is None


def test_the_latest_run_as_the_panel_reads_it(city: Database, app_client: TestClient) -> None:
    with clock.frozen(NOW):
        document, run_id = run_topics(city, days=120)
    headers = {"X-API-Key": make_key(city, "supervisor")}
    response = app_client.get("/api/v1/insight/topics", headers=headers)
    assert response.status_code == 200, response.text
    panel = response.json()
    assert panel["run_id"] == run_id
    assert panel["months"] == ["2025-12", "2026-01", "2026-02", "2026-03"]  # 75 days before 1 March, city time
    assert panel["month"] == "2026-03"
    assert len(panel["topics"]) == len(document["topics"]) == 12
    for shown, stored in zip(panel["topics"], document["topics"], strict=True):
        assert shown["terms"] == stored["terms"][:6]
        assert shown["shares"] == stored["shares"]
        assert len(shown["shares"]) == 4
        assert shown["explanation"]["zh"]
        assert "members" not in shown  # no message text on the screen
    assert panel["rising"] == document["rising"]
    board = app_client.get("/api/v1/cockpit/board", headers=headers).json()
    assert board["topics"] == panel


def test_who_may_read_the_topics(city: Database, app_client: TestClient) -> None:
    with clock.frozen(NOW):
        run_topics(city, days=120)
    assert app_client.get("/api/v1/insight/topics").status_code == 401
    assert app_client.get("/api/v1/insight/topics", headers={"X-API-Key": make_key(city, "app")}).status_code == 403
    every = app_client.get("/api/v1/insight/topics", headers={"X-API-Key": make_key(city, "analyst")}).json()
    own = app_client.get("/api/v1/insight/topics", headers={"X-API-Key": make_key(city, "department", "housing")})
    assert own.status_code == 200
    # a department's key sees the topics one of whose example cases is its own, no others
    assert len(own.json()["topics"]) < len(every["topics"])
