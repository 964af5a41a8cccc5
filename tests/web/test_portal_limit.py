"""The portal's submission limit over HTTP (CITYBRAIN_PORTAL_SUBMITS_PER_HOUR), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from citybrain.web.portal_service import too_many_submissions
from tests.conftest import make_key
from tests.web.conftest import portal_settings
from tests.web.test_portal import GOOD, case_count, error, submit

LIMIT = 3
CITIZEN = ("203.0.113.7", 50000)
NEIGHBOUR = ("198.51.100.9", 50000)


def limited_app(db: Database, settings: Settings, portal_key: str, per_hour: int) -> FastAPI:
    configured = portal_settings(settings, portal_key).model_copy(update={"portal_submits_per_hour": per_hour})
    return create_app(configured, database=db)


@pytest.fixture
def portal_key(db: Database) -> str:
    return make_key(db, "app")


@pytest.fixture
def app(db: Database, settings: Settings, portal_key: str) -> FastAPI:
    return limited_app(db, settings, portal_key, LIMIT)


@pytest.fixture
def citizen(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=CITIZEN) as client:  # runs the app's lifespan: the intake writer
        yield client


def test_the_default_is_twenty_an_hour() -> None:
    assert Settings().portal_submits_per_hour == 20


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (1, "请 1 分钟后再试", "in 1 minute."),
        (60, "请 1 分钟后再试", "in 1 minute."),
        (61, "请 2 分钟后再试", "in 2 minutes."),
    ],
)
def test_the_wait_is_said_in_whole_minutes_rounded_up(seconds: int, zh: str, en: str) -> None:
    refusal = too_many_submissions(seconds)
    assert (refusal.status_code, refusal.retry_after) == (429, seconds)
    assert zh in refusal.message
    assert refusal.message.endswith(en)


class TestSubmissionLimit:
    def test_past_the_limit_429_with_retry_after_and_nothing_written(self, citizen: TestClient, db: Database) -> None:
        for _ in range(LIMIT):
            assert submit(citizen, **GOOD).status_code == 201
        refused = submit(citizen, **GOOD)
        assert refused.status_code == 429
        assert 3500 < int(refused.headers["Retry-After"]) <= 3600  # the first of the hour leaves in about an hour
        code, message = error(refused)
        assert code == "too_many_submissions"
        assert message.startswith("提交过于频繁，请 60 分钟后再试 / Too many submissions from this address")
        assert "try again in 60 minutes" in message
        assert case_count(db) == LIMIT

    def test_another_address_is_unaffected(self, app: FastAPI, citizen: TestClient, db: Database) -> None:
        for _ in range(LIMIT + 1):
            submit(citizen, **GOOD)
        neighbour = TestClient(app, client=NEIGHBOUR)  # the same app and limiter, another peer address
        assert submit(neighbour, **GOOD).status_code == 201
        assert submit(citizen, **GOOD).status_code == 429
        assert case_count(db) == LIMIT + 1

    def test_an_x_forwarded_for_header_does_not_buy_a_new_budget(self, citizen: TestClient, db: Database) -> None:
        for i in range(LIMIT):
            assert submit(citizen, **GOOD).status_code == 201, i
        spoofed = citizen.post("/portal/requests", data=GOOD, headers={"X-Forwarded-For": "192.0.2.55"})
        assert spoofed.status_code == 429
        assert case_count(db) == LIMIT

    def test_refused_forms_do_not_use_up_the_budget(self, citizen: TestClient, db: Database) -> None:
        for _ in range(LIMIT + 2):
            assert submit(citizen, **{**GOOD, "description": " "}).status_code == 400
            assert submit(citizen, **{**GOOD, "service_code": "no.such.thing"}).status_code == 404
        for i in range(LIMIT):
            assert submit(citizen, **GOOD).status_code == 201, i
        assert submit(citizen, **GOOD).status_code == 429
        assert case_count(db) == LIMIT

    def test_once_refused_even_an_invalid_form_is_told_to_wait(self, citizen: TestClient) -> None:
        for _ in range(LIMIT):
            submit(citizen, **GOOD)
        assert error(submit(citizen, **{**GOOD, "description": ""}))[0] == "too_many_submissions"

    def test_zero_means_no_limit(self, db: Database, settings: Settings, portal_key: str) -> None:
        unlimited = limited_app(db, settings, portal_key, 0)
        with TestClient(unlimited, client=CITIZEN) as client:
            statuses = [submit(client, **GOOD).status_code for _ in range(21)]  # past the default 20 as well
        assert statuses == [201] * 21
        assert case_count(db) == 21
