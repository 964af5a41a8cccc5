"""The access log's group-commit writer: a staff read's log rows are committed before its answer is sent, many
reads share one COMMIT, none is lost at shutdown, a failing request fails alone, and a read is refused rather
than answered unlogged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from citybrain.auth.access_writer import AccessLogUnavailable, AccessLogWriter
from citybrain.core.db import Database
from citybrain.models import AccessLogEntry
from tests.auth.test_access_log import CASE, why
from tests.conftest import make_key


def _rows(case_id: int, count: int, principal: str | None = "desk 1") -> list[dict[str, Any]]:
    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    common = {"at": at, "principal": principal, "key_id": None, "role": "operator", "department_id": None}
    return [
        {**common, "case_id": case_id + i, "action": "read", "reason": "回访", "route": "GET /api/v1/cases"}
        for i in range(count)
    ]


def _logged(db: Database) -> list[tuple[int, str]]:
    with db.reading() as session:
        found = session.execute(sa.select(AccessLogEntry.case_id, AccessLogEntry.principal).order_by("case_id"))
        return [(int(c), str(p)) for c, p in found]


def test_requests_queued_while_the_writer_is_busy_share_one_commit(db: Database) -> None:
    writer = AccessLogWriter(db, autostart=False)
    futures = [writer.submit(_rows(100 * r, 3)) for r in range(10)]  # queued before the thread runs
    writer.start()
    assert [f.result(timeout=30) for f in futures] == [3] * 10
    writer.stop()
    assert (writer.stats.batches, writer.stats.requests, writer.stats.rows) == (1, 10, 30)
    assert len(_logged(db)) == 30
    assert _logged(db)[:4] == [(0, "desk 1"), (1, "desk 1"), (2, "desk 1"), (100, "desk 1")]


def test_write_returns_only_after_the_rows_are_committed(db: Database) -> None:
    writer = AccessLogWriter(db)
    assert writer.write(_rows(7, 2)) == 2
    assert _logged(db) == [(7, "desk 1"), (8, "desk 1")]  # another connection sees them at once
    assert writer.write([]) == 0
    writer.stop()


def test_stop_writes_every_queued_request_first(db: Database) -> None:
    writer = AccessLogWriter(db, autostart=False)
    futures = [writer.submit(_rows(10 * r, 1)) for r in range(5)]
    writer.start()
    writer.stop()
    assert all(f.done() and f.result() == 1 for f in futures)
    assert [c for c, _p in _logged(db)] == [0, 10, 20, 30, 40]
    with pytest.raises(AccessLogUnavailable):
        writer.write(_rows(99, 1))
    assert len(_logged(db)) == 5


def test_a_request_whose_rows_fail_fails_alone(db: Database) -> None:
    writer = AccessLogWriter(db, autostart=False)
    good = [writer.submit(_rows(1, 1)), writer.submit(_rows(2, 1))]
    bad = writer.submit(_rows(3, 1, principal=None))  # NOT NULL: the batch's transaction fails
    later = writer.submit(_rows(4, 1))
    writer.start()
    with pytest.raises(sa.exc.IntegrityError):
        bad.result(timeout=30)
    assert [f.result(timeout=30) for f in [*good, later]] == [1, 1, 1]
    writer.stop()
    assert [c for c, _p in _logged(db)] == [1, 2, 4]


def test_a_read_is_refused_not_answered_unlogged(app_client: TestClient, db: Database) -> None:
    operator = {"X-API-Key": make_key(db, "operator")}
    created = app_client.post("/api/v1/cases", json=CASE, headers=operator | why("受理来电"))
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    read = app_client.get(f"/api/v1/cases/{case_id}", headers=operator)
    assert read.json()["contact"]["phone"] == "13812345678"
    assert len(_logged(db)) == 2  # the intake's row and the read's, committed before the answer came
    app_client.app.state.access_writer.stop()  # type: ignore[attr-defined]
    refused = app_client.get(f"/api/v1/cases/{case_id}", headers=operator)
    assert refused.status_code == 503
    assert "13812345678" not in refused.text
    listed = app_client.get("/api/v1/cases", headers=operator)
    assert listed.status_code == 503
    assert "13812345678" not in listed.text
    masked = app_client.get(f"/api/v1/cases/{case_id}", headers={"X-API-Key": make_key(db, "supervisor")})
    assert masked.status_code == 200  # nothing personal shown, nothing to log
    assert len(_logged(db)) == 2
