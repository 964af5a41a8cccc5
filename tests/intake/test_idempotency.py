"""Idempotency-Key on POSTs (IETF httpapi draft): a retry returns the first answer and creates nothing.

Open311 (through the intake writer's group commit), the staff case API and the portal, on both databases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.models import Case, IdempotencyKey
from tests.intake.conftest import BASE, City

CASES = "/api/v1/cases"


def cases(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


def keys_stored(db: Database) -> list[tuple[str, int | None]]:
    with db.reading() as s:
        return [(r.state, r.status_code) for r in s.scalars(select(IdempotencyKey))]


def pothole(city: City, text: str = "长安街东口有个大坑") -> dict[str, Any]:
    return {"api_key": city.app_key, "service_code": "o311.lamp", "lat": "39.9", "long": "116.4", "description": text}


class TestOpen311:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_retry_returns_the_first_answer_and_creates_nothing(
        self, client: TestClient, city: City, db: Database, fmt: str
    ) -> None:
        headers = {"Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
        first = client.post(f"{BASE}/requests.{fmt}", data=pothole(city), headers=headers)
        assert first.status_code == 200, first.text
        again = client.post(f"{BASE}/requests.{fmt}", data=pothole(city), headers=headers)
        assert again.status_code == 200
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]
        assert again.headers["idempotent-replayed"] == "true"
        assert cases(db) == 1
        assert keys_stored(db) == [("answered", 200)]

    def test_the_answer_is_stored_in_the_transaction_of_the_case(
        self, client: TestClient, city: City, db: Database
    ) -> None:
        """The writer stores it: the row is ``answered`` (not ``done``, which would mean a second transaction)."""
        client.post(f"{BASE}/requests.json", data=pothole(city), headers={"Idempotency-Key": "k-1"})
        with db.reading() as s:
            row = s.scalars(select(IdempotencyKey)).one()
            assert row.state == "answered"
            assert row.body is not None
            assert b"service_request_id" in row.body

    def test_without_a_key_each_post_creates(self, client: TestClient, city: City, db: Database) -> None:
        for _ in range(2):
            assert client.post(f"{BASE}/requests.json", data=pothole(city)).status_code == 200
        assert cases(db) == 2
        assert keys_stored(db) == []

    def test_same_key_other_body_is_422(self, client: TestClient, city: City, db: Database) -> None:
        headers = {"Idempotency-Key": "k-2"}
        assert client.post(f"{BASE}/requests.json", data=pothole(city), headers=headers).status_code == 200
        other = client.post(f"{BASE}/requests.json", data=pothole(city, "另一个坑"), headers=headers)
        assert other.status_code == 422
        assert "Idempotency-Key" in other.json()[0]["description"]  # the spec's error form on Open311
        assert cases(db) == 1

    def test_retry_while_the_first_is_in_flight_is_409(self, client: TestClient, city: City, db: Database) -> None:
        headers = {"Idempotency-Key": "k-3"}
        with db.transaction() as s:  # the first request holds the key (claimed, lease running)
            now = clock.utcnow()
            s.add(_claimed(client, city, "k-3", now, now + timedelta(seconds=60)))
        response = client.post(f"{BASE}/requests.json", data=pothole(city), headers=headers)
        assert response.status_code == 409
        assert cases(db) == 0

    def test_a_dead_servers_claim_is_taken_over_after_its_lease(
        self, client: TestClient, city: City, db: Database
    ) -> None:
        with db.transaction() as s:
            now = clock.utcnow()
            s.add(_claimed(client, city, "k-4", now - timedelta(minutes=5), now - timedelta(seconds=1)))
        response = client.post(f"{BASE}/requests.json", data=pothole(city), headers={"Idempotency-Key": "k-4"})
        assert response.status_code == 200, response.text
        assert cases(db) == 1

    def test_a_refused_request_frees_its_key(self, client: TestClient, city: City, db: Database) -> None:
        headers = {"Idempotency-Key": "k-5"}
        bad = client.post(f"{BASE}/requests.json", data={**pothole(city), "service_code": "nope"}, headers=headers)
        assert bad.status_code == 404
        assert keys_stored(db) == []

    def test_keys_expire(self, client: TestClient, city: City, db: Database) -> None:
        headers = {"Idempotency-Key": "k-6"}
        assert client.post(f"{BASE}/requests.json", data=pothole(city), headers=headers).status_code == 200
        with db.transaction() as s:
            s.execute(update(IdempotencyKey).values(expires_at=clock.utcnow() - timedelta(seconds=1)))
        assert client.post(f"{BASE}/requests.json", data=pothole(city), headers=headers).status_code == 200
        assert cases(db) == 2

    def test_keys_are_per_caller(self, client: TestClient, city: City, db: Database) -> None:
        from tests.conftest import make_key

        other = make_key(db, "app")
        headers = {"Idempotency-Key": "shared-key"}
        client.post(f"{BASE}/requests.json", data=pothole(city), headers=headers)
        client.post(f"{BASE}/requests.json", data={**pothole(city), "api_key": other}, headers=headers)
        assert cases(db) == 2

    def test_an_empty_key_is_400(self, client: TestClient, city: City) -> None:
        response = client.post(f"{BASE}/requests.json", data=pothole(city), headers={"Idempotency-Key": '""'})
        assert response.status_code == 400


def _claimed(client: TestClient, city: City, key: str, created: Any, until: Any) -> IdempotencyKey:
    """The row a first request (same caller, same body) leaves while it is carried out."""
    from citybrain.auth import idempotency
    from citybrain.web.idempotency import caller_scope

    request_body = client.build_request("POST", f"{BASE}/requests.json", data=pothole(city)).read()
    from starlette.requests import Request

    scope = {"type": "http", "headers": [(b"content-type", b"application/x-www-form-urlencoded")], "query_string": b""}
    return IdempotencyKey(
        scope=caller_scope(Request(scope), request_body),
        key=key,
        fingerprint=idempotency.fingerprint("POST", f"{BASE}/requests.json", "", request_body),
        owner="someone",
        state="claimed",
        created_at=created,
        locked_until=until,
        expires_at=created + timedelta(hours=24),
    )


class TestStaffCreate:
    def test_retry_returns_the_first_case(self, client: TestClient, db: Database) -> None:
        from tests.conftest import make_key

        headers = {"X-API-Key": make_key(db, "operator"), "Idempotency-Key": "staff-1"}
        payload = {"channel": "hotline", "title": "夜间施工噪音", "text": "市民来电：工地每晚施工，噪音很大。"}
        first = client.post(CASES, json=payload, headers=headers)
        assert first.status_code == 201, first.text
        again = client.post(CASES, json=payload, headers=headers)
        assert again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert cases(db) == 1
        assert keys_stored(db) == [("answered", 201)]
        other = client.post(CASES, json={**payload, "text": "别的"}, headers=headers)
        assert other.status_code == 422
        assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_expired_keys_are_purged(db: Database) -> None:
    from citybrain.auth import idempotency

    now = clock.utcnow()
    with db.transaction() as s:
        for i, expires in enumerate([now - timedelta(hours=1), now + timedelta(hours=1)]):
            s.add(
                IdempotencyKey(
                    scope="addr:1.2.3.4", key=f"p-{i}", fingerprint="f", owner="o", state="answered",
                    status_code=200, media_type="application/json", body=b"[]", created_at=now,
                    locked_until=now, expires_at=expires,
                )
            )  # fmt: skip
    assert idempotency.purge_expired(db) == 1
    with db.reading() as s:
        assert list(s.scalars(select(IdempotencyKey.key))) == ["p-1"]


class TestStaffCrashWindow:
    def _payload(self) -> dict[str, Any]:
        return {"channel": "hotline", "title": "夜间施工噪音", "text": "市民来电：工地每晚施工，噪音很大。"}

    def test_a_refused_create_frees_its_key(self, client: TestClient, db: Database) -> None:
        from tests.conftest import make_key

        headers = {"X-API-Key": make_key(db, "operator"), "Idempotency-Key": "staff-bad"}
        bad = client.post(CASES, json={**self._payload(), "category_code": "no.such.code"}, headers=headers)
        assert bad.status_code in (400, 404, 422), bad.text
        assert keys_stored(db) == []
        assert client.post(CASES, json=self._payload(), headers=headers).status_code == 201

    def test_done_without_an_answer_after_a_crash_is_a_clear_409(self, client: TestClient, db: Database) -> None:
        """The server died between the route's COMMIT (case + key done) and storing the answer."""
        from tests.conftest import make_key

        headers = {"X-API-Key": make_key(db, "operator"), "Idempotency-Key": "staff-2"}
        assert client.post(CASES, json=self._payload(), headers=headers).status_code == 201
        with db.transaction() as s:
            past = clock.utcnow() - timedelta(seconds=1)
            s.execute(update(IdempotencyKey).values(state="done", status_code=None, body=None, locked_until=past))
        again = client.post(CASES, json=self._payload(), headers=headers)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "idempotency_answer_lost"
        assert cases(db) == 1

    def test_the_answer_is_kept_with_the_case_when_the_server_dies_after_the_commit(
        self, client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The server stops right after the route's COMMIT (nothing runs after it, so nothing stores the answer
        afterwards): the retry gets the first answer, because it was stored in the transaction of the case."""
        from citybrain.auth import idempotency
        from tests.conftest import make_key

        monkeypatch.setattr(idempotency, "store_answer", lambda *_args: None)  # died before it
        headers = {"X-API-Key": make_key(db, "operator"), "Idempotency-Key": "staff-3"}
        first = client.post(CASES, json=self._payload(), headers=headers)
        assert first.status_code == 201
        assert keys_stored(db) == [("answered", 201)]
        again = client.post(CASES, json=self._payload(), headers=headers)
        assert (again.status_code, again.content) == (201, first.content)
        assert again.headers["idempotent-replayed"] == "true"
        assert cases(db) == 1


def test_finishing_a_key_taken_over_by_a_retry_refuses_and_creates_nothing(db: Database) -> None:
    from citybrain.auth import idempotency
    from citybrain.core.errors import Conflict

    held = idempotency.claim(db, scope="addr:x", key="k", fingerprint="f", lease_seconds=60, keep_hours=1)
    assert isinstance(held, idempotency.Claim)
    with db.transaction() as s:  # a retry took the key over after this request's lease ran out
        s.execute(update(IdempotencyKey).values(owner="the-retry"))
    with pytest.raises(Conflict), db.transaction() as s:
        idempotency.finish(s, held, idempotency.Answer(200, "application/json", b"[]"))
    with db.reading() as s:
        assert s.scalars(select(IdempotencyKey.state)).one() == "claimed"
