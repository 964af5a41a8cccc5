"""``Idempotency-Key`` on the portal's 我也遇到, comment and rating: a citizen's app that did not hear the answer sends
the same POST again and gets the first answer, replayed — no second me-too, comment or callback, and no 409 for
the "second" one."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.models import Callback, Case
from tests.conftest import make_key
from tests.web.test_portal import GOOD, submit
from tests.web.test_portal_rating import GOOD_RATING, replied


def twice(client: TestClient, url: str, key: str, **form: Any) -> tuple[httpx.Response, httpx.Response]:
    headers = {"Idempotency-Key": key}
    first = client.post(url, data=form or None, headers=headers)
    return first, client.post(url, data=form or None, headers=headers)


def _replayed(first: httpx.Response, again: httpx.Response, status: int) -> None:
    assert first.status_code == status, first.text
    assert again.status_code == status, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_a_retried_me_too_counts_once(portal: TestClient, db: Database) -> None:
    case_id = submit(portal, **GOOD).json()["service_request_id"]
    first, again = twice(portal, f"/portal/requests/{case_id}/metoo", "metoo-1")
    _replayed(first, again, 200)
    assert again.json()["me_too"] == 1
    with db.reading() as session:
        assert session.scalar(sa.select(Case.likes).where(Case.id == int(case_id))) == 1
    assert portal.post(f"/portal/requests/{case_id}/metoo").status_code == 409  # without the key: a second one


def test_a_retried_comment_is_held_once(portal: TestClient, db: Database) -> None:
    case_id = submit(portal, **GOOD).json()["service_request_id"]
    first, again = twice(portal, f"/portal/requests/{case_id}/comments", "comment-1", text="工地还在夜里打桩")
    _replayed(first, again, 202)
    queue = portal.get("/api/v1/portal/comments", headers={"X-API-Key": make_key(db, "operator")}).json()
    assert [c["case_id"] for c in queue["items"]] == [int(case_id)]


def test_a_retried_rating_is_one_callback(portal: TestClient, db: Database) -> None:
    receipt: dict[str, str] = submit(portal, **GOOD).json()
    case_id = replied(portal, {"X-API-Key": make_key(db, "operator")}, receipt)
    form = GOOD_RATING | {"code": receipt["follow_code"]}
    first, again = twice(portal, f"/portal/requests/{case_id}/rating", "rating-1", **form)
    _replayed(first, again, 200)
    with db.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Callback)) == 1
    assert portal.post(f"/portal/requests/{case_id}/rating", data=form).status_code == 409  # rated once
