"""A gate read or a pass retried with the same ``Idempotency-Key`` gets the first answer, and nothing is written
twice: without the key a repeated read is kept as a second (duplicate) read and a repeated pass is a second pass."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.models import GateEvent, ParkingPass, ParkingSession
from tests.scenarios.parking.conftest import T0
from tests.scenarios.parking.test_api import URL, read
from tests.web.idempotent import another_body_is_422, retried


def _count(db: Database, table: type) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_retried_gate_read_is_one_read(app_client: TestClient, parks: dict[str, str], db: Database) -> None:
    gate = {"X-API-Key": parks["P1"]}
    with clock.frozen(T0 + timedelta(hours=1)):
        first = retried(app_client, URL, "gate-1", gate, json=read("P1", "in", "粤B12345", 0))
        assert first.json()["items"][0]["outcome"] == "open"
        assert (_count(db, GateEvent), _count(db, ParkingSession)) == (1, 1)
        another_body_is_422(app_client, URL, "gate-1", gate, json=read("P1", "in", "粤B54321", 0))
    assert (_count(db, GateEvent), _count(db, ParkingSession)) == (1, 1)


def test_a_retried_pass_is_one_pass(
    app_client: TestClient, parks: dict[str, str], db: Database, operator_headers: dict[str, str]
) -> None:
    url, body = "/api/v1/parking/passes", {"plate": "粤B12345", "kind": "monthly", "car_park": "P1",
                                           "valid_from": T0.isoformat()}  # fmt: skip
    first = retried(app_client, url, "pass-1", operator_headers, json=body)
    assert first.json()["plate"] == "粤B12345"
    assert _count(db, ParkingPass) == 1
    another_body_is_422(app_client, url, "pass-1", operator_headers, json=body | {"kind": "exempt"})
    assert _count(db, ParkingPass) == 1
