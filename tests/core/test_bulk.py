"""core/bulk.py: ids taken first, rows in by COPY (PostgreSQL) or executemany, read back as the ORM wrote them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from citybrain.core import bulk
from citybrain.core.db import Database
from citybrain.models import AccessLogEntry

_LOG: Table = AccessLogEntry.__table__  # type: ignore[assignment]
COLUMNS = ["id", "at", "case_id", "principal", "role", "action", "reason", "route"]
AT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _rows(ids: list[int]) -> list[list[object]]:
    return [[i, AT + timedelta(minutes=i), i * 10, f"工作人员 {i}", "operator", "read", None, "GET /x"] for i in ids]


def test_rows_go_in_with_the_ids_taken_and_read_back_as_written(db: Database) -> None:
    with db.transaction() as session:
        ids = bulk.new_ids(session, _LOG, 3)
        assert ids == sorted(ids)
        assert len(set(ids)) == 3
        bulk.insert_many(session, _LOG, COLUMNS, _rows(ids))
    with db.reading() as session:
        stored = session.scalars(select(AccessLogEntry).where(AccessLogEntry.id.in_(ids))).all()
        got = sorted((e.id, e.at, e.case_id, e.principal, e.reason) for e in stored)
        assert got == [(i, AT + timedelta(minutes=i), i * 10, f"工作人员 {i}", None) for i in ids]


def test_later_writers_never_collide_with_ids_taken_in_bulk(db: Database) -> None:
    """On PostgreSQL the ids come from the table's own sequence, so an ORM insert afterwards gets a fresh one."""
    with db.transaction() as session:
        ids = bulk.new_ids(session, _LOG, 5)
        bulk.insert_many(session, _LOG, COLUMNS, _rows(ids))
    with db.transaction() as session:
        later = AccessLogEntry(at=AT, case_id=1, principal="p", role="admin", action="read", route="GET /y")
        session.add(later)
        session.flush()
        assert later.id > max(ids)
        assert bulk.new_ids(session, _LOG, 0) == []


def test_a_failed_bulk_insert_leaves_nothing(db: Database) -> None:
    """A row breaking a NOT NULL constraint fails the whole statement, and the transaction keeps none of it."""
    with db.transaction() as session:
        ids = bulk.new_ids(session, _LOG, 2)
    rows = _rows(ids)
    rows[1][3] = None  # principal is required
    with pytest.raises(IntegrityError), db.transaction() as session:  # noqa: PT012 — the boundary must see it
        bulk.insert_many(session, _LOG, COLUMNS, rows)
    with db.reading() as session:
        assert session.scalars(select(AccessLogEntry).where(AccessLogEntry.id.in_(ids))).all() == []
